"""How a session is drawn wherever the diary lists many: its outcome badge, its place, its
cover note, its chip on the week's grid and its line in a list (Today, the week on a phone,
the site's day), and the week's grid itself.

Drawn in Python rather than by an include per session (with three more inside it): a
week of thirty sessions took 20 ms of CPU through the templates, most of it looking the
same names up again for every session and every free hour. Each function writes the
elements the templates wrote; every word goes through gettext and every value is escaped
(format_html, or escape() where a part is written hundreds of times). The templates that
show one session (diary/includes/session_status.html, place.html, cover.html,
session_item.html) call these, so the rule of what a session shows has one home.
"""

from django import template
from django.template.defaultfilters import linebreaksbr, urlencode
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from diary.models import KeyworkSession
from keywork.lib import dates
from keywork.lib.rows import csrf_input

register = template.Library()

Status = KeyworkSession.Status
Place = KeyworkSession.Place


def _badge(kind, text):
    return format_html('<span class="badge text-bg-{}">{}</span>', kind, text)


@register.simple_tag
def session_status(session):
    """The session's outcome as a badge: entered in error, booked, held, did not attend,
    or cancelled (by whom)."""
    if session.is_struck:
        return _badge("secondary", _("entered in error"))
    if session.status == Status.BOOKED:
        return _badge("info", _("Booked"))
    if session.status == Status.ATTENDED:
        return _badge("success", _("Held"))
    if session.status == Status.DID_NOT_ATTEND:
        return _badge("danger", _("Did not attend"))
    if session.cancelled_by == KeyworkSession.CancelledBy.CLIENT:
        return _badge("secondary", _("Cancelled by the client"))
    return _badge("secondary", _("Cancelled by staff"))


_PLACE_ICONS = {Place.EXTERNAL: "bi-geo-alt", Place.CLIENT_ROOM: "bi-house-door"}


def _place_label(session):
    # As get_place_display(), which translates every place's label to find one.
    return str(Place(session.place).label)


@register.simple_tag
def session_place(session):
    """Where the session is, lone working, and when the worker is expected back."""
    html = [format_html(
        '<span class="text-nowrap"><i class="bi {}" aria-hidden="true"></i> {}</span>',
        _PLACE_ICONS.get(session.place, "bi-door-closed"), _place_label(session))]
    if session.where:
        html.append(format_html(": {}", session.where))
    if session.lone_working:
        html.append(format_html(
            ' · <span class="text-nowrap"><i class="bi bi-person-exclamation" '
            'aria-hidden="true"></i> {}</span>', _("lone working")))
    if session.expected_back_at:
        html.append(format_html(" · {}", _("back by %(time)s") % {
            "time": dates.format_time(session.expected_back_at)}))
    return mark_safe("".join(html))  # noqa: S308 (each part escaped)


@register.simple_tag
def session_cover(session):
    """'cover' when the worker covers the client that day (services.decorate), with the
    handover note if there is one."""
    if getattr(session, "cover_note", None) is None:
        return ""
    badge = _badge("warning", _("cover"))
    if not session.cover_note:
        return badge
    return format_html(
        '{} <details class="small d-inline-block"><summary>{}</summary><p class="mb-0">{}</p>'
        "</details>", badge, _("Handover note"), linebreaksbr(session.cover_note, autoescape=True))


class _Shared:
    """What the sessions drawn in one page share, worked out once: each session's parts
    (a session is drawn twice in the week, on the grid and in the phone's list), this
    request's CSRF field, and the way back here after logging or checking in."""

    def __init__(self, context):
        request = context.get("request")
        self.next_path = request.get_full_path() if request else ""
        self.log_next = urlencode(self.next_path)
        self.csrf_input = csrf_input(context)
        self.parts = {}

    @classmethod
    def of(cls, context):
        shared = context.render_context.get(cls)
        if shared is None:
            shared = context.render_context[cls] = cls(context)
        return shared

    def __getitem__(self, session):
        parts = self.parts.get(session.pk)
        if parts is None:
            parts = self.parts[session.pk] = _Parts(session)
        return parts


class _Parts:
    """A session's parts, escaped."""

    def __init__(self, session):
        # Its page if the user may open its notes (services.decorate's `full`), else the
        # client's.
        self.full = getattr(session, "full", False)
        self.link = session.get_absolute_url() if self.full else session.client.get_absolute_url()
        self.times = f"{dates.format_time(session.starts_at)}–{dates.format_time(session.ends_at)}"
        self.client = escape(session.client)
        self.status = session_status(session)
        self.cover = session_cover(session)


def session_chip(session, parts):
    """A session in its hour of the week's grid."""
    marks = ""
    if session.place in _PLACE_ICONS:
        place = escape(_place_label(session))
        marks = (f'<i class="bi {_PLACE_ICONS[session.place]}" title="{place}"></i>'
                 f'<span class="visually-hidden">{place}</span>')
    if session.lone_working:
        alone = escape(_("lone working"))
        marks += (f' <i class="bi bi-person-exclamation" title="{alone}"></i>'
                  f'<span class="visually-hidden">{alone}</span>')
    if session.status != Status.BOOKED:
        marks += f" {parts.status}"
    cover = " is-cover" if parts.cover else ""
    return (f'<div class="session-chip status-{escape(session.status)}{cover}">'
            f'<a href="{escape(parts.link)}"><span class="text-nowrap">{parts.times}</span> '
            f'{parts.client}</a><span class="d-block">{marks}</span>{parts.cover}</div>')


def _session_item(session, shared, *, show_day=False, show_worker=False):
    parts = shared[session]
    when = f"{dates.format_weekday(session.starts_at)} " if show_day else ""
    actions = []
    if session.status == Status.BOOKED and parts.full and session.has_started:
        actions.append(format_html(
            '<a class="btn btn-primary btn-sm" href="{}?next={}">{}<span class="visually-hidden">'
            " {}</span></a>", reverse("diary:log", args=[session.pk]), shared.log_next, _("Log"),
            _("the session with %(name)s") % {"name": session.client}))
    if (session.needs_check_in and not session.checked_in_at
            and session.status != Status.CANCELLED and session.has_started):
        actions.append(format_html(
            '<form method="post" action="{}">{}<input type="hidden" name="next" value="{}">'
            '<button type="submit" class="btn btn-outline-success btn-sm">{}'
            '<span class="visually-hidden"> {}</span></button></form>',
            reverse("diary:check_in", args=[session.pk]), shared.csrf_input, shared.next_path,
            _("I am back"), _("from the session with %(name)s") % {"name": session.client}))
    if session.checked_in_at:
        back = format_html(
            '<div class="small text-success"><i class="bi bi-check2-circle" aria-hidden="true">'
            "</i> {}</div>", _("Back, checked in at %(time)s") % {
                "time": dates.format_time(session.checked_in_at)})
    elif session.is_overdue_back:
        back = format_html(
            '<div class="small text-danger fw-semibold"><i class="bi bi-alarm" '
            'aria-hidden="true"></i> {}</div>', _("Overdue: check in when you are back"))
    else:
        back = ""
    worker = f"{escape(session.worker)} · " if show_worker else ""
    return (f'<li class="list-group-item session-item status-{escape(session.status)}">'
            '<div class="d-flex flex-wrap gap-2 justify-content-between align-items-start"><div>'
            f'<div class="fw-semibold"><span class="text-nowrap">{when}{parts.times}</span> · '
            f'<a href="{escape(parts.link)}">{parts.client}</a> {parts.status}</div>'
            f'<div class="small text-body-secondary">{worker}{session_place(session)}</div>'
            f'{parts.cover}{back}</div>'
            f'<div class="d-flex flex-wrap gap-2 d-print-none">{"".join(actions)}</div></div></li>')


@register.simple_tag(takes_context=True)
def session_item(context, session, show_day=False, show_worker=False):
    """A session as a line of a list: its time, client, outcome, place and cover, and
    "Log" and "I am back" when they are due."""
    return mark_safe(_session_item(  # noqa: S308 (each part escaped)
        session, _Shared.of(context), show_day=show_day, show_worker=show_worker))


@register.simple_tag(takes_context=True)
def session_items(context, sessions, show_day=False, show_worker=False):
    """session_item for each of `sessions`."""
    shared = _Shared.of(context)
    return mark_safe("".join(  # noqa: S308 (each part escaped)
        _session_item(session, shared, show_day=show_day, show_worker=show_worker)
        for session in sessions))


@register.simple_tag(takes_context=True)
def week_rows(context, week, worker=None):
    """The rows of the week's grid: an hour a row, a cell a day with its sessions and, when
    the hour is free to book, a link booking it (for `worker`)."""
    today = context.get("today")
    shared = _Shared.of(context)
    book = escape(reverse("diary:book"))
    for_worker = f"&amp;worker={escape(worker.pk)}" if worker else ""
    days = [(day.isoformat(), dates.format_long_weekday(day),
             ' class="is-today"' if day == today else "") for day in week.days]
    rows = []
    for hour, slots in week.rows:
        shown = f"{hour:02d}"
        cells = []
        for slot, (iso, long_day, today_class) in zip(slots, days, strict=True):
            cell = "".join(session_chip(session, shared[session]) for session in slot.sessions)
            if slot.bookable:
                label = escape(_("Book %(day)s at %(hour)s:00") % {"day": long_day, "hour": shown})
                cell += (f'<a class="slot-book d-print-none" href="{book}?start={iso}T{shown}:00'
                         f'{for_worker}"><span aria-hidden="true">+</span>'
                         f'<span class="visually-hidden">{label}</span></a>')
            cells.append(f"<td{today_class}>{cell}</td>")
        rows.append(f'<tr><th scope="row" class="hour-col">{shown}:00</th>{"".join(cells)}</tr>')
    return mark_safe("\n".join(rows))  # noqa: S308 (each part escaped)


@register.simple_tag(takes_context=True)
def colleague_week_links(context, colleagues, monday):
    """The "Other diaries" menu's entries for colleagues (a site has dozens): each one's
    week from `monday`; the user's own is the menu's "My diary"."""
    user = context.get("user")
    # One reverse() for them all (each costs as much as drawing the entry): the paths
    # differ only in the id.
    before, after = reverse("diary:worker_week", args=[0]).rsplit("/0/", 1)
    return mark_safe("".join(  # noqa: S308 (each part escaped)
        f'<li><a class="dropdown-item" href="{escape(before)}/{c.pk}/{escape(after)}'
        f'?week={monday.isoformat()}">{escape(c)}</a></li>'
        for c in colleagues if c != user))


@register.simple_tag
def worker_day_rows(rows, day):
    """The site's day, a row per worker (selectors.worker_days; a large site has dozens):
    their name choosing their sessions, from-to, and the day's sessions, held and to log."""
    day = day.isoformat()
    return mark_safe("\n".join(  # noqa: S308 (each part escaped)
        f'<tr><th scope="row"><a href="?day={day}&amp;worker={row.worker.pk}">'
        f"{escape(row.worker)}</a></th>"
        f'<td class="d-none d-sm-table-cell">{dates.format_time(row.first)}–'
        f"{dates.format_time(row.last)}</td>"
        f'<td class="text-end">{row.total}</td><td class="text-end">{row.held}</td>'
        f'<td class="text-end{" text-danger fw-semibold" if row.to_log else ""}">{row.to_log}</td>'
        "</tr>" for row in rows))


@register.simple_tag
def worker_options(workers, chosen=None):
    """A <select>'s options, a worker each, `chosen` selected."""
    chosen = chosen.pk if chosen else None
    return mark_safe("".join(  # noqa: S308 (each part escaped)
        f'<option value="{w.pk}"{" selected" if w.pk == chosen else ""}>{escape(w)}</option>'
        for w in workers))
