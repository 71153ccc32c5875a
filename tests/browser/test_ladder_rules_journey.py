"""Issue 16's journey: the ladder's rules as written. A manager moves a client down naming
the task whose evidence lapsed (the client is no longer proposed for promotion), promotes
another at their discretion with a reason, and supervision shows why."""

import re

from playwright.sync_api import expect

from clients.models import Allocation
from stages import selectors
from tests.browser.conftest import DEMO_PASSWORD, choose


def _two_clients_of_one_keyworker():
    """(worker, a client above the first rung, another with tasks unmet and a rung above)
    from the demo's ladder site, both on the worker's caseload."""
    allocations = (Allocation.objects.current().primary()
                   .filter(client__site__uses_ladder=True).select_related("client", "worker"))
    by_worker = {}
    for allocation in allocations:
        by_worker.setdefault(allocation.worker, []).append(allocation.client)
    for worker, clients in by_worker.items():
        positions = selectors.ladder_positions(clients)
        down = next((c for c in clients if c.pk in positions
                     and positions[c.pk].current.stage.order > 0
                     and selectors.lapsable_evidence(positions[c.pk].current)), None)
        up = next((c for c in clients if c != down and c.pk in positions
                   and positions[c.pk].unmet and positions[c.pk].above), None)
        if down and up:
            return worker, down, up, positions[down.pk]
    raise AssertionError("The demo has no keyworker with two such clients on the ladder")


def test_manager_demotes_with_a_lapsed_task_and_promotes_at_discretion(page, log_in,
                                                                       screenshot, demo):
    worker, down, up, position = _two_clients_of_one_keyworker()
    below = selectors.stage_below(position.current.stage)
    log_in("manager", DEMO_PASSWORD)

    # Moving down names the task that lapsed: it is struck through, with the reason.
    page.goto(f"/clients/{down.pk}/ladder/")
    page.get_by_text("Move the client down a stage").click()
    page.get_by_role("checkbox", name=re.compile(f"^{re.escape(below.name)}: ")).first.check()
    page.get_by_label("Why the client moves down").fill("Stopped the fitness class")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Move down a stage").click()
    expect(page.get_by_text(f"moved down to {below.name}.")).to_be_visible()
    expect(page.get_by_text("Proposed for promotion.")).to_have_count(0)
    expect(page.locator(".evidence-lapsed", has_text="Stopped the fitness class")).to_be_visible()
    screenshot("ladder-lapsed")

    # A promotion at the manager's discretion, with the reason.
    page.goto(f"/clients/{up.pk}/ladder/")
    page.get_by_text("Promote at your discretion").click()
    page.get_by_label("Your reason for promoting with tasks unmet").fill(
        "Settled well; the GP letter is on its way")
    page.get_by_role("button", name="Promote at my discretion").click()
    expect(page.get_by_text(re.compile("moved up to"))).to_be_visible()

    # Supervision with the keyworker shows it, and why.
    page.get_by_role("link", name="Supervision", exact=True).click()
    choose(page, "Keyworker", f"^{re.escape(worker.get_full_name())}")
    page.get_by_role("button", name="Start supervision").click()
    glance = page.locator("article.glance", has_text=up.reference)
    expect(glance.get_by_text("at the manager's discretion")).to_be_visible()
    expect(glance.get_by_text(re.compile("Settled well; the GP letter is on its way"))
           ).to_be_visible()
    screenshot("supervision-discretion")
