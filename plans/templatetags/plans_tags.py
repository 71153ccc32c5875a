from django import template
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from keywork.lib.forms import field_html
from plans import selectors
from plans.forms import ActionForm, MilestoneForm

register = template.Library()


@register.filter
def review_date(plan):
    """The plan version's one review date (plans.selectors.review_date)."""
    return selectors.review_date(plan)


# The goal form's rows, drawn in Python: the page has a row per action and milestone, the
# blank ones to fill in and the blank one "Add another" copies, each of several fields (a
# template included per row, and one per field, took most of the page's time).
_GOAL_ROWS = {
    # The form: its legend, then each field with the classes of its column.
    ActionForm: (gettext_noop("Action"), (("col-md-5", "what"), ("col-6 col-md-2", "who"),
                                          ("col-6 col-md-2", "agency"),
                                          ("col-8 col-md-2", "due_on"), ("col-md-4", "need"))),
    MilestoneForm: (gettext_noop("Milestone"),
                    (("col-md-8", "text"), ("col-8 col-md-3", "target_on"))),
}


def _goal_row(row, n):
    legend, columns = _GOAL_ROWS[type(row)]
    errors = row.non_field_errors()
    remove = row["DELETE"] if "DELETE" in row.fields else None
    return format_html(
        '<fieldset class="formset-row border rounded p-2 mb-2" data-formset-row>'
        '<legend class="h6 mb-2">{} <span data-row-number>{}</span></legend>{}{}'
        '<div class="row g-2">{}<div class="col-4 col-md-1 d-flex align-items-end">{}</div>'
        "</div></fieldset>",
        _(legend), n, row["id"],
        format_html('<div class="text-danger small mb-1">{}</div>',
                    format_html_join("", "{} ", ((error,) for error in errors)))
        if errors else "",
        format_html_join("", '<div class="{}">{}</div>', (
            (css, field_html(row[name])) for css, name in columns)),
        format_html('<div class="form-check mb-3">{} <label class="form-check-label small" '
                    'for="{}">{}</label></div>', remove, remove.id_for_label, _("Remove"))
        if remove is not None else "")


@register.simple_tag
def goal_rows(formset):
    """The goal form's rows of actions or milestones, numbered."""
    return format_html_join("", "{}", ((_goal_row(row, n),) for n, row in enumerate(
        formset, 1)))


@register.simple_tag
def goal_blank_row(formset):
    """The blank row that "Add another" copies (its number is given as it is added)."""
    return _goal_row(formset.empty_form, "")
