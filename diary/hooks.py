"""What apps built on the diary hear of, without the diary importing them.

- `session_changed`: functions `(sessions, *, change, by, before, cause)` called inside
  the transaction that moves (`change="moved"`) or cancels (`change="cancelled"`) booked
  sessions: one moved by hand (its time, place or worker), a series' "this and all
  following", sessions handed to another worker (absence cover, a new keyworker), and
  those cancelled as the client leaves (`cause="leaving"`; else `cause=""`).
  `before` is {session id: diary.selectors.AsTold} of each session as its client was told
  of it before the change (only for "moved"): a session whose time, place and worker are
  unchanged is not passed at all. Messaging registers from its AppConfig.ready() to tell
  the client.
- `due_sources`: functions `(user, today, caseload)` -> [diary.selectors.Due], what a
  higher app adds to what is due for `user` (Today, the bell, the reminders e-mail):
  `caseload` is the user's open caseload (keyworker, co-keyworker or cover) as due_for
  loaded it, so a source needs one query of its own. Each Due's kind is in DUE_KINDS.
  Portal registers the notes a client sent from their own page.
"""

from diary.selectors import as_told

session_changed = []
due_sources = []


def told_before(sessions):
    """{session id: as_told(session)}, taken before a change is made to them."""
    return {session.pk: as_told(session) for session in sessions}


def sessions_changed(sessions, *, change, by, before=None, cause=""):
    """Tell every registered app that `sessions` were moved or cancelled. For "moved",
    `before` is told_before() of them: those the client would be told of alike are left
    out, and nothing is said when none is left."""
    before = before or {}
    sessions = list(sessions)
    if change == "moved":
        sessions = [session for session in sessions
                    if before.get(session.pk) != as_told(session)]
    if not sessions:
        return
    for listener in session_changed:
        listener(list(sessions), change=change, by=by, before=before, cause=cause)
