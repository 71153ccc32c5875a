"""20 keyworkers logging sessions and editing plans at once, for a minute, against
gunicorn as in production: no server error, no "database is locked", and every write they
were told was saved is in the database exactly once."""

import os

from tests.load import stored
from tests.load.keyworkers import SUCCESS, Load

SECONDS = int(os.environ.get("LOAD_SECONDS", "60"))


def test_twenty_keyworkers_for_a_minute_see_no_error_and_lose_no_write(deployment, results):
    offset = deployment.log_size()
    load = Load(deployment.port, deployment.people, tag=f"load-{deployment.kind}",
                seconds=SECONDS).drive()
    log = deployment.log_since(offset)
    problems, figures = stored.check(load, deployment.database)
    results("load", load.summary() | figures)

    assert [f"{r.method} {r.path}: {r.status}" for r in load.server_errors()] == []
    assert [f"{r.method} {r.path}: {r.error}" for r in load.cut()] == []
    assert "database is locked" not in log
    assert "Traceback" not in log
    assert [f"{w.kind} {w.marker}: {w.outcome}" for w in load.unconfirmed()] == []
    assert problems == []
    # Every keyworker got through the whole round: a booking, its log, a goal, a plan edit.
    rounds = {(w.keyworker, w.kind) for w in load.confirmed()}
    assert len(rounds) == len(deployment.people) * len(SUCCESS)
