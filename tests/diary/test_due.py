"""Today lists everything due for the person and everything overdue, worked out when it is
read (diary.selectors.due_for), and the bell in the menu counts the same list."""

import datetime
import re

from django.core import mail
from django.urls import reverse
from django.utils import timezone

from clients import services as client_services
from diary import selectors, services
from stages import services as stage_services
from tests.diary.conftest import ago
from tests.factories import ClientFactory, KeyworkSessionFactory, signed_plan

DAY = datetime.timedelta(days=1)


def _overdue_review(client_record, keyworker, travel):
    """A plan signed five weeks ago: its review (four weeks on) has passed, and the
    manager's 4-13 week review is due."""
    travel(days=-35)
    plan = signed_plan(client=client_record, by=keyworker)
    travel.back()
    return plan


def _bell(client):
    """The number the menu's bell shows, or 0."""
    found = re.search(r">(\d+)<", client.get(reverse("diary:due_count")).content.decode())
    return int(found[1]) if found else 0


def test_today_shows_an_overdue_review_a_late_assessment_and_an_unlogged_session(
        client, keyworker, client_record, booked, travel):
    plan = _overdue_review(client_record, keyworker, travel)
    client.force_login(keyworker)
    page = client.get(reverse("diary:today")).content.decode()
    # Dee was admitted weeks ago: no initial assessment yet, and her review date has passed.
    assert "Review Dee's plan" in page
    assert reverse("plans:review", args=[plan.pk]) in page
    assert "Do Dee's initial assessment" in page
    assert reverse("stages:assessment_create", args=[client_record.pk]) in page
    assert "Overdue: " in page
    # The session that began an hour ago is still to log.
    assert reverse("diary:log", args=[booked.pk]) in page
    kinds = {item.kind: item for item in selectors.due_for(keyworker)}
    assert kinds["review"].overdue and kinds["initial"].overdue and kinds["unlogged"].overdue
    assert kinds["review"].on == plan.review_on


def test_today_leaves_out_another_keyworkers_work(client, keyworker, colleague,
                                                  colleagues_client, travel):
    _overdue_review(colleagues_client, colleague, travel)
    theirs = KeyworkSessionFactory(client=colleagues_client, worker=colleague,
                                   starts_at=ago(hours=1))
    client.force_login(keyworker)
    page = client.get(reverse("diary:today")).content.decode()
    assert "Rob" not in page
    assert reverse("diary:log", args=[theirs.pk]) not in page
    assert selectors.due_for(keyworker) == []
    assert "Nothing is due today and nothing is overdue." in page
    assert _bell(client) == 0
    client.force_login(colleague)
    assert "Review Rob's plan" in client.get(reverse("diary:today")).content.decode()


def test_the_bell_counts_todays_list(client, keyworker, client_record, booked, travel):
    _overdue_review(client_record, keyworker, travel)
    client.force_login(keyworker)
    due = selectors.due_for(keyworker)
    # The session to log, the review and the initial assessment (her plan is signed, and
    # the booked session counts towards her week).
    assert sorted(item.kind for item in due) == ["initial", "review", "unlogged"]
    page = client.get(reverse("diary:today")).content.decode()
    assert f"{len(due)} things due today or overdue." in page
    assert _bell(client) == len(due) == 3


def test_the_bell_follows_the_work_when_it_is_done(client, keyworker, client_record, booked):
    client.force_login(keyworker)
    before = _bell(client)
    assert before == len(selectors.due_for(keyworker))
    services.session_log(session=booked, version=booked.version, by=keyworker,
                         status=booked.Status.ATTENDED, actual_start=booked.starts_at,
                         actual_minutes=50, discussed="The housing form")
    assert _bell(client) == before - 1


def test_a_session_later_today_is_due_and_not_overdue(client, keyworker, client_record):
    later = KeyworkSessionFactory(client=client_record, worker=keyworker,
                                  starts_at=ago(minutes=-30))
    items = [(i.kind, i.overdue) for i in selectors.due_for(keyworker) if i.session == later]
    if timezone.localdate(later.starts_at) == timezone.localdate():
        assert items == [("session", False)]
    else:  # the half hour crossed midnight: tomorrow's session is not due today
        assert items == []


def test_a_check_in_is_due_until_the_worker_is_back(client, keyworker, manager, client_record):
    out = KeyworkSessionFactory(client=client_record, worker=keyworker, place="external",
                                where="GP surgery", starts_at=ago(hours=2),
                                expected_back_at=ago(minutes=30), held=True)
    [mine] = [i for i in selectors.due_for(keyworker) if i.kind == "check_in"]
    assert mine.session == out and mine.overdue
    # The manager is told too: someone at their site is overdue back.
    [theirs] = [i for i in selectors.due_for(manager) if i.kind == "check_in"]
    assert theirs.session == out
    client.force_login(manager)
    assert "Kim Lowe is out with Dee and has not checked in" in client.get(
        reverse("diary:today")).content.decode()
    out.checked_in_at = ago(minutes=1)
    out.save()
    assert not [i for i in selectors.due_for(keyworker) if i.kind == "check_in"]


def test_a_manager_is_told_of_reviews_and_promotions_at_their_sites_only(
        client, keyworker, manager, other_site_manager, client_record, site, travel):
    _overdue_review(client_record, keyworker, travel)
    site.uses_ladder = True
    site.save()
    ready = ClientFactory(site=site, first_name="Lou", last_name="Ladder")
    stage_services.ladder_start(client=ready, by=manager, on=ready.admitted_on)
    for task in stage_services.current_stage(ready).stage.tasks.all():
        stage_services.evidence_record(client=ready, task=task, by=manager,
                                       on=ready.admitted_on, what="Seen")
    kinds = {item.kind: item for item in selectors.due_for(manager)}
    assert kinds["manager_review"].client == client_record
    assert not kinds["manager_review"].overdue
    assert kinds["promotion"].client == ready
    client.force_login(manager)
    page = client.get(reverse("diary:today")).content.decode()
    assert "Sign off your 4–13 week review of Dee's plan" in page
    assert "Confirm Lou's promotion to" in page
    assert _bell(client) == len(selectors.due_for(manager))
    assert selectors.due_for(other_site_manager) == []


def test_administrators_have_nothing_due_and_no_bell(client, administrator):
    assert selectors.due_for(administrator) == []
    client.force_login(administrator)
    assert reverse("diary:due_count") not in client.get(reverse("home")).content.decode()


def test_the_bell_is_fetched_by_the_menu_and_opens_today(client, keyworker):
    client.force_login(keyworker)
    page = client.get(reverse("diary:week")).content.decode()
    assert f'data-hx-get="{reverse("diary:due_count")}"' in page
    assert f'href="{reverse("diary:today")}"><i class="bi bi-bell"' in page


def test_the_morning_emails_address_opens_today(client, keyworker, administrator):
    client.force_login(keyworker)
    assert client.get(reverse("supervision:notifications")).url == reverse("diary:today")
    client.force_login(administrator)
    assert client.get(reverse("supervision:notifications")).url == reverse("home")


def test_cover_starting_soon_is_on_today_and_in_the_morning_email_in_the_same_words(
        client, keyworker, colleague, client_record):
    from supervision import reminders

    today = timezone.localdate()
    client_record.first_name = "Dee & Co"  # the e-mail is text: nothing escaped
    client_record.save()
    client_services.cover_arrange(client=client_record, worker=colleague,
                                  first_day=today + 3 * DAY, last_day=today + 20 * DAY,
                                  handover_note="Dee likes mornings.", by=keyworker)
    [cover] = [item for item in selectors.due_for(keyworker) if item.kind == "cover"]
    assert cover.on == today + 3 * DAY and not cover.overdue
    day = f"{cover.on:%a} {cover.on.day} {cover.on:%b}"
    said = f"Cover for Dee &amp; Co by Sam Reid starts {day}"
    client.force_login(keyworker)
    assert said in client.get(reverse("diary:today")).content.decode()
    reminders.remind(keyworker, today)
    [email] = mail.outbox
    assert f"- Cover for Dee & Co by Sam Reid starts {day}" in email.body
    # A week before it ends, the same people are told it is ending.
    ending = selectors.cover_changes([client_record], today + 15 * DAY)
    assert [c.last_day for c in ending] == [today + 20 * DAY]


def test_the_morning_email_lists_what_today_lists(keyworker, client_record, booked):
    from supervision import reminders

    today = timezone.localdate()
    due = selectors.due_for(keyworker)
    lines = [item.text for item in reminders.reminders_for(keyworker, today)]
    assert len(lines) == len(due) >= 3
    assert f"Log the session with Dee of {booked.starts_at:%a} {booked.starts_at.day}" in (
        " ".join(lines))


def test_a_reassessment_due_is_on_today_and_in_the_bell(client, keyworker, manager, site,
                                                       client_record):
    """Issue 16: re-assessment at the site's interval is flagged like the other due dates."""
    from stages.models import Need

    stage_services.assessment_record(
        client=client_record, assessed_on=client_record.admitted_on, by=keyworker,
        ratings={n.pk: ("determined", "") for n in Need.objects.in_use()})
    assert "reassessment" not in {item.kind for item in selectors.due_for(keyworker)}
    stage_services.assessment_settings_update(site=site, by=manager, reassess_every_weeks=4)
    [item] = [i for i in selectors.due_for(keyworker) if i.kind == "reassessment"]
    assert item.overdue and item.on == client_record.admitted_on + 28 * DAY
    client.force_login(keyworker)
    page = client.get(reverse("diary:today")).content.decode()
    assert "Re-assess Dee" in page
    assert reverse("stages:assessment_create", args=[client_record.pk]) in page
    assert _bell(client) == len(selectors.due_for(keyworker))


def test_today_groups_many_tasks_of_a_kind_and_shows_all_on_asking(client, keyworker, site):
    from diary.views import TODAY_PAGE, TODAY_SHOWN
    from tests.factories import client_with_keyworker

    for n in range(TODAY_SHOWN + 2):
        client_with_keyworker(site=site, keyworker=keyworker, first_name=f"Ann{n:02d}",
                              last_name="Tester")
    assert [item.kind for item in selectors.due_for(keyworker)].count("initial") == (
        TODAY_SHOWN + 2)
    client.force_login(keyworker)
    page = client.get(reverse("diary:today")).content.decode()
    asked = re.compile(r"Ann\d\d's initial assessment\s*</a>")
    assert len(asked.findall(page)) == TODAY_SHOWN
    assert f"Show all {TODAY_SHOWN + 2}" in page and "?show=initial" in page
    assert "Initial assessments" in page
    page = client.get(reverse("diary:today"), {"show": "initial"}).content.decode()
    assert len(asked.findall(page)) == TODAY_SHOWN + 2 <= TODAY_PAGE
    # Kept until the data changes: a new client is on Today at once, and in the bell.
    client_with_keyworker(site=site, keyworker=keyworker, first_name="Bea", last_name="New")
    page = client.get(reverse("diary:today")).content.decode()
    assert f"Show all {TODAY_SHOWN + 3}" in page
    assert _bell(client) == len(selectors.due_for(keyworker))
