"""What apps built on plans tell it, without plans importing them.

- `next_session`: functions (client) -> (date, description) or None. The "my keywork"
  sheet shows the earliest answer as when the client next sees their keyworker; when no
  function answers (no diary installed, or nothing booked), it shows the plan's review date.
  An app registers from its AppConfig.ready(): `plans.hooks.next_session.append(fn)`.
"""

next_session = []


def next_session_for(client):
    """The earliest (date, description) any registered app knows of, or None."""
    answers = [answer for provider in next_session if (answer := provider(client))]
    return min(answers, key=lambda answer: answer[0]) if answers else None
