"""What every form shares: its crispy layout helper, and putting a service's refusal on it."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Layout, Submit

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
