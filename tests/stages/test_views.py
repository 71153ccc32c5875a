import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from stages import services
from stages.models import Assessment, Evidence, Need, PortfolioItem, Rating
from tests.stages.factories import PDF, PNG

TODAY = timezone.localdate


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path


def _post_grid(rating="determined", **extra):
    data = {"assessed_on": TODAY().isoformat()}
    for need in Need.objects.in_use():
        data[f"r{need.pk}"] = rating
        data[f"n{need.pk}"] = ""
    data.update(extra)
    return data


def _grid(rating=Rating.DETERMINED):
    return {n.pk: (rating, "") for n in Need.objects.in_use()}


@pytest.fixture
def resident(client_record, site, keyworker):
    site.uses_ladder = True
    site.save()
    services.ladder_start(client=client_record, by=keyworker, on=client_record.admitted_on)
    return client_record


def test_keyworker_records_the_initial_assessment_and_sees_the_score(client, keyworker,
                                                                     client_record):
    client.force_login(keyworker)
    response = client.post(reverse("stages:assessment_create", args=[client_record.pk]),
                           _post_grid("action"), follow=True)
    page = response.content.decode()
    assert "Initial assessment saved: 75.0% overall." in page
    assert reverse("stages:chart_radar", args=[client_record.pk]) in page


def test_a_missing_rating_keeps_what_was_typed(client, keyworker, client_record):
    need = Need.objects.in_use().first()
    client.force_login(keyworker)
    data = _post_grid("action")
    del data[f"r{need.pk}"]
    data[f"n{Need.objects.in_use().last().pk}"] = "Keeps this note"
    response = client.post(reverse("stages:assessment_create", args=[client_record.pk]), data)
    page = response.content.decode()
    assert "Choose a rating, or Not applicable." in page
    assert 'value="Keeps this note"' in page
    assert not Assessment.objects.exists()


def test_the_form_shows_the_previous_rating_beside_each_need(client, keyworker, client_record):
    services.assessment_record(client=client_record, assessed_on=TODAY(),
                               ratings=_grid(Rating.CONTEMPLATION), by=keyworker)
    client.force_login(keyworker)
    page = client.get(reverse("stages:assessment_create", args=[client_record.pk])).content
    assert page.decode().count("Last time: Contemplation") == 45


def test_second_correction_from_a_stale_form_is_refused_and_kept(client, keyworker, colleague,
                                                                 client_record):
    assessment = services.assessment_record(client=client_record, assessed_on=TODAY(),
                                            ratings=_grid(), by=keyworker)
    url = reverse("stages:assessment_edit", args=[client_record.pk, assessment.pk])
    client.force_login(keyworker)
    client.post(url, _post_grid("action", version=assessment.version))
    response = client.post(url, _post_grid("achieving", version=assessment.version))
    page = response.content.decode()
    assert "Someone else saved this while you were editing it" in page
    assert len(re.findall(r'value="achieving"[^>]*checked', page)) == 45
    assert Assessment.objects.get().overall == 75


def test_distance_travelled_shows_after_a_reassessment(client, keyworker, client_record):
    services.assessment_record(client=client_record, assessed_on=TODAY() - datetime.timedelta(
        days=30), ratings=_grid(Rating.CONTEMPLATION), by=keyworker)
    services.assessment_record(client=client_record, assessed_on=TODAY(),
                               ratings=_grid(Rating.ACTION), by=keyworker)
    client.force_login(keyworker)
    page = client.get(reverse("stages:assessments", args=[client_record.pk])).content.decode()
    assert "Distance travelled" in page
    assert "+50.0" in page


def test_charts_are_svg_without_script(client, keyworker, client_record):
    services.assessment_record(client=client_record, assessed_on=TODAY(), ratings=_grid(),
                               by=keyworker)
    client.force_login(keyworker)
    for name in ("stages:chart_radar", "stages:chart_line"):
        response = client.get(reverse(name, args=[client_record.pk]))
        assert response["Content-Type"] == "image/svg+xml"
        body = response.content.decode()
        assert "<svg" in body and "<script" not in body
    assert "50%" in client.get(reverse("stages:chart_radar", args=[client_record.pk])
                               ).content.decode()


def test_evidence_with_a_pdf_is_served_only_through_the_view(client, keyworker, resident):
    task = services.current_stage(resident).stage.tasks.first()
    client.force_login(keyworker)
    upload = SimpleUploadedFile("letter.pdf", PDF, content_type="application/pdf")
    response = client.post(reverse("stages:evidence_create", args=[resident.pk, task.pk]),
                           {"on": TODAY().isoformat(), "what": "GP letter", "file": upload})
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    served = client.get(reverse("stages:evidence_file", args=[resident.pk, evidence.pk]))
    assert b"".join(served.streaming_content) == PDF
    assert served["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(("name", "content", "message"), [
    ("letter.pdf", PNG, "not a PDF"),
    ("photo.png", b"%PDF-1.4 pretending", "not a PNG"),
    ("notes.txt", b"hello", "Upload a PDF, JPEG or PNG"),
    ("big.pdf", PDF + b"0" * (5 * 1024 * 1024), "the largest allowed is 5.0"),
])
def test_files_are_checked_by_content_and_size(client, keyworker, resident, name, content,
                                               message):
    task = services.current_stage(resident).stage.tasks.first()
    client.force_login(keyworker)
    response = client.post(reverse("stages:evidence_create", args=[resident.pk, task.pk]), {
        "on": TODAY().isoformat(), "what": "x",
        "file": SimpleUploadedFile(name, content)})
    assert message in response.content.decode()
    assert not Evidence.objects.exists()


def test_manager_confirms_a_promotion_and_the_summary_shows_the_benefit(
        client, manager, keyworker, colleague, resident):
    for task in services.current_stage(resident).stage.tasks.all():
        services.evidence_record(client=resident, task=task, by=keyworker, on=TODAY(),
                                 what="Seen")
    client.force_login(keyworker)
    page = client.get(reverse("stages:ladder", args=[resident.pk])).content.decode()
    assert "Proposed for promotion." in page and "Confirm promotion" not in page
    client.force_login(manager)
    response = client.post(reverse("stages:promote", args=[resident.pk]),
                           {"note": "At the monthly review"}, follow=True)
    assert "moved up to Stage 1: Full resident status" in response.content.decode()
    client.force_login(colleague)
    summary = client.get(reverse("clients:detail", args=[resident.pk])).content.decode()
    assert "Stage 1" in summary and "Full resident status" in summary


def test_caseload_flags_a_late_initial_assessment(client, keyworker, client_record):
    client.force_login(keyworker)
    page = client.get(reverse("home")).content.decode()
    assert "initial assessment late" in page


def test_portfolio_item_and_pdf(client, keyworker, client_record):
    client.force_login(keyworker)
    response = client.post(reverse("stages:portfolio", args=[client_record.pk]), {
        "kind": "certificate", "on": TODAY().isoformat(), "title": "Food hygiene level 2",
        "text": "Passed", "in_pdf": "on",
        "file": SimpleUploadedFile("cert.png", PNG)}, follow=True)
    assert "Added to the portfolio." in response.content.decode()
    assert PortfolioItem.objects.get().file
    pdf = client.get(reverse("stages:portfolio_pdf", args=[client_record.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_the_form_counts_the_needs_rated_from_the_start(client, keyworker, client_record):
    client.force_login(keyworker)
    page = client.get(reverse("stages:assessment_create", args=[client_record.pk])).content
    assert "<span data-assessment-done>0</span> of 45 done" in page.decode()
    assessment = services.assessment_record(client=client_record, assessed_on=TODAY(),
                                            ratings=_grid(), by=keyworker)
    page = client.get(reverse("stages:assessment_edit",
                              args=[client_record.pk, assessment.pk])).content
    assert "<span data-assessment-done>45</span> of 45 done" in page.decode()


def test_a_refused_form_lists_each_problem_at_the_top_linked_to_its_need(client, keyworker,
                                                                          client_record):
    first, second = Need.objects.in_use()[:2]
    data = _post_grid("action", assessed_on="")
    del data[f"r{first.pk}"]
    data[f"r{second.pk}"] = "not-a-rating"
    client.force_login(keyworker)
    page = client.post(reverse("stages:assessment_create", args=[client_record.pk]),
                       data).content.decode()
    summary = page[page.index('class="alert alert-danger error-summary" role="alert"'):]
    summary = summary[:summary.index("</div>")]
    assert "There is a problem" in summary
    assert 'href="#id_assessed_on">Date of the assessment: This field is required.</a>' in summary
    assert f'href="#id_r{first.pk}_0">{first.name}: Choose a rating, or Not applicable.</a>' \
        in summary
    assert f'href="#id_r{second.pk}_0">{second.name}: Select a valid choice.' in summary
    assert f'id="id_r{first.pk}_0"' in page
    assert "<span data-assessment-done>43</span> of 45 done" in page
    assert "<title>Error: Assessment" in page


def test_a_stale_correction_shows_in_the_summary_without_a_link(client, keyworker,
                                                                 client_record):
    assessment = services.assessment_record(client=client_record, assessed_on=TODAY(),
                                            ratings=_grid(), by=keyworker)
    url = reverse("stages:assessment_edit", args=[client_record.pk, assessment.pk])
    client.force_login(keyworker)
    client.post(url, _post_grid("action", version=assessment.version))
    page = client.post(url, _post_grid("achieving", version=assessment.version)).content
    summary = re.search(r'error-summary".*?<ul class="mb-0">(.*?)</ul>', page.decode(), re.S)
    assert "<li>Someone else saved this while you were editing it" in summary.group(1)
    assert "<a " not in summary.group(1)


def _grid_with_vocational_not_applicable(rating=Rating.DETERMINED):
    return {n.pk: (Rating.NOT_APPLICABLE if n.area.name == "Vocational" else rating, "")
            for n in Need.objects.in_use().select_related("area")}


def test_an_area_not_applicable_is_left_out_of_the_radar_not_drawn_as_0(client, keyworker,
                                                                         client_record):
    services.assessment_record(client=client_record, assessed_on=TODAY(),
                               ratings=_grid_with_vocational_not_applicable(), by=keyworker)
    client.force_login(keyworker)
    radar = client.get(reverse("stages:chart_radar", args=[client_record.pk])).content.decode()
    assert ">Vocational<" not in radar
    assert ">0%<" not in radar
    assert "Not applicable, so not drawn: Vocational" in radar
    assert radar.count(">50%</text>") == 4 + 1  # four areas' figures and the 50% ring


def test_the_client_files_radar_has_its_figures_in_a_table_beside_it(client, keyworker,
                                                                     client_record):
    services.assessment_record(client=client_record,
                               assessed_on=TODAY() - datetime.timedelta(days=30),
                               ratings=_grid_with_vocational_not_applicable(Rating.CONTEMPLATION),
                               by=keyworker)
    services.assessment_record(client=client_record, assessed_on=TODAY(),
                               ratings=_grid_with_vocational_not_applicable(Rating.ACTION),
                               by=keyworker)
    client.force_login(keyworker)
    page = client.get(client_record.get_absolute_url()).content.decode()
    table = page[page.index('<table class="table table-sm radar-table">'):]
    table = re.sub(r"\s+", " ", table[:table.index("</table>")])
    assert "<th scope=\"row\">Health</th><td>25%</td><td>75%</td>" in table
    assert "<th scope=\"row\">Vocational</th><td>n/a</td><td>n/a</td>" in table


def test_the_portfolio_pdf_gives_the_radars_figures_and_never_0_for_not_applicable(
        client, keyworker, client_record):
    import subprocess

    services.assessment_record(client=client_record, assessed_on=TODAY(),
                               ratings=_grid_with_vocational_not_applicable(Rating.ACTION),
                               by=keyworker)
    client.force_login(keyworker)
    response = client.get(reverse("stages:portfolio_pdf", args=[client_record.pk]))
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=response.content,
                          capture_output=True, check=True).stdout.decode()
    assert "Not applicable, so not drawn: Vocational" in text
    assert re.search(r"Health\s+75%", text)
    assert re.search(r"Vocational\s+n/a", text)
    assert not re.search(r"(?<![\d.])0%", text)  # 50% and 100% are rings, not a 0


# Issue 16: the ladder's rules as written --------------------------------------------------------


def _evidence_every_task(resident, keyworker):
    for task in services.current_stage(resident).stage.tasks.all():
        services.evidence_record(client=resident, task=task, by=keyworker, on=TODAY(),
                                 what=f"Seen: {task.order}")


def test_manager_moves_a_client_down_naming_the_lapsed_task_and_the_ladder_strikes_it(
        client, manager, keyworker, resident):
    _evidence_every_task(resident, keyworker)
    services.stage_promote(client=resident, by=manager, note="Review")
    lapsed = Evidence.objects.filter(client=resident).order_by("task__order").first()
    client.force_login(manager)
    page = client.get(reverse("stages:ladder", args=[resident.pk])).content.decode()
    assert f'value="{lapsed.pk}"' in page and "The tasks that have lapsed" in page
    response = client.post(reverse("stages:demote", args=[resident.pk]),
                           {"reason": "Stopped going to the gym", "lapsed": [lapsed.pk]},
                           follow=True)
    page = response.content.decode()
    assert "moved down to Probation" in page
    assert "Proposed for promotion." not in page
    struck = re.search(r'<div class="small ms-4 text-body-secondary evidence-lapsed">(.*?)</div>',
                       page, re.S)[1]
    assert "<del>" in struck and "Stopped going to the gym" in struck
    assert reverse("stages:evidence_create", args=[resident.pk, lapsed.task_id]) in page
    lapsed.refresh_from_db()
    assert lapsed.is_lapsed


def test_a_move_down_that_would_undo_itself_says_so_and_changes_nothing(
        client, manager, keyworker, resident):
    _evidence_every_task(resident, keyworker)
    services.stage_promote(client=resident, by=manager, note="Review")
    client.force_login(manager)
    response = client.post(reverse("stages:demote", args=[resident.pk]),
                           {"reason": "Stopped going to the gym"}, follow=True)
    assert "proposed for promotion again at once" in response.content.decode()
    assert services.current_stage(resident).stage.name == "Stage 1"
    assert not Evidence.objects.lapsed().exists()


def test_manager_promotes_at_their_discretion_and_the_file_shows_why(
        client, manager, keyworker, resident):
    client.force_login(keyworker)
    page = client.get(reverse("stages:ladder", args=[resident.pk])).content.decode()
    assert "Promote at your discretion" not in page
    client.force_login(manager)
    page = client.get(reverse("stages:ladder", args=[resident.pk])).content.decode()
    assert "Promote at your discretion" in page
    first_task = services.current_stage(resident).stage.tasks.first()
    assert first_task.text in page
    response = client.post(reverse("stages:promote", args=[resident.pk]),
                           {"note": "", "at_discretion": "True"}, follow=True)
    assert services.current_stage(resident).stage.name == "Probation"
    response = client.post(reverse("stages:promote", args=[resident.pk]),
                           {"note": "Doing well; GP letter awaited", "at_discretion": "True"},
                           follow=True)
    page = response.content.decode()
    assert "moved up to Stage 1" in page and "at the manager's discretion" in page
    file = client.get(reverse("clients:detail", args=[resident.pk])).content.decode()
    assert "at the manager's discretion" in file and "Doing well; GP letter awaited" in file
    assert first_task.text in file


def test_manager_sets_the_reassessment_interval_and_the_assessments_page_shows_it(
        client, manager, keyworker, resident, site):
    services.assessment_record(client=resident, assessed_on=resident.admitted_on,
                               ratings=_grid(), by=keyworker)
    client.force_login(manager)
    page = client.get(reverse("stages:assessments", args=[resident.pk])).content.decode()
    assert "This site re-assesses every 13 weeks." in page
    assert reverse("stages:settings") in page
    response = client.post(reverse("stages:settings"), {"reassess_every_weeks": "0"})
    assert "Ensure this value is greater than or equal to 2." in response.content.decode()
    response = client.post(reverse("stages:settings"), {"reassess_every_weeks": "4"},
                           follow=True)
    assert "Assessment settings saved" in response.content.decode()
    page = client.get(reverse("stages:assessments", args=[resident.pk])).content.decode()
    assert "Re-assessment overdue" in page and "every 4 weeks" in page
    client.force_login(keyworker)
    caseload = client.get(reverse("home")).content.decode()
    assert "Re-assessment overdue" in caseload
    page = client.get(reverse("stages:assessments", args=[resident.pk])).content.decode()
    assert reverse("stages:settings") not in page
