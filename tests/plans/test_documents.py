"""Easy-read and translated documents (issue 19, item 3): the "My keywork" sheet, the
keywork agreement and the support plan in each language of `DocumentLanguage`, standard
and easy read, on screen and in PDF, from the same selectors; the catalogues complete and
compiled; nothing else of the app changes language.

The PDFs are left as PNGs in tests/browser/screenshots/ (documents-*.png) to look at.
"""

import ast
import io
import json
import re
import zipfile
from collections import Counter
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.template import engines
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation.template import templatize

from clients.models import DocumentLanguage
from diary.models import KeyworkSession
from plans import documents, services
from tests.clients.test_views import _details
from tests.factories import sign
from tests.plans.test_pdf import _booked_session, is_tagged, pdf_text

ROOT = Path(settings.BASE_DIR)
VERSIONS = [(language, version) for language in DocumentLanguage.values
            for version in (documents.STANDARD, documents.EASY)]
# The templates every document draws (the PDFs' frames, their bodies, the signatures).
TEMPLATES = sorted(
    [ROOT / "templates/pdf/base.html", ROOT / "templates/plans/pdf/signatures.html"]
    + [ROOT / f"templates/plans/pdf/{kind}.html" for kind in documents.KINDS]
    + list((ROOT / "templates/plans/documents").glob("*.html")))
ARABIC = re.compile("[\u0600-\u06ff]")
WELSH_MONTHS = ["Ionawr", "Chwefror", "Mawrth", "Ebrill", "Mai", "Mehefin", "Gorffennaf",
                "Awst", "Medi", "Hydref", "Tachwedd", "Rhagfyr"]
ARABIC_MONTHS = ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس",
                 "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"]


@pytest.fixture
def agreement(client_record, keyworker):
    agreement = services.agreement_prepare(client=client_record, by=keyworker)
    sign(agreement, by=keyworker, role="client")
    return sign(agreement, by=keyworker, role="worker")


def _letters(text):
    return re.sub(r"[\s\u202a-\u202e]", "", text)


def _printed(words, text):
    """Whether `words` are in a PDF's `text`. pdftotext spaces out Arabic letters, marks
    its runs, and reads a ligature's letters in the order the font stores them ("بي" as
    "يب"): for Arabic, the letters of the words are looked for instead (the page's HTML
    is checked word for word)."""
    if not ARABIC.search(words):
        return words in text
    return Counter(_letters(words)) <= Counter(_letters(text))


def _pdf_urls(client_record, full_plan, agreement):
    return {documents.SHEET: reverse("plans:sheet_pdf", args=[client_record.pk]),
            documents.AGREEMENT: reverse("plans:agreement_pdf", args=[agreement.pk]),
            documents.PLAN: reverse("plans:pdf", args=[full_plan.pk])}


@pytest.mark.parametrize(("language", "version"), VERSIONS)
def test_each_document_prints_tagged_in_each_language_and_version(
        client, keyworker, client_record, full_plan, agreement, language, version):
    _booked_session(client_record, keyworker, 3)
    client.force_login(keyworker)
    for kind, url in _pdf_urls(client_record, full_plan, agreement).items():
        response = client.get(url, {"language": language, "version": version})
        assert response.status_code == 200, kind
        assert is_tagged(response.content), kind
        text = pdf_text(response.content, f"documents-{kind}-{language}-{version}")
        assert "Dee" in text, kind
        easy = version == documents.EASY
        assert ("OpenMoji" in text) == easy, kind
        if language == "ar":
            assert ARABIC.search(text), kind
        with translation.override(language):
            title = translation.gettext(
                "My keywork" if kind == documents.SHEET else
                "My keywork agreement" if kind == documents.AGREEMENT else "My action plan")
        assert _printed(title, text), (kind, title)
        suffix = ("" if language == "en-gb" else f"-{language}") + (
            "-easy-read" if easy else "")
        assert response["Content-Disposition"].endswith(f'{suffix}.pdf"'), kind


@pytest.mark.parametrize(("language", "version"), VERSIONS)
def test_each_document_shows_on_screen_in_its_language_inside_the_english_page(
        client, keyworker, client_record, full_plan, agreement, language, version):
    client.force_login(keyworker)
    url = reverse("plans:documents", args=[client_record.pk])
    for kind in documents.KINDS:
        response = client.get(url, {"language": language, "version": version,
                                    "document": kind})
        page = response.content.decode()
        assert response.status_code == 200
        assert '<html lang="en-gb">' in page
        assert "Documents to print" in page
        direction = "rtl" if language == "ar" else "ltr"
        assert f'lang="{language}" dir="{direction}"' in page, kind
        # The Arabic faces (85 KB) only when the document shown is in Arabic.
        assert ("css/arabic" in page) == (language == "ar"), kind
        article = page.split('aria-label="The document as it prints">')[1].split("</article>")[0]
        assert ('class="symbol s-' in article) == (version == documents.EASY), kind
        assert bool(ARABIC.search(article)) == (language == "ar"), kind
        with translation.override(language):
            assert translation.gettext("Signatures") in article or kind == documents.SHEET


def test_the_version_defaults_to_the_clients_choice(client, keyworker, client_record,
                                                    full_plan):
    client_record.document_language = "cy"
    client_record.easy_read = True
    client_record.save()
    client.force_login(keyworker)
    response = client.get(reverse("plans:sheet_pdf", args=[client_record.pk]))
    assert response["Content-Disposition"].endswith('-my-keywork-cy-easy-read.pdf"')
    text = pdf_text(response.content, "documents-default")
    assert "Fy ngwaith allweddol" in text and "OpenMoji" in text
    page = client.get(reverse("plans:documents", args=[client_record.pk])).content.decode()
    assert 'lang="cy" dir="ltr"' in page
    assert '<option value="cy" selected>' in page


def test_a_version_not_offered_falls_back_to_the_clients_choice(client_record):
    assert documents.version_for(client_record, {"language": "fr", "version": "x"}) == (
        documents.Version("en-gb", False))
    assert documents.version_for(client_record, {"language": "ar", "version": "easy"}) == (
        documents.Version("ar", True))


def test_dates_print_with_welsh_and_arabic_month_names(client, keyworker, client_record,
                                                       full_plan):
    client.force_login(keyworker)
    url = reverse("plans:pdf", args=[full_plan.pk])
    month = full_plan.starts_on.month - 1
    welsh = pdf_text(client.get(url, {"language": "cy"}).content, "documents-welsh-dates")
    assert f"{full_plan.starts_on.day} {WELSH_MONTHS[month]} {full_plan.starts_on.year}" in welsh
    arabic = pdf_text(client.get(url, {"language": "ar"}).content, "documents-arabic-dates")
    assert _printed(ARABIC_MONTHS[month], arabic)
    page = client.get(reverse("plans:documents", args=[full_plan.client_id]),
                      {"language": "ar", "document": "plan"}).content.decode()
    assert f"{full_plan.starts_on.day} {ARABIC_MONTHS[month]}، {full_plan.starts_on.year}" in page
    english = pdf_text(client.get(url).content, "documents-english-dates")
    assert full_plan.starts_on.strftime("%-d %b %Y") in english


def test_easy_read_shows_the_next_session_the_standard_sheet_shows(
        client, keyworker, client_record, full_plan):
    """One selector (plans.hooks.next_session): the easy-read sheet names the same session,
    the sooner of two, as the standard one."""
    _booked_session(client_record, keyworker, 9)
    sooner = _booked_session(client_record, keyworker, 3)
    client.force_login(keyworker)
    url = reverse("plans:sheet_pdf", args=[client_record.pk])
    standard = pdf_text(client.get(url, {"version": "standard"}).content, "documents-next-std")
    easy = pdf_text(client.get(url, {"version": "easy"}).content, "documents-next-easy")
    day = timezone.localtime(sooner.starts_at)
    assert f"{day.strftime('%A %-d %b %Y')}, 10:00" in standard
    answer = easy.split("When I see my keyworker next")[1].split("My goals")[0]
    assert day.strftime("%A %-d %B %Y") in answer and "At 10:00" in answer
    assert "With: Kim" in answer


def test_the_staff_pages_stay_in_english_whatever_the_browser_asks(client, keyworker,
                                                                    client_record):
    client.force_login(keyworker)
    page = client.get(client_record.get_absolute_url(),
                      headers={"accept-language": "cy, ar;q=0.9"}).content.decode()
    assert '<html lang="en-gb">' in page
    assert "Fy ngwaith" not in page
    assert [code for code, _name in settings.LANGUAGES] == ["en-gb"]


def test_the_client_chooses_the_language_and_easy_read_in_their_details(
        client, keyworker, client_record, full_plan):
    client.force_login(keyworker)
    page = client.get(reverse("clients:edit", args=[client_record.pk])).content.decode()
    assert 'name="document_language"' in page and 'name="easy_read"' in page
    file = client.get(client_record.get_absolute_url()).content.decode()
    assert reverse("plans:documents", args=[client_record.pk]) in file


def test_a_post_without_the_language_keeps_the_clients(client, keyworker, client_record):
    client_record.document_language = "cy"
    client_record.save()
    data = _details(client_record, phone="07700 900111")
    del data["document_language"]
    client.force_login(keyworker)
    client.post(reverse("clients:edit", args=[client_record.pk]), data)
    client_record.refresh_from_db()
    assert (client_record.phone, client_record.document_language) == ("07700 900111", "cy")


# The catalogues -------------------------------------------------------------------------

# What templatize writes for xgettext: gettext(u'...'), ngettext(u'...', u'...', n), in
# double quotes when the words hold an apostrophe ("I can't make it"), and _("...") where
# a tag names a translated constant ({% firstof a _("your keyworker") %}); the documents
# use no context (pgettext).
_MSGID = re.compile(r"""\b(?:n?gettext\(u|_\()(['"])((?:(?!\1)[^\\]|\\.)*)\1""")


def _template_strings(paths=TEMPLATES):
    """Every msgid the templates ask for (the documents'), found as makemessages finds them."""
    found = set()
    for path in paths:
        source = templatize(path.read_text(), origin=str(path))
        found |= {ast.literal_eval(f"{quote}{text}{quote}")
                  for quote, text in _MSGID.findall(source)}
    return found


@pytest.mark.parametrize("language", ["cy", "ar"])
def test_every_string_of_the_documents_is_translated(language):
    po = polib.pofile(str(ROOT / f"locale/{language}/LC_MESSAGES/django.po"))
    translated = {entry.msgid for entry in po.translated_entries()}
    strings = _template_strings() | {"The client", "The keyworker", "Another agency"} | {
        str(label) for label in KeyworkSession.Place.labels}
    assert len(strings) > 100
    assert strings - translated == set()
    assert po.untranslated_entries() == [] and po.fuzzy_entries() == []
    assert "native speaker" in po.header


def _python_strings(path, names=None):
    """Every msgid a module asks gettext for by `_("...")`, as makemessages finds them; only
    inside the functions and classes `names` when given."""
    tree = ast.parse(path.read_text())
    roots = [tree] if names is None else [
        node for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.ClassDef))
        and node.name in names]
    if names is not None:
        assert {node.name for node in roots} == set(names), f"not all of {names} in {path}"
    return {node.args[0].value for root in roots for node in ast.walk(root)
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_"
            and node.args and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)}


@pytest.mark.parametrize("language", ["cy", "ar"])
def test_every_string_of_the_messages_to_a_client_is_translated(language):
    """What messaging.words writes to a client and the opt-out page their link opens, with
    diary.selectors.as_told's "your keyworker" and what base.html shows a visitor who is
    not logged in (its skip link, the menu's label)."""
    po = polib.pofile(str(ROOT / f"locale/{language}/LC_MESSAGES/django.po"))
    translated = {entry.msgid for entry in po.translated_entries()}
    strings = (_python_strings(ROOT / "messaging/words.py")
               | _template_strings([ROOT / "templates/messaging/opt_out.html"])
               | {"your keyworker", "Skip to main content", "Main"})
    assert len(strings) >= 19
    assert strings - translated == set()
    assert "STOP" in po.find("Reply STOP to stop these texts, or go to %(link)s").msgstr


# What a client sees of their own page (portal): its pages but the staff's (access_form,
# link_form, note_detail, the file's section), the words of the code and link sent, the
# four forms a client fills in, and what the views and services tell a client.
PORTAL_TEMPLATES = [ROOT / f"templates/portal/{name}.html"
                    for name in ("base", "home", "sign_in", "code", "link",
                                 "includes/languages")] + [
    ROOT / "templates/includes/messages.html"]
PORTAL_PYTHON = {
    "portal/words.py": None,
    "portal/sessions.py": None,
    "portal/forms.py": ("SignInForm", "CodeForm", "NoteForm", "CantMakeItForm"),
    "portal/views.py": ("sign_in", "code", "sign_out", "tell", "cant_make_it"),
    "portal/services.py": ("limited", "_check_room", "note_send", "cant_make_it"),
}


@pytest.mark.parametrize("language", ["cy", "ar"])
def test_every_string_a_client_sees_of_their_own_page_is_translated(language):
    po = polib.pofile(str(ROOT / f"locale/{language}/LC_MESSAGES/django.po"))
    translated = {entry.msgid for entry in po.translated_entries()}
    strings = _template_strings(PORTAL_TEMPLATES)
    for path, names in PORTAL_PYTHON.items():
        strings |= _python_strings(ROOT / path, names)
    assert len(strings) >= 60
    assert {"I can't make it", "your keyworker", "Close", "Enter the code.",
            "Your Keywork sign-in", "You are signed out."} <= strings
    assert strings - translated == set()


@pytest.mark.parametrize("language", ["cy", "ar"])
def test_the_committed_catalogue_is_compiled_from_its_po(language):
    """The .mo is committed (a fresh clone needs no gettext tools); after a change to the
    .po, `manage.py compilemessages` must be run and its .mo committed too."""
    folder = ROOT / f"locale/{language}/LC_MESSAGES"
    po = polib.pofile(str(folder / "django.po"))
    mo = polib.mofile(str(folder / "django.mo"))
    compiled = {(e.msgid, e.msgid_plural): (e.msgstr, e.msgstr_plural) for e in mo}
    written = {(e.msgid, e.msgid_plural): (e.msgstr, e.msgstr_plural)
               for e in po.translated_entries()}
    assert {key: value for key, value in compiled.items() if key[0]} == written


def test_a_placeholder_is_kept_by_every_translation():
    for language in ("cy", "ar"):
        po = polib.pofile(str(ROOT / f"locale/{language}/LC_MESSAGES/django.po"))
        for entry in po:
            names = set(re.findall(r"%\(\w+\)s|<[^>]+>", entry.msgid))
            for text in [entry.msgstr] if not entry.msgid_plural else (
                    entry.msgstr_plural.values()):
                found = set(re.findall(r"%\(\w+\)s|<[^>]+>", text))
                assert found <= names | set(re.findall(r"%\(\w+\)s", entry.msgid_plural)), (
                    language, entry.msgid)
                if not entry.msgid_plural:
                    assert found == names, (language, entry.msgid)


def test_the_engine_renders_a_document_word_in_each_language():
    template = engines["django"].from_string(
        "{% load i18n %}{% translate 'My keywork' %}")
    words = []
    for language in DocumentLanguage.values:
        with translation.override(language):
            words.append(template.render())
    assert words == ["My keywork", "Fy ngwaith allweddol", "الإرشاد الخاص بي"]


def test_the_subject_access_export_holds_the_document_choices(client, manager, client_record):
    client_record.document_language = "ar"
    client_record.easy_read = True
    client_record.save()
    client.force_login(manager)
    response = client.post(reverse("audit:subject_access", args=[client_record.pk]))
    document = json.loads(zipfile.ZipFile(io.BytesIO(response.content)).read("records.json"))
    row = next(row for row in document["records"]["clients.Client"]
               if row.get("reference", row.get("fields", {}).get("reference"))
               == client_record.reference)
    fields = row.get("fields", row)
    assert fields["document_language"] == "ar" and fields["easy_read"] is True
