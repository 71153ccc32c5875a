"""The printed documents: what they say, that they say it on A4 with page numbers, and that
rendering them reads nothing but the project's static files.

Each test also leaves the pages as PNGs in tests/browser/screenshots/ (git-ignored) so that
a person can look at them.
"""

import datetime
import os
import statistics
import subprocess
import time
from pathlib import Path

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from keywork.lib import pdf
from plans import services
from plans.models import Action, DocumentAccess, Signature
from tests.factories import sign

PAGES = Path(__file__).resolve().parent.parent / "browser" / "screenshots"


def pdf_text(body, name):
    """The PDF's text (pdftotext), after saving its pages as PNGs named `name`-N.png."""
    PAGES.mkdir(parents=True, exist_ok=True)
    # The process's own file: two test processes (xdist) can make the same PDF at once, and
    # pdftotext then read one half written by the other (5 Dec 2026).
    path = PAGES / f"{name}-{os.getpid()}.pdf"
    path.write_bytes(body)
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(path), str(PAGES / name)], check=True)
    text = subprocess.run(["pdftotext", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout
    path.unlink()
    return " ".join(text.split())


def page_count(body):
    info = subprocess.run(["pdfinfo", "-"], input=body, capture_output=True, check=True).stdout
    line = next(line for line in info.decode().splitlines() if line.startswith("Pages:"))
    return int(line.split()[1])


def is_tagged(body):
    info = subprocess.run(["pdfinfo", "-"], input=body, capture_output=True, check=True).stdout
    return "Tagged:          yes" in info.decode()


def test_every_pdf_is_tagged_for_screen_readers(client, keyworker, full_plan, client_record):
    """Every PDF is made by keywork.lib.pdf.html_to_pdf, which tags it: the plan and the
    sheet here stand for them all, and no other code calls WeasyPrint's write_pdf."""
    client.force_login(keyworker)
    for url in (reverse("plans:pdf", args=[full_plan.pk]),
                reverse("plans:sheet_pdf", args=[client_record.pk])):
        assert is_tagged(client.get(url).content), url
    root = Path(__file__).resolve().parents[2]
    writers = [str(path.relative_to(root)) for path in root.glob("*/**/*.py")
               if ".venv" not in path.parts and "tests" not in path.parts
               and "write_pdf(" in path.read_text()]
    assert writers == ["keywork/lib/pdf.py"]


def test_the_signed_plan_pdf_shows_everything_the_client_receives(client, keyworker,
                                                                  full_plan, client_record):
    client.force_login(keyworker)
    response = client.get(reverse("plans:pdf", args=[full_plan.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{client_record.reference}-support-plan-v1.pdf"')
    assert response["Cache-Control"] == "private, no-store"
    text = pdf_text(response.content, "pdf-plan")
    for expected in [
        "My action plan", "Dee Harper", "Riverside Day Centre", "Date commencing",
        "Get my own flat", "Cut down my drinking", "Register with a GP",
        "Fill in the housing register form", "Ring the housing officer about my band",
        "Go to the Tuesday recovery group", "Book a detox assessment",
        "Take ID to Riverside Medical Centre", "When?", "On the housing register",
        "Three dry days in a week",
        "Another agency leads on this goal: Riverside Housing Options · Lena Marsh · "
        "01632 960 410",
        "Kim", "07700 900321", "Review date", full_plan.review_on.strftime("%-d %b %Y"),
        "Signature of client", "Signature of worker", "page 1 of",
        f"check code {full_plan.fingerprint}",
    ]:
        assert expected in text, expected
    names = {s.role: s.name for s in Signature.objects.all()}
    assert names["client"] in text and names["worker"] in text
    access = DocumentAccess.objects.get()
    assert (access.by, access.plan, access.document) == (keyworker, full_plan, "plan")


def test_a_draft_prints_as_a_draft_without_signatures(client, keyworker, client_record,
                                                      housing_agency):
    from tests.plans.conftest import write_full_plan

    draft = write_full_plan(client=client_record, by=keyworker, agency=housing_agency,
                            sign=False)
    client.force_login(keyworker)
    text = pdf_text(client.get(reverse("plans:pdf", args=[draft.pk])).content, "pdf-draft")
    assert "Draft: not signed yet" in text
    assert "check code" not in text


def test_the_agreement_pdf_has_the_agreed_text_and_signatures(client, keyworker,
                                                              client_record):
    agreement = services.agreement_prepare(client=client_record, by=keyworker)
    sign(agreement, by=keyworker, role="client")
    agreement = sign(agreement, by=keyworker, role="worker")
    client.force_login(keyworker)
    response = client.get(reverse("plans:agreement_pdf", args=[agreement.pk]))
    text = pdf_text(response.content, "pdf-agreement")
    for expected in ["My keywork agreement", "Dee Harper", "What you can expect from us",
                     "What we expect from you", "Confidentiality and its limits",
                     "safeguarding", "Signature of client", "Signature of worker",
                     f"check code {agreement.fingerprint}"]:
        assert expected in text, expected
    assert page_count(response.content) <= 2


def test_the_my_keywork_sheet_answers_the_six_questions_on_one_page(client, keyworker,
                                                                    full_plan, client_record):
    client.force_login(keyworker)
    response = client.get(reverse("plans:sheet_pdf", args=[client_record.pk]))
    assert page_count(response.content) == 1
    text = pdf_text(response.content, "pdf-sheet")
    for expected in ["Who is my keyworker?", "How do I contact them?",
                     "What support can I expect?", "When will I see them next?",
                     "What is being done, and by whom?", "What is expected of me?",
                     "07700 900321", "Goal 1: Get my own flat", "Goal 2: Cut down my drinking",
                     "Goal 3: Register with a GP", "Go to the Tuesday recovery group",
                     "Riverside Housing Options",
                     f"Review date of your plan: "
                     f"{full_plan.review_on.strftime('%A %-d %b %Y')}"]:
        assert expected in text, expected


def _booked_session(client_record, keyworker, days, **fields):
    from diary import services as diary_services

    starts_at = timezone.make_aware(datetime.datetime.combine(
        timezone.localdate() + datetime.timedelta(days=days), datetime.time(10, 0)))
    if fields.get("place") == "external":
        fields["expected_back_at"] = starts_at + datetime.timedelta(hours=2)
    return diary_services.session_book(client=client_record, worker=keyworker,
                                       starts_at=starts_at, expected_minutes=50, by=keyworker,
                                       **fields)


def test_the_sheet_tells_the_next_booked_session_not_the_review_date(
        client, keyworker, full_plan, client_record):
    """The issue: "When will I see them next?" answered with the plan's review date."""
    later = _booked_session(client_record, keyworker, 9)
    sooner = _booked_session(client_record, keyworker, 3, place="external",
                             where="Riverside Medical Centre")
    client.force_login(keyworker)
    response = client.get(reverse("plans:sheet_pdf", args=[client_record.pk]))
    assert page_count(response.content) == 1
    text = pdf_text(response.content, "pdf-sheet-next")
    day = timezone.localtime(sooner.starts_at)
    answer = text.split("When will I see them next?")[1].split("What is being done")[0]
    assert f"{day.strftime('%A %-d %b %Y')}, 10:00" in answer
    # Where and with whom as the reminders and the client's own page tell it.
    assert "Where: Riverside Medical Centre" in answer
    assert "With: Kim" in answer
    assert timezone.localtime(later.starts_at).strftime("%-d %b") not in answer
    assert full_plan.review_on.strftime("%-d %b") not in answer
    # The review date is still there, said to be the plan's review date.
    assert f"Review date of your plan: {full_plan.review_on.strftime('%A %-d %b %Y')}" in text


def test_with_nothing_booked_the_sheet_says_whom_to_ask(client, keyworker, full_plan,
                                                        client_record):
    client.force_login(keyworker)
    text = pdf_text(client.get(reverse("plans:sheet_pdf", args=[client_record.pk])).content,
                    "pdf-sheet-unbooked")
    answer = text.split("When will I see them next?")[1].split("What is being done")[0]
    assert f"Not booked yet: ask {keyworker}" in answer
    assert full_plan.review_on.strftime("%-d %b") not in answer


def test_the_sheet_never_says_every_action_is_done_while_some_are_not(
        client, keyworker, full_plan, client_record):
    """The issue: "Every action in your plan is done" beside two actions "Not done"."""
    actions = list(Action.objects.filter(goal__plan=full_plan).order_by("pk"))
    for action in actions[:3]:
        services.action_progress(action=action, outcome="done", by=keyworker)
    for action in actions[3:]:
        services.action_progress(action=action, outcome="not_done", by=keyworker)
    client.force_login(keyworker)
    text = pdf_text(client.get(reverse("plans:sheet_pdf", args=[client_record.pk])).content,
                    "pdf-sheet-not-done")
    assert "Every action in your plan is done" not in text
    assert "2 actions were not done or were changed" in text
    for action in actions[3:]:
        services.action_progress(action=action, outcome="done", by=keyworker)
    text = pdf_text(client.get(reverse("plans:sheet_pdf", args=[client_record.pk])).content,
                    "pdf-sheet-all-done")
    assert "Every action in your plan is done" in text


def test_the_sheet_lists_only_the_open_actions_under_their_goal(client, keyworker, full_plan,
                                                                client_record):
    done = Action.objects.get(goal__plan=full_plan, what="Go to the Tuesday recovery group")
    services.action_progress(action=done, outcome="done", by=keyworker)
    client.force_login(keyworker)
    text = pdf_text(client.get(reverse("plans:sheet_pdf", args=[client_record.pk])).content,
                    "pdf-sheet-open")
    goal_2 = text.split("Goal 2: Cut down my drinking")[1].split("Goal 3")[0]
    assert "Book a detox assessment" in goal_2
    assert "Go to the Tuesday recovery group" not in text


def test_user_text_never_becomes_markup_nor_fetches_anything(client, keyworker, client_record,
                                                             housing_agency, monkeypatch):
    from tests.plans.conftest import write_full_plan

    asked = []
    real_fetch = pdf.fetch
    monkeypatch.setattr(pdf, "fetch", lambda url: asked.append(url) or real_fetch(url))
    draft = write_full_plan(client=client_record, by=keyworker, agency=housing_agency,
                            sign=False)
    draft.vision = ('<img src="file:///etc/passwd"><link rel="stylesheet" '
                    'href="http://example.com/x.css">Plain words')
    draft.save()
    client.force_login(keyworker)
    text = pdf_text(client.get(reverse("plans:pdf", args=[draft.pk])).content,
                    "pdf-injection")
    assert '<img src="file:///etc/passwd">' in text
    assert not [url for url in asked if "passwd" in url or "example.com" in url]
    assert all(url.startswith((pdf.ORIGIN + "/static/", pdf.INLINE_PNG)) for url in asked)


@pytest.mark.parametrize("url", [
    "http://example.com/logo.png",
    "https://keywork.invalid/media/client-photos/x.png",
    "https://keywork.invalid/static/../keywork/settings.py",
    "https://keywork.invalid/static/%2e%2e/%2e%2e/etc/passwd",
    "file:///etc/passwd",
    "data:text/html;base64,PGI+aGk8L2I+",
])
def test_the_pdf_fetcher_refuses_anything_but_static_files(url):
    with pytest.raises(pdf.RefusedFetch):
        pdf.fetch(url)


def test_the_pdf_fetcher_serves_static_files_and_fonts():
    body, content_type = pdf.fetch(pdf.ORIGIN + "/static/css/pdf.css")
    assert b"@font-face" in body and content_type == "text/css"
    body, _type = pdf.fetch(pdf.ORIGIN + "/static/vendor/dejavu/DejaVuSans.ttf")
    assert len(body) > 100_000


def test_a_plan_pdf_renders_in_well_under_a_second(full_plan, keyworker):
    plan = services.plan_with_content(full_plan)
    doc = services.plan_printout(plan, plan.printed())
    html = render_to_string("plans/pdf/plan.html", {
        "plan": plan, "doc": doc, "site": {"name": doc["site"], "phone": doc["site_phone"]},
        "signatures": services.valid_signatures(plan, plan.signed_digest),
        "roles": Signature.Role.choices, "fingerprint": plan.fingerprint,
        "body": "plans/documents/plan.html",
    }, request=RequestFactory().get("/"))
    pdf.html_to_pdf(html)
    timings = []
    for _ in range(3):
        # CPU time of this process: other work on a busy machine does not count against it.
        started = time.process_time()
        pdf.html_to_pdf(html)
        timings.append(time.process_time() - started)
    assert statistics.median(timings) < 1.0


def test_every_pdf_of_a_process_shares_one_font_configuration_and_embeds_the_fonts():
    """keywork.lib.pdf keeps one WeasyPrint font configuration a thread (a new one each
    document grew a worker by a quarter of a megabyte a PDF): the second document gets the
    same one, and still embeds the vendored fonts its @font-face rules name."""
    html = render_to_string("pdf/base.html", {}, request=RequestFactory().get("/"))
    html = html.replace("</body>", "<p>Regular <strong>bold</strong></p></body>")
    fonts = []
    for _ in range(2):
        body = pdf.html_to_pdf(html)
        fonts.append(subprocess.run(["pdffonts", "-"], input=body, capture_output=True,
                                    check=True).stdout.decode())
    assert pdf._font_configuration() is pdf._font_configuration()
    for listing in fonts:
        assert "+Keywork-Sans " in listing and "+Keywork-Sans-Bold " in listing, listing


def test_a_long_run_of_text_gets_places_to_break_and_markup_is_kept():
    """keywork.lib.pdf.breakable: a zero-width space every 12 characters in a run of 25 or
    more with no space (an entity counting as one character, never split); words, tags,
    attributes (a drawn signature's data URL), styles and comments unchanged."""
    zwsp = pdf.ZERO_WIDTH_SPACE
    image = '<img src="data:image/png;base64,' + "Q" * 60 + '" alt="x">'
    style = "<style>.graph>.background{fill:" + "y" * 40 + "}</style>"
    comment = "<!-- " + "c" * 40 + " -->"
    html = (f"<p class='x'>Confidentiality {'A' * 30} {'&amp;' * 26}</p>{image}{style}"
            f"{comment}")
    assert pdf.breakable(html) == (
        f"<p class='x'>Confidentiality {'A' * 12}{zwsp}{'A' * 12}{zwsp}{'A' * 6} "
        f"{'&amp;' * 12}{zwsp}{'&amp;' * 12}{zwsp}{'&amp;' * 2}</p>{image}{style}{comment}")
    assert pdf.breakable("<p>" + "B" * 24 + "</p>") == "<p>" + "B" * 24 + "</p>"
