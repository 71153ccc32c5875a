from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from keywork.lib.dates import format_day
from plans import selectors

register = template.Library()


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
