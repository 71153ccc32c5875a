"""`seed_demo` gives the diary a story to try, and the large site enough rows to measure."""

import itertools

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from clients.access import access_level
from clients.models import Client
from diary import selectors, services
from diary.models import Contact, KeyworkSession, SessionSeries
from staff.models import User


@pytest.fixture
def seeded(settings, db):
    settings.DEBUG = True

    def seed(**options):
        call_command("seed_demo", **options)

    return seed


def test_demo_gives_each_client_a_history_and_today_something_to_log(seeded):
    seeded()
    kim, sam = User.objects.get(username="keyworker"), User.objects.get(username="keyworker2")
    # Every admitted client who has had a keyworker (the client just moved into Hope House
    # waits for one, with no keywork yet).
    admitted = Client.objects.filter(site__code__in=["DC1", "HH1"], admitted_on__isnull=False,
                                     allocations__isnull=False).distinct()
    assert admitted.count() >= 15
    per_client = dict(KeyworkSession.objects.values_list("client").annotate(n=Count("pk")))
    assert all(per_client.get(c.pk, 0) >= 3 for c in admitted)
    statuses = set(KeyworkSession.objects.values_list("status", flat=True))
    assert {"attended", "dna", "booked"} <= statuses
    assert Contact.objects.filter(client__in=admitted).count() >= admitted.count()

    today = services.today_for(kim)["today"]
    to_log = [s for s in today if s.status == "booked" and s.has_started]
    assert to_log, "keyworker has a session booked earlier today, ready to log"

    risks = KeyworkSession.objects.open_risks()
    assert set(risks.values_list("site__code", flat=True)) == {"DC1", "HH1"}
    dc1_risk = risks.get(site__code="DC1")
    assert access_level(kim, dc1_risk.client) == "summary"

    caseload = Client.objects.in_full_for(kim).open()
    assert any(week.is_short for week in selectors.sessions_this_week(caseload).values())
    assert [s.worker for s in services.out_now(User.objects.get(username="manager"))] == [sam]
    # Weekly series booked ahead, and one client expected twice a week (with two series).
    small_series = SessionSeries.objects.filter(client__site__code__in=["DC1", "HH1"])
    assert small_series.count() == 4
    assert all(s.sessions.filter(status="booked").count() == 8 for s in small_series)
    own = [e for e in selectors.expected_per_week(admitted.values_list("pk", flat=True))
           .values() if not e.from_site]
    assert own == [selectors.Expected(2, False)]


def test_large_demo_site_has_about_fifty_weekly_sessions_per_client(seeded):
    seeded(clients=24)
    big = KeyworkSession.objects.filter(site__code="BIG")
    count = big.count()
    seeded()
    assert big.count() == count, "running seed_demo again adds no sessions"
    long_stayers = Client.objects.filter(
        site__code="BIG", ended_on__isnull=True,
        admitted_on__lt=timezone.localdate() - timezone.timedelta(days=400))
    # Besides a series booked ahead for one client in ten (eight sessions each).
    per_client = dict(big.filter(client__in=long_stayers, series__isnull=True)
                      .values_list("client").annotate(n=Count("pk")))
    assert per_client and all(45 <= n <= 62 for n in per_client.values())
    series = SessionSeries.objects.filter(client__site__code="BIG")
    assert series.exists()
    assert all(s.sessions.count() == 8 for s in series)
    # Every session has its history (a few more rows: those moved to cover, issue 17).
    assert KeyworkSession.history.filter(site__code="BIG").values("id").distinct().count() \
        == count
    by_worker = itertools.groupby(big.order_by("worker", "starts_at"), key=lambda s: s.worker_id)
    for _worker, sessions in by_worker:
        sessions = list(sessions)
        assert all(a.ends_at <= b.starts_at for a, b in itertools.pairwise(sessions))


def test_demo_has_a_session_recorded_late_and_one_awaiting_the_managers_approval(seeded):
    seeded()
    kim, manager = (User.objects.get(username="keyworker"),
                    User.objects.get(username="manager"))
    late = [s for s in KeyworkSession.objects.filter(logged_by=kim) if s.recorded_late]
    assert any(s.approval == "" and s.late_reason for s in late)
    assert [s for s in late if s.is_awaiting_approval]
    assert "late_approval" in {item.kind for item in selectors.due_for(manager)}


def test_demo_sessions_work_on_the_plans_actions_on_every_site(seeded):
    from diary.models import ActionProgress
    from plans.models import Action

    seeded(clients=24)
    rows = ActionProgress.objects.select_related("action", "session")
    sites = set(rows.values_list("session__site__code", flat=True))
    assert {"DC1", "BIG"} <= sites
    count = rows.count()
    for row in rows.filter(progress=ActionProgress.Progress.DONE):
        assert row.action.outcome == Action.Outcome.DONE
        assert row.action.learnt == row.note
        assert row.session.status == KeyworkSession.Status.ATTENDED
        assert row.session.client_id == row.action.goal.plan.client_id
    assert ActionProgress.history.count() == count
    seeded()
    assert ActionProgress.objects.count() == count, "running seed_demo again adds none"


def test_demo_has_contacts_with_relatives_and_professionals_on_every_site(seeded):
    seeded(clients=24)
    for code in ("DC1", "HH1", "BIG"):
        liaison = Contact.objects.filter(site__code=code).liaison()
        kinds = set(liaison.values_list("with_whom", flat=True))
        assert {"relative", "professional"} <= kinds, code
        assert Contact.objects.filter(site__code=code).with_client().exists()
        for contact in liaison.select_related("client", "agency")[:20]:
            contact.full_clean()
            assert contact.with_label
    count = Contact.objects.filter(site__code="BIG").count()
    seeded()
    assert Contact.objects.filter(site__code="BIG").count() == count

