"""What apps built on the diary hear of, without the diary importing them.

- `session_changed`: functions `(sessions, *, change, by)` called inside the transaction
  that moves (`change="moved"`) or cancels (`change="cancelled"`) booked sessions: one
  moved or cancelled by hand, a series' "this and all following", and those cancelled as
  the client leaves. Messaging registers from its AppConfig.ready() to tell the client.
"""

session_changed = []


def sessions_changed(sessions, *, change, by):
    """Tell every registered app that `sessions` were moved or cancelled."""
    for listener in session_changed:
        listener(list(sessions), change=change, by=by)
