"""The groups pages: marking a register, the capacity warning, the client's rate on their
file, and the ladder task shown with the register's figures instead of a form."""

from django.contrib.messages import get_messages
from django.urls import reverse

from activities.models import GroupAttendance, Membership
from stages import services as stage_services
from stages.models import Evidence, Ladder, LadderTask
from tests.activities.conftest import add_session


def test_marking_the_register_and_adding_someone_over_capacity(
        client, workshop, member, manager, keyworker, colleagues_client, site):
    other = type(colleagues_client).objects.create(
        site=site, number=999, reference="DC1-00999", first_name="Ann", last_name="Other",
        date_of_birth=colleagues_client.date_of_birth, status="active",
        referred_on=colleagues_client.referred_on, admitted_on=colleagues_client.admitted_on)
    Membership.objects.create(activity=workshop, client=other, joined_on=member.admitted_on,
                              added_by=manager)
    session = add_session(workshop, manager, days_ago=1)
    client.force_login(keyworker)
    url = reverse("activities:register", args=[session.pk])
    page = client.get(url).content.decode()
    assert "Dee Harper" in page and "Ann Other" in page
    response = client.post(url, {f"c{member.pk}": "attended", f"c{other.pk}": "attended",
                                 "add": colleagues_client.pk})
    assert response.status_code == 302
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert "Register saved: 3 came." in said
    assert "That is more than the capacity of 2." in said
    assert GroupAttendance.objects.filter(session=session, status="attended").count() == 3
    assert workshop.memberships.filter(client=colleagues_client).exists()


def test_bad_register_input_changes_nothing(client, workshop, member, keyworker, manager):
    session = add_session(workshop, manager, days_ago=1)
    client.force_login(keyworker)
    response = client.post(reverse("activities:register", args=[session.pk]),
                           {f"c{member.pk}": "<script>", "add": "999999"})
    assert response.status_code == 200
    assert not GroupAttendance.objects.exists()


def test_the_client_file_shows_their_rate(client, workshop, member, keyworker, manager):
    session = add_session(workshop, manager, days_ago=1)
    client.force_login(keyworker)
    client.post(reverse("activities:register", args=[session.pk]),
                {f"c{member.pk}": "attended"})
    page = client.get(reverse("clients:detail", args=[member.pk])).content.decode()
    assert "Action Training Workshop" in page
    assert "Attended 1 of 1 sessions (100%)" in page


def test_the_ladder_shows_the_register_figures_and_no_form(client, workshop, member, keyworker,
                                                           manager, site):
    site.uses_ladder = True
    site.save()
    stage_services.ladder_start(client=member, by=keyworker, on=member.admitted_on)
    task = LadderTask.objects.get(stage__ladder=Ladder.objects.current(),
                                  text__startswith="At least 50 %")
    stage_services.register_task_save(site=site, task=task, activity=workshop, rate=50,
                                      by=manager)
    add_session(workshop, manager, days_ago=2)
    client.force_login(keyworker)
    page = client.get(reverse("stages:ladder", args=[member.pk])).content.decode()
    assert ("attended 0 of 1 Action Training Workshop sessions, 0%; 50% of at least 4 "
            "sessions needed" in page)
    assert reverse("stages:evidence_create", args=[member.pk, task.pk]) not in page
    response = client.post(reverse("stages:evidence_create", args=[member.pk, task.pk]),
                           {"on": "2026-01-01", "what": "Typed"})
    assert response.status_code == 302
    assert not Evidence.objects.exists()


def test_a_manager_names_the_register_task(client, workshop, manager, site):
    task = LadderTask.objects.get(stage__ladder=Ladder.objects.current(),
                                  text__startswith="100 %")
    client.force_login(manager)
    url = reverse("stages:register_tasks")
    response = client.post(url, {"site": site.pk, "task": task.pk, "activity": workshop.pk,
                                 "rate": "100", "sessions_needed": "6"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "100% of the Action Training Workshop sessions, once at least 6 are held" in page
    response = client.post(url, {"site": site.pk, "task": task.pk, "activity": workshop.pk,
                                 "rate": "150", "sessions_needed": "6"})
    assert response.status_code == 200
    response = client.post(url, {"site": site.pk, "task": task.pk, "activity": workshop.pk,
                                 "rate": "100", "sessions_needed": "0"})
    assert response.status_code == 200
    assert (task.registers.get().rate, task.registers.get().sessions_needed) == (100, 6)


def test_the_ladder_says_how_many_sessions_are_needed_before_the_rate_counts(
        client, workshop, member, keyworker, manager, site):
    site.uses_ladder = True
    site.save()
    stage_services.ladder_start(client=member, by=keyworker, on=member.admitted_on)
    task = LadderTask.objects.get(stage__ladder=Ladder.objects.current(),
                                  text__startswith="100 %")
    stage_services.register_task_save(site=site, task=task, activity=workshop, rate=100,
                                      by=manager)
    session = add_session(workshop, manager, days_ago=2)
    client.force_login(keyworker)
    client.post(reverse("activities:register", args=[session.pk]),
                {f"c{member.pk}": "attended"})
    assert workshop.sessions.get().register.get().status == GroupAttendance.Status.ATTENDED
    page = client.get(reverse("stages:ladder", args=[member.pk])).content.decode()
    assert ("attended 1 of 1 Action Training Workshop sessions, 100%; 100% of at least 4 "
            "sessions needed" in page)
    assert not Evidence.objects.exists()


def test_a_member_is_added_through_the_picker_and_no_client_list_is_sent(
        client, workshop, keyworker, client_record, colleagues_client, other_site_client):
    client.force_login(keyworker)
    url = reverse("activities:detail", args=[workshop.pk])
    page = client.get(url).content.decode()
    # The picker's search box, not a select of the site's clients.
    assert reverse("clients:pick") in page and f"site={workshop.site_id}" in page
    assert "Dee Harper" not in page and "Rob Quinn" not in page
    add = reverse("activities:member_add", args=[workshop.pk])
    client.post(add, {"client": colleagues_client.pk})
    assert workshop.memberships.current().filter(client=colleagues_client).exists()
    # Another site's client is refused by the field, whatever the picker was sent.
    client.post(add, {"client": other_site_client.pk})
    assert not workshop.memberships.filter(client=other_site_client).exists()
    page = client.get(url).content.decode()
    assert "Rob Quinn" in page  # now a member, listed as one


def test_the_register_offers_the_picker_for_someone_not_a_member(
        client, workshop, member, manager, keyworker, colleagues_client):
    session = add_session(workshop, manager, days_ago=1)
    client.force_login(keyworker)
    page = client.get(reverse("activities:register", args=[session.pk])).content.decode()
    assert "Dee Harper" in page  # the member's line
    assert "Rob Quinn" not in page and reverse("clients:pick") in page


def test_the_activity_page_shows_a_register_marked_after_it_was_cached(
        client, workshop, member, keyworker, manager):
    """The members' rates are kept in the cache (activities.selectors.members_with_rates):
    marking a register moves them on at once."""
    session = add_session(workshop, manager, days_ago=1)
    client.force_login(keyworker)
    url = reverse("activities:detail", args=[workshop.pk])
    assert "attended 0 of 1 (0%)" in client.get(url).content.decode()
    client.post(reverse("activities:register", args=[session.pk]),
                {f"c{member.pk}": "attended"})
    page = client.get(url).content.decode()
    assert "attended 1 of 1 (100%)" in page
    assert "1 came" in page
