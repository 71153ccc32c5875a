"""Issue 16: a manager moves a client to another site, and ends another's stay with a
planned ending and the letter they keep, on the demo data, in a real browser."""

import subprocess

from playwright.sync_api import expect

from clients.models import Allocation, Client
from tests.browser.conftest import DEMO_PASSWORD, choose


def test_manager_moves_a_client_and_ends_a_stay_with_the_letter(page, log_in, screenshot,
                                                                 demo, tmp_path):
    held = Allocation.objects.current().primary().filter(
        worker__username="keyworker", client__status="active").order_by("client__pk")
    moving, leaving = held[0].client, held[1].client
    log_in("manager", DEMO_PASSWORD)

    page.goto(moving.get_absolute_url())
    page.get_by_role("link", name="Move to another site").click()
    choose(page, "Move to", r"^Hope House")
    page.get_by_label("Handover note").fill("Needs a ground-floor room; sees the GP on Fridays.")
    screenshot("move-form")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Move the client").click()
    expect(page.get_by_text("has moved to Hope House")).to_be_visible()
    expect(page.get_by_text("Needs a ground-floor room; sees the GP on Fridays.")).to_be_visible()
    moving.refresh_from_db()
    assert moving.site.code == "HH1"
    assert not moving.allocations.current().exists()
    page.goto(f"/dashboard/unallocated/?site={moving.site_id}")
    expect(page.get_by_text("Needs a ground-floor room; sees the GP on Fridays.")).to_be_visible()
    screenshot("unallocated-after-move")

    page.goto(leaving.get_absolute_url())
    page.get_by_role("link", name="Move on or discharge").click()
    page.get_by_label("Moved on (resettled)").check()
    page.get_by_label("Planned: agreed with the client").check()
    page.get_by_label("Destination").fill("Own tenancy, Elm Road")
    page.get_by_label("Reason").fill("Ready to live independently")
    page.get_by_label("Closing summary, written with the client").fill(
        "You kept every appointment and found your own flat.")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Close the record").click()
    expect(page.get_by_text("This record is archived")).to_be_visible()
    screenshot("ended-file")
    with page.expect_download() as download:
        page.get_by_role("link", name="Ending letter (PDF)").click()
    pdf = tmp_path / "ending-letter.pdf"
    download.value.save_as(pdf)
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                   text=True, check=True).stdout.split())
    for expected in ["Your time with us", "Your keyworker was Kim Walker",
                     "You kept every appointment and found your own flat.",
                     "Own tenancy, Elm Road", "If you need us again"]:
        assert expected in text, expected
    assert Client.objects.get(pk=leaving.pk).end_kind == Client.EndKind.PLANNED
