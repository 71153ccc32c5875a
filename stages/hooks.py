"""What apps built on stages (plans) tell it, without stages importing them.

- `actions_done_by_need`: functions (client) -> {need id: completed plan actions tagged
  with that need}; "Achieving" is suggested for a need at five or more.
- `task_answers`: {LadderTask.KnownFrom value: function (client) -> Answer or None}; where
  the product already knows a task is done, the ladder shows it for staff to confirm.
"""

from dataclasses import dataclass

from keywork.lib.cache import cached


@dataclass(frozen=True)
class Answer:
    text: str
    url: str = ""


actions_done_by_need = []
task_answers = {}


def done_actions(client):
    """{need id: number of completed plan actions tagged with it}, summed over providers."""
    totals = {}
    for provider in actions_done_by_need:
        for need_id, count in provider(client).items():
            totals[need_id] = totals.get(need_id, 0) + count
    return totals


def known_answer(task, client):
    """What the product already knows of `task` for `client` (an Answer), or None.

    Kept in the cache until the data changes (keywork.lib.cache.cached): the providers'
    queries (a plan in force of the current stay, the actions done) were an eighth of the
    ladder page's time, and their answers move only with what is written."""
    provider = task_answers.get(task.known_from) if task.known_from else None
    if provider is None:
        return None
    # In a tuple, so that "nothing known" is kept too (cached() keys it by language).
    return cached(("stages:known_answer", task.known_from, client.pk),
                  lambda: (provider(client),))[0]
