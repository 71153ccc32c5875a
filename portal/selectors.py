"""What the client's page, the client file and the keyworker's Today read of the portal."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from clients.models import Allocation
from diary import selectors as diary_selectors
from diary.selectors import Due
from keywork.lib import dates
from keywork.lib.sites import sites_of
from plans import selectors as plan_selectors
from plans.models import Action, keyworker_of
from portal import words
from portal.models import ClientNote, PortalAccess

FILE_NOTES = 5


def access_of(client):
    """The client's PortalAccess, or None when the page was never turned on."""
    return PortalAccess.objects.filter(client=client).first()


@dataclass(frozen=True)
class Goal:
    text: str
    actions: list


def next_session(client):
    """The client's next booked session (diary.selectors.next_booked_sessions, as the
    "My keywork" sheet finds it), or None."""
    return diary_selectors.next_booked_sessions([client.pk]).get(client.pk)


def already_said(client, session):
    """Whether the client said they cannot make `session` at the time it is now (a note
    about the time it had before it was moved does not count)."""
    return ClientNote.objects.filter(client=client, kind=ClientNote.Kind.CANT_MAKE_IT,
                                     session=session,
                                     session_starts_at=session.starts_at).exists()


def my_page(client):
    """Everything the client's own page shows, and nothing else of the record: their
    keyworker's first name and how to reach the site, the next session as messages tell
    it (portal.words.next_session: a moved notice's words, from diary.selectors.as_told),
    and their plan in force's goals with each action and whether it is done."""
    keyworker = keyworker_of(client)
    session = next_session(client)
    goals = {}
    for action in plan_selectors.plan_actions(client):
        goals.setdefault(action.goal_id, Goal(action.goal.text, [])).actions.append(action)
    told = diary_selectors.as_told(session) if session else None
    already = session is not None and already_said(client, session)
    return {
        "first_name": client.called,
        "keyworker": keyworker.first_name.strip() if keyworker else "",
        "site": client.site,
        # For the phone's dialler: the digits (and a leading +) of the site's number.
        "site_tel": "".join(ch for ch in client.site.phone if ch.isdigit() or ch == "+"),
        "session": session,
        "told": told,
        "session_words": words.next_session(session) if session else "",
        "session_day": dates.format_long_weekday(told.starts_at) if told else "",
        "session_time": dates.format_time(told.starts_at) if told else "",
        "already_said": already,
        "goals": list(goals.values()),
        "done": Action.Outcome.DONE,
    }


def file_section(client):
    """The client file's section: the page's state, until when no sign-in code is sent
    after too many wrong ones (or None), and the client's latest notes."""
    notes = list(ClientNote.objects.filter(client=client).select_related("session", "read_by")
                 .order_by("-created_at", "-pk")[:FILE_NOTES])
    access = access_of(client)
    locked = access.codes_locked_until if access else None
    return {"access": access, "notes": notes,
            "locked_until": locked if locked and locked > timezone.now() else None}


def unread_for(user, today, clients):
    """Due items of Today (diary.hooks.due_sources): the unread notes from the clients of
    `user`'s caseload (`clients`, as due_for loaded it), and for a manager those from the
    clients at their sites with no keyworker today (a referral, an allocation ended, a
    stay ended), which would otherwise reach nobody. One query."""
    by_pk = {client.pk: client for client in clients}
    mine = Q(client__in=list(by_pk))
    if user.is_manager:
        keyworked = Allocation.objects.current(today).primary().filter(client=OuterRef("client"))
        mine |= (Q(client__site__in=sites_of(user).values("pk"))
                 & ~Exists(keyworked))
    elif not by_pk:
        return []
    notes = (ClientNote.objects.filter(mine, read_at=None)
             .select_related("session", "client").order_by("created_at", "pk"))
    now = timezone.now()
    return [Due("client_note", by_pk.get(note.client_id, note.client),
                dates.local_day(note.created_at), False, reverse("portal:note", args=[note.pk]),
                note.session, detail=note)
            for note in notes if note.created_at <= now]
