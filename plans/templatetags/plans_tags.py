from django import template
from django.template.defaultfilters import linebreaksbr, truncatewords
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, gettext_lazy, gettext_noop
from django.utils.translation import gettext as _

from keywork.lib import bidi
from keywork.lib.dates import format_day
from keywork.lib.forms import field_html
from keywork.lib.rows import csrf_input as csrf_field
from plans import selectors
from plans.forms import ActionForm, MilestoneForm
from plans.models import Action

register = template.Library()


@register.filter
def ltr(value):
    """A phone number kept left to right in a right-to-left document: its groups of
    digits would otherwise be read from the right ("000 960 01632")."""
    return format_html('<span dir="ltr">{}</span>', value)


@register.filter
def text_dir(text):
    """The `dir` of a typed text in a document (keywork.lib.bidi): its own direction,
    whatever the document's."""
    return bidi.direction(text)


@register.filter
def review_date(plan):
    """The plan version's one review date (plans.selectors.review_date)."""
    return selectors.review_date(plan)


def _badge(kind, text):
    return format_html('<span class="badge text-bg-{} text-wrap">{}</span>', kind, text)


@register.simple_tag
def plan_cell(status, without_manager=False):
    """Where a client's plan stands (a PlanStatus) as badges: the caseload's plan column
    and the manager's list draw it for every row, so it is drawn here in Python rather
    than by a template included once a row."""
    first_plan = status.first_plan if status else ""
    has_plan = bool(status and status.has_plan)
    draft_pk = status.draft_pk if status else None
    parts = []
    if first_plan == "late":
        parts.append(_badge("danger", gettext("First plan late: due %(day)s") % {
            "day": format_day(status.first_plan_due_on)}))
    elif first_plan == "due":
        parts.append(_badge("warning", gettext("First plan due by %(day)s") % {
            "day": format_day(status.first_plan_due_on)}))
    elif not has_plan and not draft_pk:
        parts.append(_badge("light border", gettext("No plan yet")))
    if has_plan or draft_pk:
        review, review_on = status.review, status.review_on
        if review == "overdue":
            parts.append(_badge("danger", gettext("Review overdue: %(day)s") % {
                "day": format_day(review_on)}))
        elif review == "due":
            parts.append(_badge("warning", gettext("Review due %(day)s") % {
                "day": format_day(review_on)}))
        elif review_on:
            parts.append(format_html('<span class="small">{}</span>', gettext(
                "Review %(day)s") % {"day": format_day(review_on)}))
        if draft_pk:
            parts.append(format_html(
                '<a class="badge text-bg-warning text-wrap text-decoration-none" href="{}">{}</a>',
                reverse("plans:detail", args=[draft_pk]),
                gettext("Draft v%(n)s unsigned") % {"n": status.draft_number}))
        if not without_manager:
            manager_review = status.manager_review
            if manager_review == "due":
                parts.append(_badge("info", gettext("Manager review due")))
            elif manager_review == "overdue":
                parts.append(_badge("danger", gettext("Manager review overdue")))
    return mark_safe("\n".join(parts))  # noqa: S308 - each part is escaped by format_html


def _manager_review_cell(client, status):
    manager_review = status.manager_review
    if manager_review:
        opens, closes = status.manager_window
        overdue = manager_review == "overdue"
        review = format_html(
            '<a class="btn btn-sm btn-outline-primary ms-1" href="{}">{}<span '
            'class="visually-hidden"> {}</span></a>',
            reverse("plans:manager_review", args=[status.current_pk]), gettext("Review"),
            client) if status.current_pk else ""
        return format_html(
            '<span class="badge {}">{}</span>\n<span class="small">{}</span>\n{}',
            "text-bg-danger" if overdue else "text-bg-info",
            gettext("Overdue") if overdue else gettext("Due"),
            gettext("%(opens)s to %(closes)s") % {"opens": format_day(opens),
                                                  "closes": format_day(closes)}, review)
    if status.manager_reviewed:
        return format_html('<span class="small text-success">{}</span>', gettext("Signed off"))
    if status.manager_window:
        return format_html('<span class="small text-body-secondary">{}</span>', gettext(
            "from %(opens)s") % {"opens": format_day(status.manager_window[0])})
    return ""


@register.simple_tag
def manager_list_rows(clients):
    """The rows of the manager's list of plans needing attention (plans:reviews), one a
    client of `plans.selectors.attention_rows`, drawn in Python: a template loop took a
    third of the page's time."""
    keyworker_label, plan_label = gettext("Keyworker"), gettext("Plan")
    review_label, no_keyworker = gettext("Manager's review"), gettext("No keyworker")
    return format_html_join("\n", (
        '<tr>\n<td><div class="stack-name"><a class="fw-semibold" href="{}">{}</a><br>'
        '<span class="small text-body-secondary">{}</span></div></td>\n'
        '<td data-label="{}">{}</td>\n<td data-label="{}">{}</td>\n'
        '<td class="stack-optional" data-label="{}">{}</td>\n</tr>'), (
        (reverse("plans:client", args=[client.pk]), client, client.reference,
         keyworker_label,
         ", ".join(str(worker) for worker in client.keyworkers) or format_html(
             '<span class="text-body-secondary">{}</span>', no_keyworker),
         plan_label, plan_cell(client.plan_status, without_manager=True),
         review_label, _manager_review_cell(client, client.plan_status))
        for client in clients))


_OUTCOME_BADGES = {Action.Outcome.DONE: "text-bg-success",
                   Action.Outcome.NOT_DONE: "text-bg-danger",
                   Action.Outcome.CHANGED: "text-bg-warning"}


def _action_sessions(action):
    if not getattr(action, "sessions", None):
        return ""
    return format_html(
        '<div class="small mt-1">{}:\n<ul class="mb-1 ps-3">\n{}\n</ul>\n</div>',
        gettext("Worked on at sessions"), format_html_join("", (
            '<li><a href="{}">{}</a> · {} · <strong>{}</strong>{}</li>'), (
            (work.url, format_day(work.on), work.worker, work.progress,
             format_html(": {}", work.note) if work.note else "")
            for work in action.sessions)))


def _progress_form(action, csrf_input):
    options = format_html_join("", '<option value="{}"{}>{}</option>', (
        (value, " selected" if value == action.outcome else "", label)
        for value, label in Action.Outcome.choices))
    return format_html(
        '<details class="d-print-none">\n<summary class="small">{}<span class="visually-hidden">'
        ': {}</span></summary>\n<form method="post" action="{}" class="mt-2">{}\n'
        '<label class="form-label small" for="outcome-{}">{}</label>\n'
        '<select class="form-select form-select-sm mb-2" id="outcome-{}" name="outcome">{}'
        '</select>\n<label class="form-label small" for="learnt-{}">{}</label>\n'
        '<textarea class="form-control form-control-sm mb-2" id="learnt-{}" name="learnt" '
        'rows="2">{}</textarea>\n<button type="submit" class="btn btn-sm btn-primary">{}'
        '</button>\n</form>\n</details>',
        gettext("Record progress"), truncatewords(action.what, 6),
        reverse("plans:action_progress", args=[action.pk]), csrf_input,
        action.pk, gettext("How it went"), action.pk, options, action.pk,
        gettext("What was learnt"), action.pk, action.learnt, gettext("Save progress"))


def _how_it_went(action, progress, csrf_input):
    return format_html(
        '\n<td class="stack-wide" data-label="{}">\n<span class="badge {}">{}</span>'
        '{}{}{}{}\n</td>',
        gettext("How it went"), _OUTCOME_BADGES.get(action.outcome, "text-bg-light border"),
        action.get_outcome_display(),
        format_html('\n<span class="small text-body-secondary">{}</span>',
                    format_day(action.outcome_on)) if action.outcome_on else "",
        format_html('\n<div class="small">{}: {}</div>', gettext("Learnt"),
                    linebreaksbr(action.learnt, autoescape=True)) if action.learnt else "",
        _action_sessions(action),
        format_html("\n{}", _progress_form(action, csrf_input)) if progress else "")


@register.simple_tag(takes_context=True)
def plan_action_rows(context, plan, goal, progress=False):
    """The rows of a goal's table of actions on the plan as it reads (plan_body.html):
    drawn in Python, since a plan's every action repeats them (with its progress form on
    the plan in force). `goal` has its actions prefetched and numbered."""
    csrf_input = csrf_field(context) if progress else ""
    action_label, who_label, when_label = gettext("Action"), gettext("Who"), gettext("When?")
    return format_html_join("\n", (
        '<tr id="action-{}">\n<td class="stack-head" data-label="{}">{}</td>\n'
        '<td class="plan-text">{}</td>\n<td data-label="{}">{}</td>\n'
        '<td class="text-nowrap" data-label="{}">{}</td>{}\n</tr>'), (
        (action.pk, action_label, action.number, linebreaksbr(action.what, autoescape=True),
         who_label, action.who_label, when_label,
         format_day(action.due_on) if action.due_on else "",
         _how_it_went(action, progress, csrf_input) if plan.signed_at else "")
        for action in goal.actions.all()))


_DIFF = {"ins": '<ins class="diff-ins"><span class="visually-hidden">{} </span>{}</ins>',
         "del": '<del class="diff-del"><span class="visually-hidden">{} </span>{}</del>'}


@register.simple_tag
def change_text(change):
    """One field's change on the page comparing two versions (`plans.compare.Change`):
    the words added and removed marked, else the value as it reads (or a dash)."""
    if not change.changed:
        return change.new or "—"
    said = {"ins": gettext("added:"), "del": gettext("removed:")}
    return format_html_join("", "{}", (
        (format_html(_DIFF[op], said[op], text) if op in _DIFF else text,)
        for op, text in change.segments))


_STATUS_BADGES = {"added": ("text-bg-success", gettext_lazy("new")),
                  "removed": ("text-bg-danger", gettext_lazy("removed")),
                  "changed": ("text-bg-warning", gettext_lazy("changed"))}
_UNCHANGED = ("text-bg-light border", gettext_lazy("unchanged"))


@register.simple_tag
def status_badge(status):
    """Whether a goal, action or milestone was added, removed, changed or is the same."""
    kind, label = _STATUS_BADGES.get(status, _UNCHANGED)
    return format_html('<span class="badge {}">{}</span>', kind, label)


# Constant markup, no data in it.
_REACHED_ICON = mark_safe(  # noqa: S308
    '<i class="bi bi-check-circle-fill text-success" aria-hidden="true"></i>')
_TARGET_ICON = mark_safe('<i class="bi bi-flag" aria-hidden="true"></i>')  # noqa: S308


@register.simple_tag(takes_context=True)
def plan_milestone_items(context, goal, progress=False):
    """The items of a goal's list of milestones on the plan as it reads (plan_body.html),
    with the form marking one reached on the plan in force: drawn in Python, as the
    actions are."""
    csrf_input = csrf_field(context) if progress else ""
    today = (context.get("today") or timezone.localdate()).isoformat()
    return format_html_join("\n", (
        '<li class="mb-2" id="milestone-{}">\n{}\n{} · <span class="small">{}</span>{}{}\n'
        '</li>'), (
        (milestone.pk,
         _REACHED_ICON if milestone.reached_on else _TARGET_ICON,
         milestone.text,
         gettext("target %(day)s") % {"day": format_day(milestone.target_on)},
         format_html('\n<span class="badge text-bg-success">{}</span>', gettext(
             "reached %(day)s") % {"day": format_day(milestone.reached_on)})
         if milestone.reached_on else "",
         format_html(
             '\n<form method="post" action="{}" class="d-inline-flex flex-wrap gap-2 '
             'align-items-center ms-2 d-print-none">{}\n<label class="visually-hidden" '
             'for="reached-{}">{}</label>\n<input type="date" class="form-control '
             'form-control-sm w-auto" id="reached-{}" name="reached_on" value="{}">\n'
             '<button type="submit" class="btn btn-sm btn-outline-success">{}</button>\n'
             '</form>', reverse("plans:milestone_reached", args=[milestone.pk]), csrf_input,
             milestone.pk, gettext("Reached on"), milestone.pk, today, gettext("Reached"))
         if progress and not milestone.reached_on else "")
        for milestone in goal.milestones.all()))


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
        action.what, action.who_label, format_day(action.due_on), field_html(outcome),
        field_html(learnt))


def _review_milestone(milestone, reached):
    return format_html(
        '<div class="row g-2"><div class="col-md-8"><p class="mb-1">'
        '<i class="bi bi-flag" aria-hidden="true"></i> {}</p>'
        '<p class="small text-body-secondary">{}</p></div><div class="col-md-4">{}</div>'
        "</div>",
        milestone.text, _("target %(day)s") % {"day": format_day(milestone.target_on)},
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
