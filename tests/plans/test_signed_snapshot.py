"""A signed version is frozen: its signatures sign a snapshot of everything it prints, and
it prints that snapshot whatever happens to the client's record afterwards."""

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from audit import retention, subject_access
from clients import services as client_services
from clients.models import Client
from plans import services
from plans.models import Agreement, Plan, Signature, digest
from tests.factories import sign
from tests.plans.test_pdf import pdf_text

snapshots = importlib.import_module("plans.migrations.0005_signed_snapshots")


def _rename(client_record, by, **names):
    return client_services.client_update(client=client_record, version=client_record.version,
                                         by=by, **names)


def _pdf(client, plan, name):
    return pdf_text(client.get(reverse("plans:pdf", args=[plan.pk])).content, name)


def test_renaming_the_client_leaves_the_signed_pdf_and_its_digest_as_signed(
        client, keyworker, full_plan, client_record):
    client.force_login(keyworker)
    before, signed_digest = _pdf(client, full_plan, "pdf-signed-before-rename"), full_plan.digest()

    _rename(client_record, keyworker, first_name="Chloe", last_name="Smith")

    plan = Plan.objects.get(pk=full_plan.pk)
    assert _pdf(client, plan, "pdf-signed-after-rename") == before
    assert "Dee Harper" in before and "Chloe" not in before
    assert plan.digest() == signed_digest == plan.signed_digest
    assert set(services.valid_signatures(plan, plan.digest())) == {"client", "worker"}


def test_the_fingerprint_printed_is_the_digest_of_the_printed_snapshot(client, keyworker,
                                                                        full_plan):
    client.force_login(keyworker)
    text = _pdf(client, full_plan, "pdf-fingerprint")
    snapshot_digest = digest(full_plan.signed_content)
    assert snapshot_digest == full_plan.signed_digest
    assert f"check code {snapshot_digest[:12]}" in text
    assert f"Check code of the signed text: {snapshot_digest[:12]}." in text
    assert {s.content_digest for s in full_plan.signatures.all()} == {snapshot_digest}


def test_the_snapshot_holds_everything_the_plan_prints(full_plan):
    snapshot = full_plan.signed_content
    assert (snapshot["client"], snapshot["site"], snapshot["keyworker"],
            snapshot["keyworker_phone"]) == ("Dee Harper", "Riverside Day Centre", "Kim Lowe",
                                             "07700 900321")
    assert snapshot["reference"] == full_plan.client.reference
    assert snapshot["review_on"] == full_plan.review_on.isoformat()
    assert [g["text"] for g in snapshot["goals"]] == [
        "Get my own flat", "Cut down my drinking", "Register with a GP"]
    first = snapshot["goals"][0]
    assert first["lead"].startswith("Riverside Housing Options")
    assert [(a["what"], a["who"]) for a in first["actions"]] == [
        ("Fill in the housing register form", "client"),
        ("Ring the housing officer about my band", "keyworker")]
    assert first["milestones"][0]["text"] == "On the housing register"
    history = full_plan.history.order_by("-history_date", "-history_id").first()
    assert history.signed_content == snapshot


def test_the_plan_page_says_what_changed_since_signing(client, keyworker, full_plan,
                                                       client_record):
    client.force_login(keyworker)
    page = client.get(full_plan.get_absolute_url()).content.decode()
    assert "signed-changes" not in page

    _rename(client_record, keyworker, first_name="Chloe", last_name="Smith")

    page = client.get(full_plan.get_absolute_url()).content.decode()
    assert "Signed as “Dee Harper”; the name has since changed to “Chloe Smith”." in page
    assert "The signature covers the document as printed then" in page
    assert "Change this plan" in page
    assert "no longer count" not in page


def test_a_new_keyworker_is_noticed_on_the_page_and_named_beside_the_signed_pdf(
        client, keyworker, colleague, manager, full_plan, client_record):
    client_services.client_allocate(client=client_record, worker=colleague, by=manager,
                                    reason="Kim moves to the night team")
    client.force_login(colleague)
    page = client.get(full_plan.get_absolute_url()).content.decode()
    assert "Signed with Kim Lowe as keyworker; the keyworker is now Sam Reid." in page

    text = _pdf(client, full_plan, "pdf-signed-new-keyworker")
    assert "My keyworker Kim Lowe · 07700 900321" in text
    assert "Your keyworker is now Sam Reid." in text
    assert f"check code {full_plan.fingerprint}" in text


def test_changing_an_action_of_a_signed_version_is_refused(full_plan, keyworker):
    goal = full_plan.goals.first()
    action = goal.actions.first()
    with pytest.raises(ValidationError, match="is signed, so it can no longer change"):
        services.goal_save(plan=full_plan, goal=goal, lock_version=full_plan.lock_version,
                           by=keyworker, text=goal.text, actions=[{
                               "id": action.pk, "what": "Something else", "who": "client",
                               "due_on": action.due_on}])
    action.refresh_from_db()
    assert action.what == "Fill in the housing register form"


def test_after_a_rename_a_new_version_prints_the_new_name_and_the_old_one_the_old(
        client, keyworker, full_plan, client_record):
    _rename(client_record, keyworker, first_name="Chloe", last_name="Smith")
    draft = services.plan_revise(plan=full_plan, by=keyworker)
    for role in ("client", "worker"):
        sign(draft, by=keyworker, role=role)
    draft.refresh_from_db()

    client.force_login(keyworker)
    assert "Chloe Smith" in _pdf(client, draft, "pdf-v2-new-name")
    old = _pdf(client, full_plan, "pdf-v1-old-name")
    assert "Dee Harper" in old and "Chloe" not in old
    assert draft.signed_content["client"] == "Chloe Smith"
    assert "signed-changes" not in client.get(draft.get_absolute_url()).content.decode()


def test_progress_prints_beside_the_snapshot_without_changing_what_was_signed(
        client, keyworker, full_plan):
    action = full_plan.goals.first().actions.first()
    services.action_progress(action=action, outcome="done", by=keyworker)
    client.force_login(keyworker)
    text = _pdf(client, full_plan, "pdf-signed-progress")
    assert "Fill in the housing register form ✓ done" in text
    assert "the ✓ marks are progress recorded since, not part of what was signed" in text
    assert Plan.objects.get(pk=full_plan.pk).digest() == full_plan.signed_digest


def test_a_signed_agreement_prints_the_name_it_was_signed_with(client, keyworker,
                                                               client_record):
    agreement = services.agreement_prepare(client=client_record, by=keyworker)
    for role in ("client", "worker"):
        agreement = sign(agreement, by=keyworker, role=role)
    _rename(client_record, keyworker, first_name="Chloe", last_name="Smith")

    client.force_login(keyworker)
    text = pdf_text(client.get(reverse("plans:agreement_pdf", args=[agreement.pk])).content,
                    "pdf-agreement-renamed")
    assert "Dee Harper" in text and "Chloe Smith" not in text
    assert f"check code {digest(agreement.signed_content)[:12]}" in text
    page = client.get(agreement.get_absolute_url()).content.decode()
    assert "Signed as “Dee Harper”; the name has since changed to “Chloe Smith”." in page


def test_the_subject_access_export_holds_the_snapshot_and_its_history(full_plan,
                                                                       client_record):
    collected = subject_access.collect(client_record)
    (row,) = collected["records"]["plans.Plan"]
    assert row["signed_content"] == full_plan.signed_content
    assert full_plan.signed_content in [r["signed_content"]
                                        for r in collected["history"]["plans.Plan"]]


def test_the_retention_purge_removes_the_snapshot_with_its_history(full_plan, client_record):
    Client.objects.filter(pk=client_record.pk).update(status=Client.Status.MOVED_ON,
                                                      ended_on=timezone.localdate())
    retention.purge([client_record])
    assert not Plan.objects.filter(pk=full_plan.pk).exists()
    assert not Plan.history.filter(id=full_plan.pk).exists()


# The migration that gave versions signed before snapshots theirs -------------------------


def _as_before_snapshots(document):
    """Put a signed version back as it was before migration 0005: no snapshot, and the
    digest of the old content (without the site and keyworker) on it and its signatures."""
    old = {k: v for k, v in document.signed_content.items()
           if k not in snapshots.CONTACT_KEYS}
    kind = document._meta.model_name
    type(document).objects.filter(pk=document.pk).update(signed_content=None,
                                                         signed_digest=digest(old))
    Signature.objects.filter(**{kind: document}).update(content_digest=digest(old))
    return digest(old)


def test_the_migration_snapshots_signed_versions_and_keeps_their_signatures(full_plan):
    signed = full_plan.signed_content
    _as_before_snapshots(full_plan)

    snapshots.forwards(apps, None)

    plan = Plan.objects.get(pk=full_plan.pk)
    assert plan.signed_content == signed
    assert plan.signed_digest == digest(signed)
    assert set(services.valid_signatures(plan, plan.digest())) == {"client", "worker"}
    assert plan.history.order_by("-history_id").first().history_change_reason == (
        snapshots.REASON)


def test_the_migration_takes_the_name_as_signed_from_the_clients_history(
        client, keyworker, full_plan, client_record):
    signed = full_plan.signed_content
    _as_before_snapshots(full_plan)
    # Before snapshots, a rename went straight into what the version printed.
    client_record.first_name, client_record.last_name = "Chloe", "Smith"
    client_record.save()

    snapshots.forwards(apps, None)

    plan = Plan.objects.get(pk=full_plan.pk)
    assert plan.signed_content == signed and plan.signed_content["client"] == "Dee Harper"
    assert set(services.valid_signatures(plan, plan.digest())) == {"client", "worker"}
    client.force_login(keyworker)
    assert "Dee Harper" in _pdf(client, plan, "pdf-migrated-renamed")


def test_the_migration_leaves_signatures_off_text_nobody_signed(full_plan):
    _as_before_snapshots(full_plan)
    # Changed behind the services' back: no name reproduces the signed digest.
    Plan.objects.filter(pk=full_plan.pk).update(vision="Words nobody signed")

    snapshots.forwards(apps, None)

    plan = services.plan_with_content(Plan.objects.get(pk=full_plan.pk))
    assert plan.signed_content["vision"] == "Words nobody signed"
    assert services.valid_signatures(plan, plan.digest()) == {}


def test_the_migration_reversed_restores_the_old_digests(full_plan, client_record,
                                                          keyworker):
    agreement = services.agreement_prepare(client=client_record, by=keyworker)
    for role in ("client", "worker"):
        agreement = sign(agreement, by=keyworker, role=role)
    old = {type(doc): _as_before_snapshots(doc) for doc in (full_plan, agreement)}
    snapshots.forwards(apps, None)

    snapshots.backwards(apps, None)

    for model, pk in ((Plan, full_plan.pk), (Agreement, agreement.pk)):
        document = model.objects.get(pk=pk)
        assert (document.signed_content, document.signed_digest) == (None, old[model])
        assert {s.content_digest for s in document.signatures.all()} == {old[model]}


def test_the_sign_page_shows_the_details_the_signature_covers(client, keyworker, client_record,
                                                              housing_agency):
    from tests.plans.conftest import write_full_plan

    draft = write_full_plan(client=client_record, by=keyworker, agency=housing_agency,
                            sign=False)
    client.force_login(keyworker)
    page = client.get(reverse("plans:sign", args=[draft.pk])).content.decode()
    details = page[page.index("signed-details"):]
    for expected in ("Dee Harper", client_record.reference, "Riverside Day Centre",
                     "Kim Lowe", f"check code {draft.digest()[:12]}"):
        assert expected in page, expected
    assert "Kim Lowe" in details
