"""What every form shares: its crispy layout helper, how a field is drawn, and putting a
service's refusal on it."""

from html import escape

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Layout, Submit
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field, optgroups
from django import forms, template
from django.conf import settings
from django.forms.models import ModelChoiceIterator
from django.forms.renderers import DjangoTemplates
from django.template import Context
from django.template.base import render_value_in_context
from django.template.defaultfilters import stringformat
from django.templatetags.l10n import unlocalize
from django.utils.choices import BaseChoiceIterator
from django.utils.functional import Promise
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeData, SafeString, mark_safe

from keywork.lib.stale import StaleEdit


def form_helper(submit_label=None, *layout, form_tag=True, method="post", form_class="",
                submit_class=None, attrs=None):
    """The crispy FormHelper of a Keywork form.

    One submit button labelled `submit_label` (none without a label: the page has its own
    buttons), the fields laid out as `layout` (in the form's order when there is none).
    `form_tag=False` when the page wraps the form in its own <form>, `method="get"` for a
    filter, `form_class` and `attrs` on the <form>, `submit_class` added to the button's.
    """
    helper = FormHelper()
    helper.form_tag = form_tag
    helper.form_method = method
    if form_class:
        helper.form_class = form_class
    if attrs:
        helper.attrs = attrs
    if layout:
        helper.layout = Layout(*layout)
    if submit_label:
        helper.add_input(Submit("submit", submit_label, css_class=submit_class))
    return helper


def form_row(*names, column="col-md"):
    """Fields side by side on a wide screen, one under the other on a narrow one."""
    return Div(*[Div(Field(name), css_class=column) for name in names], css_class="row")


def add_error(form, error, *, field_for=None):
    """Put a service's ValidationError on the form, next to the field it is about.

    `field_for` maps a model field named in the error to the form field that sets it; an
    error about a field the form does not have goes at the top. A stale edit also moves
    the form's hidden version on to the one saved, so what the person typed stays and,
    once they have compared, saving again goes through.
    """
    field_for = field_for or {}
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            name = field_for.get(name, name)
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)
    if isinstance(error, StaleEdit) and error.field in form.fields and form.is_bound:
        form.data = form.data.copy()
        form.data[form.add_prefix(error.field)] = str(error.current_version)


def error_summary(form):
    """What the "There is a problem" box at the top of a form lists: (the id of the
    field's input to link to, or "" for an error about the whole form, its label, the
    message), in the form's order, the whole form's errors first.

    A radio group has no one input of its own: the link goes to its first choice, as a
    click on its label would. A hidden field has nothing to link to.
    """
    found = [("", "", message) for message in form.non_field_errors()]
    for name, field in form.fields.items():
        bound = form[name]
        if not bound.errors:
            continue
        anchor = "" if field.widget.is_hidden else bound.id_for_label or next(
            (choice.id_for_label for choice in bound.subwidgets), "")
        found += [(anchor, bound.label, message) for message in bound.errors]
    return found


# The fields of every form, drawn in Python (templates/bootstrap5/field.html calls this).
# crispy-bootstrap5's field.html draws one field through a template of about forty
# {% if %}s and three {% include %}s: most of a form page's time (a client's details form:
# 16 of its 22 ms). For the fields Keywork's forms have (stacked, not horizontal; a text
# input, text area, select, checkbox, radios or checkboxes of several; help text below,
# errors inline as a form's helper has them, or as a block as `{{ field|as_crispy_field }}`
# has them) this draws the same elements with the same attributes and text; any
# other case (a horizontal form, label or field classes, a date and time in one, a file
# input, a table cell) is drawn by crispy-bootstrap5's own template. Radios or checkboxes
# side by side (crispy's InlineRadios and InlineCheckboxes: the session log's choice for
# each plan action) are drawn here too, as templates/bootstrap5/layout/*_inline.html would.
# tests/test_forms.py compares the two, field by field.

register = template.Library()

_WIDGET_CLASS = {"check": "form-check-input", "select": "form-select", "control": "form-control"}


def _widget(field, kind, errors):
    """{% crispy_field field 'class' '<the kind's class>[ is-invalid]' %}, as crispy-bootstrap5
    asks it: the widget's own class name and those classes added to its own, then the
    widget."""
    css = _WIDGET_CLASS[kind] + (" is-invalid" if errors else "")
    widget = field.field.widget
    converters = getattr(settings, "CRISPY_CLASS_CONVERTERS", {})
    for each in getattr(widget, "widgets", [getattr(widget, "widget", widget)]):
        name = each.__class__.__name__.lower()
        name = converters.get(name, name)
        classes = each.attrs.get("class", "")
        if not classes:
            classes = name
        elif classes.find(name) == -1:
            classes += f" {name}"
        for added in css.split():
            if added not in classes.split():
                classes += f" {added}"
        each.attrs["class"] = classes
    return str(field)


def _drawn_here(field, context):
    """Whether the field is one this draws; crispy-bootstrap5's template draws the rest."""
    widget = field.field.widget
    return not (
        context.get("tag") or context.get("label_class") or context.get("field_class")
        or "form-horizontal" in (context.get("form_class") or "")
        or context.get("help_text_inline")
        or not context.get("form_show_labels")
        or (context.get("inline_class") and not isinstance(widget, forms.RadioSelect))
        # Several inputs in one (a date and a time), a file.
        or (widget.use_fieldset and not isinstance(widget, forms.RadioSelect))
        or isinstance(widget, forms.FileInput)
    )


def _joined(parts):
    """Parts each already escaped (format_html's), one after the other."""
    return SafeString("".join(parts))


def _escaped(value):
    """conditional_escape(), quicker for a plain string (most of what a field shows)."""
    return escape(value) if type(value) is str else conditional_escape(value)


def _help_and_errors(field, context):
    """crispy-bootstrap5's help_text_and_errors.html: the errors inline (a form's helper
    says so by default) or as a block (`|as_crispy_field`, which has no helper), then the
    help text."""
    html = []
    if context.get("form_show_errors") and field.errors:
        if context.get("error_text_inline"):
            html.append(format_html(
                '<div id="{}_error" class="invalid-feedback">{}</div>',
                getattr(field.errors, "field_id", ""),
                format_html_join("", '<span id="error_{}_{}"><strong>{}</strong></span>', (
                    (number, field.auto_id, error)
                    for number, error in enumerate(field.errors, 1)))))
        else:
            html.append(_errors_block(field))
    if field.help_text:
        html.append(_help_text(field))
    return _joined(html)


def _help_text(field):
    # Escaped unless the form marked them safe itself: a help text may name a person
    # (the cover page's "Suggested: ..."), and a name is never markup.
    help_text = conditional_escape(field.help_text)
    return format_html('<div {}class="form-text">{}</div>', format_html(
        'id="{}_helptext" ', field.auto_id) if field.auto_id else "", help_text)


def _label_text(field):
    if field.field.required:
        return SafeString(f'{_escaped(field.label)}<span class="asteriskField">*</span>')
    return conditional_escape(field.label)


def _choices_html(field, context):
    """Radios or checkboxes of several (crispy-bootstrap5's radio_checkbox_select.html): each
    option in its .form-check, the errors after the last (side by side: after them all,
    shown whatever the form's form_show_errors, as that template does), then the help
    text."""
    invalid = " is-invalid" if field.errors else ""
    inline = bool(context.get("inline_class"))
    errors = context.get("form_show_errors") and field.errors and not inline
    option_class = "form-check form-check-inline" if inline else "form-check"
    html = [format_html("<div{}>", format_html(" {}", context["flat_attrs"])
                        if context.get("flat_attrs") else "")]
    groups = optgroups(field)
    for group_number, (group, options, _index) in enumerate(groups, 1):
        if group:
            html.append(format_html("<strong>{}</strong>", group))
        for number, option in enumerate(options, 1):
            html.append(format_html(
                '<div class="{}"><input type="{}" class="form-check-input{}" name="{}" '
                'value="{}"{}><label for="{}" class="form-check-label">{}</label>{}</div>',
                option_class, option["type"], invalid, field.html_name, unlocalize(option["value"]),
                mark_safe(_attrs(option["attrs"])),  # noqa: S308 (each part escaped)
                option["attrs"].get("id", ""), unlocalize(option["label"]),
                _errors_block(field) if errors and number == len(options)
                and group_number == len(groups) else ""))
    html.append(SafeString("</div>"))
    if inline and field.errors:
        html.append(_errors_block(field))
    if field.help_text:
        html.append(_help_text(field))
    return _joined(html)


def _errors_block(field):
    """crispy-bootstrap5's field_errors_block.html."""
    return format_html(
        '<div id="{}_error" class="invalid-feedback">{}</div>',
        getattr(field.errors, "field_id", ""),
        format_html_join("", '<p id="error_{}_{}"><strong>{}</strong></p>', (
            (number, field.auto_id, error) for number, error in enumerate(field.errors, 1))))


def _field_html(field, context):
    wrapper_classes = format_html_join("", " {}", (
        (value,) for value in (context.get("wrapper_class"), field.css_classes()) if value))
    required = " requiredField" if field.field.required else ""
    errors = bool(field.errors)
    if isinstance(field.field.widget, forms.CheckboxInput):
        return format_html(
            '<div class="mb-3"><div id="div_{}" class="form-check{}">{}'
            '<label for="{}" class="form-check-label{}">{}</label>{}</div></div>',
            field.auto_id, wrapper_classes, _widget(field, "check", errors),
            field.id_for_label or "", required, _label_text(field),
            _help_and_errors(field, context))
    label_for = f'for="{_escaped(field.id_for_label)}" ' if field.id_for_label else ""
    label = SafeString(f'<label {label_for}class="form-label{required}">'
                       f"{_label_text(field)}</label>") if field.label else ""
    if field.use_fieldset:  # radios or checkboxes of several
        described = format_html(' aria-describedby="{}"', field.aria_describedby) \
            if field.aria_describedby else ""
        if not field.label:
            legend = ""
        elif context.get("inline_class"):  # side by side: *_inline.html's legend
            legend = format_html('<fieldset{}><legend class=" fs-6 form-label{}">{}</legend>',
                                 described, required, _label_text(field))
        else:
            legend = format_html(
                '<fieldset{}><legend {}class="form-label{} fs-6">{}</legend>', described,
                format_html('for="{}" ', field.id_for_label) if field.id_for_label else "",
                required, _label_text(field))
        return format_html('<div id="div_{}" class="mb-3{}">{}{}{}</div>', field.auto_id,
                           wrapper_classes, legend, _choices_html(field, context),
                           SafeString("</fieldset>" if field.label else ""))
    kind = "select" if isinstance(field.field.widget, forms.Select) else "control"
    # Each part is escaped already (a field is drawn for every row of a formset: format_html
    # escaping them again costs a form page about a tenth of its time).
    return SafeString(f'<div id="div_{_escaped(field.auto_id)}" class="mb-3{wrapper_classes}">'
                      f"{label}{_widget(field, kind, errors)}"
                      f"{_help_and_errors(field, context)}</div>")


_ALONE = {"form_show_errors": True, "form_show_labels": True, "label_class": "",
          "field_class": ""}


def field_html(field):
    """`{{ field|as_crispy_field }}`, for rows a page draws in Python (a formset's, a
    review's actions): the same HTML, without a template rendered for each field."""
    if getattr(field.form, "helper", None) is None:
        if field.is_hidden:
            return str(field)
        if _drawn_here(field, _ALONE):
            return _field_html(field, _ALONE)
    return as_crispy_field(field)


class FieldNode(template.Node):
    """{% keywork_field %}: the field in the context, as crispy-bootstrap5 would draw it;
    what is not drawn here goes to crispy-bootstrap5's own field.html, which this file's
    template hides, or to the template named: {% keywork_field "keywork/x.html" %}."""

    def __init__(self, fallback=None):
        self.fallback = fallback

    def render(self, context):
        field = context["field"]
        if field.is_hidden:
            return str(field)
        if _drawn_here(field, context):
            return _field_html(field, context)
        if not hasattr(self, "crispy_template"):
            engine = context.template.engine
            self.crispy_template = engine.get_template(self.fallback) if self.fallback else \
                engine.find_template("bootstrap5/field.html", skip=[self.origin])[0]
        return self.crispy_template.render(context)


@register.tag
def keywork_field(parser, token):
    bits = token.split_contents()
    if len(bits) > 2:
        raise template.TemplateSyntaxError("keywork_field takes at most a template's name.")
    return FieldNode(bits[1][1:-1] if len(bits) == 2 else None)


def fields_html(fields):
    """Fields of one form, each drawn as {{ field|as_crispy_field }} draws it, with one
    context for them all: as_crispy_field reads the form helper's attributes and renders
    crispy's field template anew for every field, about 100 µs a field, which a form of a
    field per client (the cover page's choice of cover) pays two dozen times."""
    fields = list(fields)
    if not fields:
        return ""
    helper = getattr(fields[0].form, "helper", None)  # (a FormHelper of no layout is falsy)
    context = Context({"form_show_errors": True, "form_show_labels": True, "label_class": "",
                       "field_class": "",
                       **(helper.get_attributes() if helper is not None else {})})
    html = []
    for field in fields:
        with context.push(field=field):
            if field.is_hidden:
                html.append(f"{field}\n")  # field.html's own new line, as below
            elif _drawn_here(field, context):
                html.append(f"{_field_html(field, context)}\n")
            else:
                html.append(as_crispy_field(field))
    return mark_safe("".join(html))  # noqa: S308 (each field drawn, escaped)


# Every form's inputs, drawn in Python (settings.FORM_RENDERER). Django draws each input,
# text area, select and each of a select's options through a template and an included
# attrs.html: from a tenth to a third of a form page's time, and most of the assessment's,
# whose 45 needs show five radios each. These functions write what those templates write,
# character for character, as Django's renderer returns it (stripped; tests/test_forms.py
# compares them); any other template goes to Django's.

_PLAIN = Context()  # {{ value }} outside any page: autoescaped, localized as a page does


def _shown(value):
    """{{ value }}"""
    if isinstance(value, Promise):  # a lazy translation, as the template would read it
        value = str(value)
    if type(value) is str:
        # Most of what a form shows (names, labels, choices' values and labels): a plain
        # string is only escaped, so this skips the lookups that would find that out.
        return escape(value)
    return render_value_in_context(value, _PLAIN)


def _as_string(value):
    """{{ value|stringformat:'s' }}"""
    if type(value) is int:  # a choice's or a row's id: digits, nothing to escape
        return str(value)
    text = stringformat(value, "s")
    return _shown(mark_safe(text) if isinstance(value, SafeData) else text)  # noqa: S308


def _attrs(attrs):
    """django/forms/widgets/attrs.html"""
    if not attrs:  # most of a select's options
        return ""
    return "".join(
        f" {_shown(name)}" if value is True else f' {_shown(name)}="{_as_string(value)}"'
        for name, value in attrs.items() if value is not False)


def _input(widget):
    value = f' value="{_as_string(widget["value"])}"' if widget["value"] is not None else ""
    return (f'<input type="{_shown(widget["type"])}" name="{_shown(widget["name"])}"{value}'
            f'{_attrs(widget["attrs"])}>')


def _input_option(widget):
    """A radio or checkbox of several (radio_option.html, through input_option.html): the
    input alone, or in its label when the template asks (wrap_label)."""
    if not widget.get("wrap_label"):
        return _input(widget)
    label_for = f' for="{_shown(widget["attrs"]["id"])}"' if widget["attrs"].get("id") else ""
    # input.html's own new line is kept where input_option.html includes it.
    return f'<label{label_for}>{_input(widget)}\n {_shown(widget["label"])}</label>'


def _textarea(widget):
    value = _shown(widget["value"]) if widget["value"] else ""
    return (f'<textarea name="{_shown(widget["name"])}"{_attrs(widget["attrs"])}>\n'
            f"{value}</textarea>")


def _option(option):
    return (f'<option value="{_as_string(option["value"])}"{_attrs(option["attrs"])}>'
            f'{_shown(option["label"])}</option>')


def _select(widget):
    html = [f'<select name="{_shown(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            html.append(f'\n  <optgroup label="{_shown(group_name)}">')
        # select_option.html's own new line is kept where select.html includes it.
        html.extend(f"\n  {_option(option)}\n" for option in options)
        if group_name:
            html.append("\n  </optgroup>")
    html.append("\n</select>")
    return "".join(html)


class ManySelect(forms.Select):
    """A select of many options, each a value and its text (no groups), drawn straight
    from its choices: the same HTML as forms.Select (tests/test_forms.py), without the dict,
    attrs and template Django makes for each option before drawing it, nor the copy of the
    choices a ChoiceField makes (give it `ManySelect.choices_of(pairs)`). About 1 µs an
    option instead of 15: the cover page offers each of an absent worker's clients a
    choice of every worker at the site, some 1,500 options."""

    allow_multiple_selected = False

    @staticmethod
    def choices_of(pairs):
        """(value, text) pairs that a ChoiceField takes as they are: a BaseChoiceIterator
        is not normalized again, option by option."""
        return _Choices(pairs)

    def render(self, name, value, attrs=None, renderer=None):
        chosen = set(self.format_value(value))
        html = [f'<select name="{_shown(name)}"{_attrs(self.build_attrs(self.attrs, attrs))}>']
        for option_value, text in self.choices:
            option_value = "" if option_value is None else str(option_value)
            selected = option_value in chosen
            if selected:  # one option selected, the first, as Select.optgroups does
                chosen = ()
            # html.escape is what django.utils.html.escape calls, without its lazy wrapper.
            text = text.__html__() if hasattr(text, "__html__") else escape(str(text))
            html.append(f'\n  <option value="{escape(option_value)}"'
                        f'{" selected" if selected else ""}>{text}</option>\n')
        html.append("\n</select>")
        return mark_safe("".join(html))  # noqa: S308 (every part escaped)


class _Choices(BaseChoiceIterator):
    def __init__(self, pairs):
        self.pairs = list(pairs)

    def __iter__(self):
        return iter(self.pairs)

    def __len__(self):
        return len(self.pairs)


_WIDGET_TEMPLATES = {
    **{f"django/forms/widgets/{kind}.html": _input for kind in (
        "checkbox", "color", "date", "datetime", "email", "file", "hidden", "number",
        "password", "search", "tel", "text", "time", "url")},
    "django/forms/widgets/textarea.html": _textarea,
    "django/forms/widgets/select.html": _select,
    "django/forms/widgets/select_option.html": _option,
    **{f"django/forms/widgets/{kind}.html": _input_option for kind in (
        "input_option", "radio_option", "checkbox_option")},
}
_OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


class FormRenderer(DjangoTemplates):
    """Django's form renderer, with its commonest widget templates written in Python."""

    def render(self, template_name, context, request=None):
        draw = _WIDGET_TEMPLATES.get(template_name)
        widget = context.get("widget")
        if draw is None or widget is None or (draw is _select and any(
                option["template_name"] != _OPTION_TEMPLATE
                for _name, options, _index in widget["optgroups"] for option in options)):
            return super().render(template_name, context, request)
        return draw(widget)


class ReadOnce(ModelChoiceIterator):
    """A ModelChoiceField's choices from its queryset as read the first time, by one plain
    query. Django's iterator reads the queryset again each time the choices are gone through
    (a select with no empty choice is gone through twice a render, the second time to ask
    whether `required` applies), and through QuerySet.iterator(): on PostgreSQL a
    server-side cursor, three round trips (DECLARE, FETCH, CLOSE) for a list of a few dozen
    workers. Set `iterator = ReadOnce` on the field."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:  # the field's own copy, kept once read
            yield self.choice(obj)
