"""What the diary adds to the clients pages, registered from DiaryConfig.ready().

Caseload columns: the last session held, the next one booked, and this week's count
against the site's expected cadence. Client file sections: open risks and the quick
contact form (also on the summary every colleague at the site sees), and the timeline of
sessions and contacts (file only). Each loader runs a fixed number of queries per page.
And when a client changes keyworker, their booked sessions go with them; when they move
to another site or their stay ends, those still to come are cancelled. To plans: the
next booked session, for the client's "My keywork" sheet, and the sessions that worked
on each action of a plan, for the plan page.
"""

from django.utils.translation import gettext_lazy as _

from clients.extensions import (
    CaseloadColumn,
    FileSection,
    register_caseload_column,
    register_client_leaving,
    register_file_section,
    register_keyworker_changed,
)
from diary import forms, selectors, services
from diary.models import KeyworkSession
from keywork.lib import dates
from plans import hooks as plan_hooks


def _last(user, clients):
    return selectors.last_held([c.pk for c in clients])


def _next(user, clients):
    return selectors.next_booked([c.pk for c in clients])


def _week(user, clients):
    return selectors.sessions_this_week(clients)


def _risks(request, client):
    risks = list(services.open_risks(KeyworkSession.objects.filter(client=client)))
    if not risks:
        return None
    return {"risks": risks, "may_resolve": request.user.is_manager}


def _contact(request, client):
    if client.is_archived:
        return None
    return {"form": forms.ContactForm(client=client)}


def _timeline(request, client):
    keywork = not client.is_archived and client.status != client.Status.REFERRED
    return {"page": services.timeline(client, request.GET.get("sessions")),
            "may_book": keywork,
            "next": selectors.next_booked([client.pk]).get(client.pk),
            "week": selectors.sessions_this_week([client])[client.pk] if keywork else None,
            "to_log": selectors.sessions_to_log([client.pk]).get(client.pk, []) if keywork
            else []}


def _action_sessions(client_id, keys):
    """The plan page's sessions on each action, from diary.selectors.sessions_on_actions."""
    return {key: [plan_hooks.ActionWork(dates.local_day(row.session.happened_at),
                                        str(row.session.worker), row.get_progress_display(),
                                        row.note, row.session.get_absolute_url())
                  for row in rows]
            for key, rows in selectors.sessions_on_actions(client_id, keys).items()}


def _next_sessions(client_ids):
    """The sheet's answer, from the same selector as the caseload's "Next session", told as
    the client's reminders, calendar file and own page tell it (selectors.as_told)."""
    answers = {}
    for client_id, session in selectors.next_booked_sessions(client_ids).items():
        told = selectors.as_told(session)
        answers[client_id] = plan_hooks.NextSession(told.starts_at, told.place, told.worker)
    return answers


def _away(request, client):
    """The client's keyworker away today, until when, and who covers (selectors.away)."""
    if client.is_archived:
        return None
    found = selectors.keyworker_away(client)
    if found is None:
        return None
    away, covers = found
    return {"away": away, "covers": covers}


def register():
    register_caseload_column(CaseloadColumn(
        key="diary_last", heading=_("Last session"), template="diary/includes/cell_last.html",
        load=_last, order=20))
    register_caseload_column(CaseloadColumn(
        key="diary_next", heading=_("Next session"), template="diary/includes/cell_next.html",
        load=_next, order=21))
    register_caseload_column(CaseloadColumn(
        key="diary_week", heading=_("This week"), template="diary/includes/cell_week.html",
        load=_week, order=22, on_list=True))
    register_file_section(FileSection(
        key="diary_risks", template="diary/includes/risks_section.html", load=_risks,
        order=5, summary=True, nav=_("Risks"), anchor="risks-heading"))
    register_file_section(FileSection(
        key="diary_contact", template="diary/includes/contact_section.html", load=_contact,
        order=20, column="side", summary=True, actions="diary/includes/contact_actions.html"))
    register_file_section(FileSection(
        key="diary_timeline", template="diary/includes/timeline_section.html",
        load=_timeline, order=30, nav=_("Sessions"), anchor="timeline-heading",
        actions="diary/includes/timeline_actions.html"))
    register_file_section(FileSection(
        key="diary_away", template="diary/includes/away_section.html", load=_away,
        order=3, summary=True))
    register_keyworker_changed(services.sessions_follow_keyworker)
    register_client_leaving(services.sessions_cancel_for_leaving)
    if _next_sessions not in plan_hooks.next_session:
        plan_hooks.next_session.append(_next_sessions)
    if _action_sessions not in plan_hooks.action_sessions:
        plan_hooks.action_sessions.append(_action_sessions)
