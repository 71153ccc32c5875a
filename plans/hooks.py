"""What apps built on plans tell it, without plans importing them.

- `next_session`: functions (client ids) -> {client id: NextSession}, each giving the next
  booked session of those clients it knows of. The "My keywork" sheet tells the client the
  earliest answer as when they next see their keyworker; with no answer it says the
  session is not booked yet. The diary registers from DiaryConfig.ready():
  `plans.hooks.next_session.append(fn)`.
"""

import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class NextSession:
    """A booked session as the client is told of it: when (aware), where and with whom."""

    starts_at: datetime.datetime
    place: str
    worker: str


next_session = []


def next_sessions(client_ids):
    """{client id: the earliest NextSession any registered app knows of}."""
    earliest = {}
    for provider in next_session:
        for client_id, answer in provider(client_ids).items():
            if client_id not in earliest or answer.starts_at < earliest[client_id].starts_at:
                earliest[client_id] = answer
    return earliest


def next_session_for(client):
    """The client's next booked session (NextSession), or None when none is booked."""
    return next_sessions([client.pk]).get(client.pk)


@dataclass(frozen=True)
class ActionWork:
    """A keywork session that worked on a plan action, as the plan page lists it: the day,
    who held it, how far it got (a label), the worker's note and the session's address."""

    on: datetime.date
    worker: str
    progress: str
    note: str
    url: str


# - `action_sessions`: functions (client id, action keys) -> {action key: [ActionWork]},
#   oldest first, in a fixed number of queries: the sessions that worked on those actions
#   (an action keeps its key from version to version, so a revised plan still lists the
#   sessions that worked on it before). The diary registers from DiaryConfig.ready().
action_sessions = []


def sessions_on_actions(client_id, keys):
    """{action key (str): [ActionWork]} for the actions `keys` of a client's plan."""
    keys = [str(key) for key in keys]
    found = {}
    if not keys:
        return found
    for provider in action_sessions:
        for key, work in provider(client_id, keys).items():
            found.setdefault(str(key), []).extend(work)
    return found
