"""The client picker: choosing one client (or several) of hundreds on a form.

A `<select>` of every client of a large site is thousands of options: slow to build, send
and read, and no help to anyone choosing. The picker shows what is chosen and a search box;
as the person types, `clients:pick` answers the clients matching it
(`clients.selectors.typed_matches`: the client's reference, or the start of their names)
among those the person may see, optionally of one site. The form's field still decides
what may be chosen: a client outside its queryset is refused at the field, as before.
Without htmx the chosen value still posts.
"""

from django import forms
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _


def label(client):
    """How a client is named in the picker: their name and reference (two people may share
    a name)."""
    return f"{client.display_name} ({client.reference})"


class ClientPicker(forms.Select):
    """One client: the select holds only the chosen client (or a prompt); the search box
    fills it with the matches (static/js/keywork.js keeps Enter in the box from sending
    the form)."""

    template_name = "clients/widgets/client_picker.html"
    prompt = _("Type part of a name or a reference above")

    def __init__(self, *, site=None, site_field_id="", admitted_only=False, attrs=None):
        super().__init__(attrs)
        self.site = site
        # Where the form chooses the site itself: the id of its site <select>, whose value
        # goes with each search, so that only that site's clients are offered.
        self.site_field_id = site_field_id
        # Only clients admitted or active (not referred): where the field takes no others,
        # as booking a session does, the search offers no one it would refuse.
        self.admitted_only = admitted_only

    def _render(self, template_name, context, renderer=None):
        # The project's templates (templates/clients/widgets/), which the forms renderer
        # does not search.
        return mark_safe(render_to_string(template_name, context))  # noqa: S308 (a template)

    def find_url(self, name):
        query = {"name": name}
        if self.site is not None:
            query["site"] = getattr(self.site, "pk", self.site)
        if self.allow_multiple_selected:
            query["multiple"] = "1"
        if self.admitted_only:
            query["admitted"] = "1"
        return f"{reverse('clients:pick')}?{urlencode(query)}"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["find_url"] = self.find_url(name)
        context["widget"]["find_id"] = f"{context['widget']['attrs'].get('id', name)}_find"
        context["widget"]["site_field_id"] = self.site_field_id
        return context

    def chosen(self, value):
        """The clients chosen (from the field's queryset), without reading the others."""
        pks = []
        for item in value or []:
            try:
                pks.append(int(item))
            except (TypeError, ValueError):
                continue
        queryset = getattr(self.choices, "queryset", None)
        if not pks or queryset is None:
            return []
        # Django asks for the options more than once a render: read them once.
        remembered = getattr(self, "_chosen", None)
        if remembered is None or remembered[0] != pks:
            self._chosen = (pks, [(client.pk, label(client))
                                  for client in queryset.filter(pk__in=pks)])
        return self._chosen[1]

    def use_required_attribute(self, initial):
        # The first option is always the empty prompt, so `required` is valid HTML (Django
        # would read the field's whole queryset to find that out).
        return forms.Widget.use_required_attribute(self, initial)

    def optgroups(self, name, value, attrs=None):
        chosen = self.chosen(value)
        options = [] if self.allow_multiple_selected else [
            self.create_option(name, "", self.prompt, not chosen, 0)]
        options += [self.create_option(name, pk, label, True, index)
                    for index, (pk, label) in enumerate(chosen, start=1)]
        return [(None, options, 0)]


class ClientPickerMultiple(ClientPicker, forms.SelectMultiple):
    """Several clients: each chosen one a ticked box; the matches come as boxes to tick,
    and a ticked match joins the chosen (static/js/keywork.js)."""

    template_name = "clients/widgets/client_picker_multiple.html"

    def id_for_label(self, id_):
        # The field's label names the search box (the boxes each have their own label).
        return f"{id_}_find" if id_ else id_

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        # Django's name for it has a dash, which a template cannot read.
        widget_attrs = context["widget"]["attrs"]
        widget_attrs["aria_describedby"] = widget_attrs.get("aria-describedby", "")
        return context
