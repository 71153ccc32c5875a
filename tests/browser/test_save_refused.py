"""A save the database refuses (a full disk, a restart): the page says nothing was saved
and shows what was written, and the form gets the text back for the next try."""

from django.db import OperationalError
from playwright.sync_api import expect

from plans import services
from tests.factories import PASSWORD, draft_plan


def test_text_refused_by_the_database_comes_back_in_the_form(
        page, log_in, screenshot, monkeypatch, keyworker, client_record):
    plan = draft_plan(client=client_record, by=keyworker, goals=0)
    log_in("keyworker", PASSWORD)
    page.goto(f"/plans/{plan.pk}/goals/new/")
    page.get_by_label("Goal, in the client's own words").fill("Back in touch with my son")
    page.locator("[name=actions-0-what]").fill("Write him a letter")
    page.locator("[name=actions-0-who]").select_option("client")
    page.locator("[name=actions-0-due_on]").fill("2099-01-01")

    def disk_full(**kwargs):
        raise OperationalError("database or disk is full")

    monkeypatch.setattr(services, "goal_save", disk_full)
    page.get_by_role("button", name="Save the goal").click()
    expect(page.get_by_role("heading", name="Keywork could not save this just now"))\
        .to_be_visible()
    expect(page.get_by_label("Text")).to_have_value("Back in touch with my son")
    screenshot("save-refused")

    monkeypatch.undo()
    page.get_by_role("link", name="Back to the form").click()
    expect(page.get_by_text("We put back the text you had typed")).to_be_visible()
    expect(page.get_by_label("Goal, in the client's own words"))\
        .to_have_value("Back in touch with my son")
    expect(page.locator("[name=actions-0-what]")).to_have_value("Write him a letter")
    page.get_by_role("button", name="Save the goal").click()
    expect(page.get_by_text("Goal saved.")).to_be_visible()
    assert list(plan.goals.values_list("text", flat=True)) == ["Back in touch with my son"]
