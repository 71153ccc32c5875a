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
