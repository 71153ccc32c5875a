"""The load tests' site: 20 keyworkers at one day centre, each with a client on their
caseload whose support plan is a draft, and a logged-in session each.

Run in the environment of the database under test (tests/load/conftest.py does it):
`python -m tests.load.build OUT.json`. Built through the project's services and
factories, like the unit tests' data; the sessions are written directly the way `make
bench` does (bench.run.session_for), so no login form stands in front of the load.
"""

import json
import sys

KEYWORKERS = 20


def main(out):
    import django

    django.setup()

    from bench.run import session_for
    from staff.models import User
    from tests.factories import SiteFactory, UserFactory, client_with_keyworker, draft_plan

    site = SiteFactory(name="Load Day Centre", code="LD1")
    people = []
    for number in range(1, KEYWORKERS + 1):
        worker = UserFactory(username=f"load{number:02d}", role=User.Role.KEYWORKER,
                             sites=[site])
        client = client_with_keyworker(site=site, keyworker=worker)
        plan = draft_plan(client=client, by=worker, goals=0)
        people.append({"username": worker.username, "worker": worker.pk, "client": client.pk,
                       "plan": plan.pk, "session": session_for(worker)})
    with open(out, "w") as file:
        json.dump(people, file)


if __name__ == "__main__":
    main(sys.argv[1])
