"""The door register: check in and out by search, someone new, bans, the register, the
history, the referral of a visitor, and the attendance figures."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from attendance import selectors, services
from attendance.models import Visit, Visitor
from clients.models import Client
from safeguarding.models import Ban
from tests.factories import local_moment


def _register(site):
    return f"{reverse('attendance:register')}?site={site.pk}"


def _ban(client_record, manager, **fields):
    today = timezone.localdate()
    return Ban.objects.create(client=client_record, site=client_record.site,
                              reason="Threatened a volunteer in the kitchen",
                              starts_on=today - datetime.timedelta(days=3),
                              review_on=today + datetime.timedelta(days=25),
                              decided_by=manager, **fields)


def test_a_colleague_finds_a_client_and_checks_them_in_and_out(client, colleague, client_record,
                                                               site):
    client.force_login(colleague)
    page = client.get(_register(site), {"q": "harp"}).content.decode()
    assert "Dee Harper" in page and client_record.reference in page
    assert "Tap to check in" in page
    response = client.post(reverse("attendance:check_in"),
                           {"site": site.pk, "client": client_record.pk})
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert (visit.client, visit.checked_in_by, visit.day) == (
        client_record, colleague, timezone.localdate())
    page = client.get(_register(site)).content.decode()
    assert "Dee Harper" in page and "still in" in page and "1 visit, 1 still in." in page
    # Only what a colleague may see of another's client: no alerts, no link to the file.
    assert "Do not visit alone" not in page
    assert reverse("clients:detail", args=[client_record.pk]) not in page
    client.post(reverse("attendance:check_out", args=[visit.pk]))
    visit.refresh_from_db()
    assert visit.checked_out_at is not None and visit.checked_out_by == colleague
    assert "1 visit, 0 still in." in client.get(_register(site)).content.decode()


def test_the_search_answers_htmx_with_the_results_only(client, keyworker, client_record, site):
    client.force_login(keyworker)
    response = client.get(_register(site), {"q": client_record.reference},
                          headers={"HX-Request": "true", "HX-Target": "door-results"})
    page = response.content.decode()
    assert "Dee Harper" in page and "<html" not in page


def test_the_search_matches_first_names_preferred_names_and_references(
        keyworker, client_record, colleagues_client, site):
    Client.objects.filter(pk=colleagues_client.pk).update(preferred_name="Robbie")
    today = timezone.localdate()

    def names(query):
        return [str(found.person) for found in selectors.search(keyworker, site, query, today)]

    assert names("dee") == ["Dee Harper"]
    assert names("robbie") == ["Rob “Robbie” Quinn"]
    assert names("dee harp") == ["Dee Harper"]
    assert names(client_record.reference.lower()) == ["Dee Harper"]
    assert names("nobody") == [] and names("   ") == []


def test_checking_in_twice_while_in_is_refused_with_a_clear_message(client, keyworker,
                                                                    client_record, site):
    client.force_login(keyworker)
    client.post(reverse("attendance:check_in"), {"site": site.pk, "client": client_record.pk})
    response = client.post(reverse("attendance:check_in"),
                           {"site": site.pk, "client": client_record.pk}, follow=True)
    assert "already checked in today" in response.content.decode()
    assert Visit.objects.count() == 1
    # Out, then in again later the same day: a second visit.
    services.visit_check_out(visit=Visit.objects.get(), by=keyworker)
    services.visit_check_in(site=site, by=keyworker, client=client_record)
    assert Visit.objects.count() == 2


def test_a_ban_warns_in_the_search_and_needs_a_deliberate_check_in(client, keyworker,
                                                                   manager, client_record, site):
    ban = _ban(client_record, manager)
    client.force_login(keyworker)
    page = client.get(_register(site), {"q": "Dee"}).content.decode()
    assert "Ban in force" in page and "Threatened a volunteer" in page
    assert "Check in anyway" in page
    assert ban.review_on.strftime("%-d %b %Y") in page
    with pytest.raises(services.Banned):
        services.visit_check_in(site=site, by=keyworker, client=client_record)
    response = client.post(reverse("attendance:check_in"),
                           {"site": site.pk, "client": client_record.pk}, follow=True)
    assert "banned from this centre" in response.content.decode()
    assert not Visit.objects.exists()
    client.post(reverse("attendance:check_in"),
                {"site": site.pk, "client": client_record.pk, "despite_ban": "yes"})
    assert Visit.objects.get().ban_overridden == ban


def test_a_lifted_ban_does_not_warn(keyworker, manager, client_record, site):
    _ban(client_record, manager, lifted_at=timezone.now())
    visit = services.visit_check_in(site=site, by=keyworker, client=client_record)
    assert visit.ban_overridden is None


def test_someone_new_is_added_and_checked_in_in_one_step(client, keyworker, site):
    client.force_login(keyworker)
    response = client.post(reverse("attendance:visitor_check_in"),
                           {"site": site.pk, "name": "  Lee   Mason ", "description": "red coat"})
    assert response.status_code == 302
    visitor = Visitor.objects.get()
    assert (visitor.name, visitor.site, visitor.created_by) == ("Lee Mason", site, keyworker)
    assert Visit.objects.get().visitor == visitor
    page = client.get(_register(site), {"q": "mason"}).content.decode()
    assert "Lee Mason" in page and "visitor" in page and "tap to check out" in page


def test_bad_visitor_input_says_why_and_changes_nothing(client, keyworker, site):
    client.force_login(keyworker)
    response = client.post(reverse("attendance:visitor_check_in"),
                           {"site": site.pk, "name": "   ", "date_of_birth": "2999-01-01"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Write the name they give" in page and "cannot be in the future" in page
    assert not Visitor.objects.exists() and not Visit.objects.exists()


def test_another_sites_client_cannot_be_checked_in(client, keyworker, other_site_client, site,
                                                   other_site):
    client.force_login(keyworker)
    assert client.post(reverse("attendance:check_in"),
                       {"site": site.pk, "client": other_site_client.pk}).status_code == 404
    assert client.post(reverse("attendance:check_in"),
                       {"site": other_site.pk, "client": other_site_client.pk}).status_code == 404
    assert not Visit.objects.exists()


def test_a_visitor_referred_brings_their_visits_to_the_new_client(client, manager, keyworker,
                                                                  site):
    visitor, visit = services.visitor_check_in(site=site, by=keyworker, name="Lee Mason",
                                               date_of_birth=datetime.date(1990, 5, 1))
    client.force_login(manager)
    page = client.get(_register(site)).content.decode()
    url = f"{reverse('clients:create')}?visitor={visitor.pk}"
    assert url.replace("&", "&amp;") in page or url in page
    form = client.get(url).content.decode()
    assert 'value="Lee"' in form and 'value="Mason"' in form and "1990-05-01" in form
    response = client.post(url, {
        "site": site.pk, "referred_on": timezone.localdate().isoformat(),
        "first_name": "Lee", "last_name": "Mason", "date_of_birth": "1990-05-01",
        "referral_source": "Came to the door", "different": "yes"})
    assert response.status_code == 302, response.content.decode()[-3000:]
    new = Client.objects.get(last_name="Mason")
    visitor.refresh_from_db()
    visit.refresh_from_db()
    assert visitor.client == new and visit.client == new
    assert list(selectors.visits_of(new)) == [visit]
    # A visitor once referred cannot be referred again.
    assert client.get(url).status_code == 404


def test_the_history_and_the_file_section_count_days(client, keyworker, client_record, site):
    today = timezone.localdate()
    for days_ago in (0, 1, 1, 40):
        day = today - datetime.timedelta(days=days_ago)
        Visit.objects.create(site=site, day=day, client=client_record, checked_in_by=keyworker,
                             checked_in_at=local_moment(day, 10),
                             checked_out_at=local_moment(day, 12 if days_ago != 1 else 11))
    months = selectors.month_starts(today, 3)
    counts = selectors.monthly_counts([client_record.pk], months)[client_record.pk]
    assert sum(counts.values()) == 3  # two visits on one day count once
    assert selectors.days_attended([client_record.pk], today - datetime.timedelta(days=7),
                                   today) == {client_record.pk: 2}
    client.force_login(keyworker)
    file = client.get(reverse("clients:detail", args=[client_record.pk])).content.decode()
    assert "Attendance history" in file and "Last in on" in file
    page = client.get(reverse("attendance:history", args=[client_record.pk])).content.decode()
    assert page.count("<tr>") == 4 + 1


def test_the_figures_count_people_visits_and_days(keyworker, client_record, colleagues_client,
                                                  site):
    today = timezone.localdate()
    services.visit_check_in(site=site, by=keyworker, client=client_record)
    services.visit_check_in(site=site, by=keyworker, client=colleagues_client)
    services.visitor_check_in(site=site, by=keyworker, name="Lee")
    figures = selectors.site_figures([site.pk], today, today)
    assert (figures.people, figures.visits, figures.days_open, figures.per_day) == (3, 3, 1, 3)


def test_the_printable_register_is_a_pdf(client, keyworker, client_record, site):
    services.visit_check_in(site=site, by=keyworker, client=client_record)
    client.force_login(keyworker)
    response = client.get(reverse("attendance:register_pdf"), {"site": site.pk})
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_check_out_before_check_in_is_refused(keyworker, client_record, site):
    visit = services.visit_check_in(site=site, by=keyworker, client=client_record)
    visit.checked_out_at = visit.checked_in_at - datetime.timedelta(minutes=5)
    with pytest.raises(ValidationError):
        visit.full_clean()


def test_attendance_is_in_the_outcome_report_and_the_portfolio(client, manager, keyworker,
                                                               client_record, site):
    from supervision import reports

    services.visit_check_in(site=site, by=keyworker, client=client_record)
    services.visitor_check_in(site=site, by=keyworker, name="Lee")
    today = timezone.localdate()
    period = reports.period_for("dates", start=today, end=today)
    sections = {s.key: s for s in reports.outcome_report(manager, [site.pk], period)}
    assert dict(sections["attendance"].rows) == {
        "People who came in": 2, "Visits": 2, "Days the door was open": 1,
        "Average visits per day open": 2.0}
    mine = {s.key: s for s in reports.outcome_report(manager, [site.pk], period,
                                                     worker=keyworker)}
    assert dict(mine["attendance"].rows)["People who came in"] == 1
    client.force_login(keyworker)
    response = client.get(reverse("stages:portfolio_pdf", args=[client_record.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_a_visit_left_open_on_an_earlier_day_closes_at_that_days_end(keyworker, client_record,
                                                                      site):
    from keywork.lib import dates

    day = timezone.localdate() - datetime.timedelta(days=3)
    visit = services.visit_check_in(site=site, by=keyworker, client=client_record,
                                    at=local_moment(day, 10))
    visit = services.visit_check_out(visit=visit, by=keyworker)
    assert dates.local_day(visit.checked_out_at) == day
    assert dates.format_time(visit.checked_out_at) == "23:59"
