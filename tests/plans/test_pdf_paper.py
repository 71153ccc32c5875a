"""Paper a client can keep: every kind of PDF in the one house style (templates/pdf/base.html
and static/css/pdf.css), with the client's name and "page n of m" on every page, the
document's language, a long name in any script printed whole, and signatures never left
alone on a page.

The PDFs' pages are left as PNGs in tests/browser/screenshots/ (git-ignored) for a person
to look at.
"""

import copy
import io
import re
import subprocess
import unicodedata
import zipfile
import zlib

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from audit import subject_access
from keywork.lib import pdf
from plans import documents, services
from plans.models import Signature
from tests.factories import draft_plan, sign
from tests.plans.conftest import write_full_plan
from tests.plans.test_pdf import page_count, pdf_text
from tests.stages.factories import PortfolioItemFactory

# 80 characters: Latin letters with accents and Arabic, with spaces, then as one long word
# with no place to break.
LONG_NAME = ("Zoë Ó'Brien-عبد الله " + "ZoëÓBrienعبدالله" * 4)[:80]


def letters(text):
    """Only the letters of `text`, in order: pdftotext breaks lines and words where the
    page did, marks right-to-left runs, may drop a hyphen at a line's end, and gives Arabic
    in its presentation forms (folded back by NFKC)."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(c for c in text if unicodedata.category(c).startswith("L"))


def page_texts(body):
    """The text of each page of a PDF, as pdftotext reads it."""
    return [subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), "-", "-"], input=body,
                           capture_output=True, check=True).stdout.decode()
            for n in range(1, page_count(body) + 1)]


def pdf_language(body):
    """The /Lang of the PDF's catalog (which may sit in a compressed object stream)."""
    chunks = [body]
    for stream in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", body, re.S):
        try:
            chunks.append(zlib.decompress(stream.group(1)))
        except zlib.error:
            continue
    found = [re.search(rb"/Lang\s*\(([^)]*)\)", chunk) for chunk in chunks]
    return next((match.group(1).decode() for match in found if match), None)


@pytest.fixture
def every_pdf(client, keyworker, manager, client_record, housing_agency):
    """Each kind of PDF a client can be given, for a client whose preferred name is
    LONG_NAME: {kind: bytes}."""
    client_record.preferred_name = LONG_NAME
    client_record.save()
    site = client_record.site
    site.address = "Unit 4, The Old Mill\nRiverside Road\nTownsville TS1 2AB"
    site.save()
    keyworker.phone = "07700 900321"
    keyworker.save()
    plan = write_full_plan(client=client_record, by=keyworker, agency=housing_agency)
    agreement = services.agreement_prepare(client=client_record, by=keyworker)
    sign(agreement, by=keyworker, role="client")
    agreement = sign(agreement, by=keyworker, role="worker")
    for n in range(1, 9):
        PortfolioItemFactory(client=client_record, by=keyworker, title=f"Certificate {n}",
                             text="Food hygiene, level 2: passed first time.\n"
                                  "I went every Tuesday for six weeks.")
    client.force_login(keyworker)
    documents = {
        "plan": client.get(reverse("plans:pdf", args=[plan.pk])).content,
        "agreement": client.get(reverse("plans:agreement_pdf", args=[agreement.pk])).content,
        "sheet": client.get(reverse("plans:sheet_pdf", args=[client_record.pk])).content,
        "portfolio": client.get(reverse("stages:portfolio_pdf",
                                        args=[client_record.pk])).content,
    }
    with zipfile.ZipFile(io.BytesIO(subject_access.export_zip(client_record,
                                                              by=manager))) as archive:
        documents["subject access"] = archive.read("summary.pdf")
    for kind, body in documents.items():
        assert body.startswith(b"%PDF"), kind
        pdf_text(body, "pdf-paper-" + kind.replace(" ", "-"))
    return documents


def test_every_page_of_every_pdf_has_the_clients_name_and_page_n_of_m(every_pdf):
    """The header repeats the client's name on each page (so page 2 of a plan found loose
    is still hers) and the footer numbers the pages, in every kind of PDF."""
    name = letters(LONG_NAME)
    for kind, body in every_pdf.items():
        pages = page_texts(body)
        for number, text in enumerate(pages, start=1):
            assert name in letters(text), (kind, number, text[:300])
            assert f"page {number} of {len(pages)}" in " ".join(text.split()), (kind, number)
    for kind in ("plan", "agreement", "portfolio"):
        assert page_count(every_pdf[kind]) >= 2, f"the {kind} tests no page after the first"


def test_a_long_name_in_two_scripts_prints_whole_in_every_pdf(every_pdf):
    """80 characters of Latin and Arabic, partly one long word, wrap inside their box:
    beside the header, the document's own mention of the name on its first page is whole
    (a name running off the page or under the site's address loses letters)."""
    name = letters(LONG_NAME)
    for kind, body in every_pdf.items():
        first_page = letters(page_texts(body)[0])
        assert first_page.count(name) >= 2, (kind, first_page.count(name))
    assert page_count(every_pdf["sheet"]) == 1


def test_every_pdf_says_its_language(every_pdf):
    """A tagged PDF with /Lang: a screen reader reads it in English, not in a guess."""
    for kind, body in every_pdf.items():
        assert (pdf_language(body) or "").lower() == "en-gb", kind


def test_a_typed_signature_shows_the_typed_name_and_who_typed_it_when(
        client, keyworker, client_record):
    agreement = services.agreement_prepare(client=client_record, by=keyworker)
    sign(agreement, by=keyworker, role="client")
    agreement = sign(agreement, by=keyworker, role="worker")
    client.force_login(keyworker)
    text = pdf_text(client.get(reverse("plans:agreement_pdf", args=[agreement.pk])).content,
                    "pdf-typed-signatures")
    day = timezone.localdate().strftime("%-d %b %Y")
    signatures = text.split("Signatures")[-1]
    assert f"Typed by Dee Harper on {day}. The client agreed to this in person." in signatures
    assert f"Typed by Kim Lowe on {day}." in signatures


def test_the_check_code_is_explained_once_on_signed_paper(client, keyworker, client_record,
                                                           housing_agency):
    plan = write_full_plan(client=client_record, by=keyworker, agency=housing_agency,
                           sign=False)
    client.force_login(keyworker)
    plan_url = reverse("plans:pdf", args=[plan.pk])
    assert "check code" not in pdf_text(client.get(plan_url).content,
                                        "pdf-draft-no-fingerprint")
    sign(plan, by=keyworker, role="client")
    sign(plan, by=keyworker, role="worker")
    agreement = services.agreement_prepare(client=client_record, by=keyworker)
    sign(agreement, by=keyworker, role="client")
    agreement = sign(agreement, by=keyworker, role="worker")
    for url, document in ((plan_url, "plan"),
                          (reverse("plans:agreement_pdf", args=[agreement.pk]), "agreement")):
        text = pdf_text(client.get(url).content, f"pdf-fingerprint-{document}")
        assert "fingerprint" not in text.lower(), document  # the screens' word, too
        assert text.count("The check code is made from the exact words "
                          f"signed: if anyone changes the {document}, even by one word, "
                          "the code changes.") == 1, document


def _signature_page(pages):
    return next(text for text in pages if "Signature of client" in text)


def test_the_agreements_signatures_share_a_page_with_what_they_sign(client, keyworker,
                                                                    client_record):
    """The site's standard agreement filled the first page and left its signatures alone on
    the second."""
    agreement = services.agreement_prepare(client=client_record, by=keyworker)
    sign(agreement, by=keyworker, role="client")
    agreement = sign(agreement, by=keyworker, role="worker")
    client.force_login(keyworker)
    body = client.get(reverse("plans:agreement_pdf", args=[agreement.pk])).content
    pdf_text(body, "pdf-agreement-signing")
    last_line = agreement.confidentiality.strip().splitlines()[-1]
    page = " ".join(_signature_page(page_texts(body)).split())
    assert " ".join(last_line.split()[-6:]) in page.split("Signatures")[0]


@pytest.mark.parametrize("boxes", [False, True], ids=["after-a-goal", "after-the-boxes"])
def test_a_plans_signatures_are_never_alone_on_a_page(keyworker, client_record, boxes):
    """A plan's last goal grows one action at a time, so that its signatures come to the
    foot of page 1 and then past it: whichever page they land on also holds the end of the
    plan they sign (the last actions, or the strengths and what may get in the way)."""
    plan = draft_plan(client=client_record, by=keyworker, goals=1, actions=30, milestones=0)
    sign(plan, by=keyworker, role="client")
    plan = services.plan_with_content(sign(plan, by=keyworker, role="worker"))
    doc = services.plan_printout(plan, plan.printed())
    if not boxes:
        doc["strengths"] = doc["constraints"] = ""
    ending = "What may get in the way" if boxes else "Action 1."
    request = RequestFactory().get("/")
    moved = 0
    for count in range(8, 20) if boxes else range(11, 23):
        shown = copy.deepcopy(doc)
        shown["goals"][0]["actions"] = shown["goals"][0]["actions"][:count]
        html = render_to_string("plans/pdf/plan.html", {
            "plan": plan, "doc": shown,
            "site": {"name": shown["site"], "phone": shown["site_phone"]},
            "signatures": services.valid_signatures(plan, plan.signed_digest),
            "roles": Signature.Role.choices, "fingerprint": plan.fingerprint,
            "body": documents.body_template("plan", documents.Version("en-gb", easy=False)),
        }, request=request)
        pages = page_texts(pdf.html_to_pdf(html))
        page = _signature_page(pages)
        moved += page is not pages[0]
        assert ending in page.split("Signatures")[0], (count, page)
    assert moved, "the signatures never reached a second page: nothing was tested"
