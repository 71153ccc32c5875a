"""Forms for recording a worker's absence and arranging cover for their clients."""

from crispy_forms.layout import Field
from django import forms
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from clients.forms import DATE
from diary.models import StaffAbsence
from keywork.lib.dates import format_weekday
from keywork.lib.forms import ManySelect, fields_html, form_helper, form_row


class AbsenceForm(forms.Form):
    """A manager chooses whose absence it is; a keyworker records their own leave or
    training (no worker field, fewer kinds)."""

    kind = forms.ChoiceField(label=_("Kind of absence"), choices=StaffAbsence.Kind.choices)
    first_day = forms.DateField(label=_("First day away"), widget=DATE,
                                initial=timezone.localdate)
    last_day = forms.DateField(label=_("Last day away"), widget=DATE)
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_("Seen by the managers of the site, not by clients."))

    def __init__(self, *args, workers=None, **kwargs):
        super().__init__(*args, **kwargs)
        if workers is not None:
            self.fields["worker"] = forms.ModelChoiceField(
                queryset=workers, label=_("Who is away"), empty_label=_("Choose a worker"))
            self.order_fields(["worker", "kind", "first_day", "last_day", "note"])
        else:
            self.fields["kind"].choices = [(k.value, k.label) for k in StaffAbsence.OWN_KINDS]
            self.fields["kind"].help_text = _(
                "Sickness and other absence are recorded by your manager.")
        names = ["worker", "kind"] if workers is not None else ["kind"]
        self.helper = form_helper(_("Record the absence"), *[Field(n) for n in names],
                                  form_row("first_day", "last_day"), Field("note"))

    def clean(self):
        data = super().clean()
        first, last = data.get("first_day"), data.get("last_day")
        if first and last and last < first:
            self.add_error("last_day", _("The last day cannot be before the first day."))
        return data


class AbsenceCancelForm(forms.Form):
    cancel_reason = forms.CharField(label=_("Why it is cancelled"), max_length=300,
                                    widget=forms.TextInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper(_("Cancel the absence"), submit_class="btn-danger")


class CoverForm(forms.Form):
    """One choice of cover worker per client still without cover on some day
    (`cover_<client id>`), or one for every client left blank (`everyone`), and one
    handover note. `plan` is selectors.CoverPlan; `candidates` the workers who may cover at
    any of the sites, `matches` {client id: [KeyworkerMatch]} best first, of the candidates
    who work at that client's site (clients.selectors.keyworker_matches_each). Choices are
    built once, not queried per field. With nothing chosen the form is still valid when
    sessions move to cover already arranged."""

    def __init__(self, *args, plan, candidates, matches, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.workers = {str(worker.pk): worker for worker in candidates}
        self.rows = [row for row in plan.rows if row.needs_cover]
        blank = [("", str(_("No cover (or the one for everyone below)")))]
        # A choice of every worker at the site for each client: ~1,500 options on a large
        # site. Clients asking the same share one list of matches, and so one of choices.
        option = str(_("%(name)s: %(summary)s"))
        names = {pk: str(worker) for pk, worker in self.workers.items()}
        choices_of = {}
        for row in self.rows:
            found = matches.get(row.client.pk, [])
            if id(found) not in choices_of:
                choices_of[id(found)] = ManySelect.choices_of(blank + [
                    (pk, option % {"name": names[pk], "summary": m.summary})
                    for m in found for pk in (str(m.worker.pk),)])
            if row.covers:
                label = _("Cover for %(client)s on the days still without: %(days)s") % {
                    "client": row.client,
                    "days": ", ".join(format_weekday(day) for day in row.uncovered_days)}
            else:
                label = _("Cover for %(client)s") % {"client": row.client}
            field = forms.ChoiceField(label=label, required=False, widget=ManySelect,
                                      choices=choices_of[id(found)])
            if found:
                # Escaped here too: crispy's own field template shows help text as it is.
                field.help_text = format_html(_("Suggested: {name}"), name=found[0].worker)
            self.fields[f"cover_{row.client.pk}"] = field
        self.fields["everyone"] = forms.ChoiceField(
            label=_("Cover for every client left blank"), required=False, widget=ManySelect,
            choices=ManySelect.choices_of([("", _("Nobody")), *names.items()]),
            help_text=_("Only for the clients at a site where they work."))
        self.fields["handover_note"] = forms.CharField(
            label=_("Handover note"), max_length=5000, required=False,
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text=_("What the covering workers need to know: current actions, risks, "
                        "appointments. Each client's new cover gets this note."))
        # The page draws each field with |as_crispy_field; the helper's attributes let
        # keywork.lib.forms draw them in Python rather than through crispy's template.
        self.helper = form_helper(form_tag=False)

    def client_fields(self):
        """Each client's choice of cover, drawn (a form field each, two dozen on a large
        site, drawn with one context: keywork.lib.forms.fields_html)."""
        return fields_html(self[f"cover_{row.client.pk}"] for row in self.rows)

    def clean(self):
        data = super().clean()
        everyone = self.workers.get(data.get("everyone") or "")
        chosen = {}
        for row in self.rows:
            value = data.get(f"cover_{row.client.pk}") or ""
            worker = self.workers.get(value) if value else everyone
            if value and worker is None:
                self.add_error(f"cover_{row.client.pk}", _("Choose one of the workers listed."))
            elif worker is not None and not value and not worker.works_at(row.client.site_id):
                self.add_error("everyone", _(
                    "%(worker)s does not work at %(site)s, where %(client)s is: choose "
                    "someone for %(client)s above.") % {
                    "worker": worker, "site": row.client.site, "client": row.client})
            elif worker is not None:
                chosen[row.client] = worker
        if not chosen and not self.plan.moves_to_existing_cover and not self.errors:
            raise forms.ValidationError(_(
                "Choose a cover worker for at least one client, or one for everyone."))
        if chosen and not (data.get("handover_note") or "").strip():
            self.add_error("handover_note", _(
                "Write a handover note: what the covering workers need to know."))
        data["choices"] = chosen
        return data
