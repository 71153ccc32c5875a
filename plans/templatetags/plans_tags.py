from django import template
from django.template.defaultfilters import date
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


# The review's goals, drawn in Python: each action and milestone of the plan with its
# fields (a template for each field took most of the page's time).


def _review_action(action, outcome, learnt):
    return format_html(
        '<div class="row g-2 border-bottom mb-2"><div class="col-md-5">'
        '<p class="mb-1 fw-semibold">{}</p><p class="small text-body-secondary">{} · {}</p>'
        '</div><div class="col-md-3">{}</div><div class="col-md-4">{}</div></div>',
        action.what, action.who_label, date(action.due_on), field_html(outcome),
        field_html(learnt))


def _review_milestone(milestone, reached):
    return format_html(
        '<div class="row g-2"><div class="col-md-8"><p class="mb-1">'
        '<i class="bi bi-flag" aria-hidden="true"></i> {}</p>'
        '<p class="small text-body-secondary">{}</p></div><div class="col-md-4">{}</div>'
        "</div>",
        milestone.text, _("target %(day)s") % {"day": date(milestone.target_on)},
        field_html(reached))


@register.simple_tag
def review_goals(form):
    """A fieldset per goal of the plan: its actions' progress and its milestones reached."""
    return format_html_join("", (
        '<fieldset class="card mb-3"><legend class="card-header h5 mb-0">{}: '
        '<span class="fw-normal">{}</span></legend><div class="card-body">{}{}</div>'
        "</fieldset>"), (
        (_("Goal %(n)s") % {"n": n}, goal.text,
         format_html_join("", "{}", ((_review_action(*row),) for row in actions)),
         format_html_join("", "{}", ((_review_milestone(*row),) for row in milestones)))
        for n, (goal, actions, milestones) in enumerate(form.rows(), 1)))
