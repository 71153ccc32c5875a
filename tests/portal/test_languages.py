"""The client's own page in the client's document language (Welsh, Arabic; English by
default, unchanged): the page, what it answers when they send something, signing out,
the code and link sent to them; the pages before sign-in in English or the language their
links chose; the staff pages English whatever happens in the same browser."""

import time

import pytest
from django.urls import reverse

from clients.models import DocumentLanguage
from keywork.lib import dates
from portal import services, sessions
from portal.models import ClientNote
from tests.portal.conftest import sign_in_by_code

pytestmark = pytest.mark.django_db

LRI, PDI = "\u2066", "\u2069"


def _speaks(client_record, language):
    client_record.document_language = language
    client_record.save()


def _in(language, format_day, moment):
    from django.utils import translation

    with translation.override(language):
        return format_day(moment)


def _signed_in_page(web, provider, client_record, language):
    _speaks(client_record, language)
    sign_in_by_code(web, provider)
    response = web.get("/me/")
    assert response.status_code == 200
    return response


def test_a_welsh_client_sees_their_page_in_welsh(client, client_record, dee_page,
                                                 dee_session, dee_plan, provider):
    response = _signed_in_page(client, provider, client_record, "cy")
    html = response.content.decode()
    assert '<html lang="cy">' in html and 'dir="rtl"' not in html
    assert response["Content-Language"] == "cy"
    day = _in("cy", dates.format_weekday, dee_session.starts_at)
    long_day = _in("cy", dates.format_long_weekday, dee_session.starts_at)
    assert day != dates.format_weekday(dee_session.starts_at)
    assert "<title>Fy nhudalen · Keywork</title>" in html
    assert "Helo Dee" in html and "Eich gweithiwr allweddol" in html
    assert f"{long_day}, 10:00" in html
    assert f"Bydd Kim yn eich gweld yn Riverside Day Centre ar {day} am 10:00." in html
    assert "Alla i ddim dod" in html and "Pam? (does dim rhaid i chi ddweud)" in html
    # The plan's goals and actions as typed; the words around them in Welsh.
    assert "Nod 1: Goal 1 in my words" in html
    assert "Wedi'i wneud" in html and "Action 1.1" in html and "(chi, erbyn " in html
    assert "Hello" not in html and "Your next session" not in html
    assert LRI not in html


def test_an_arabic_client_sees_their_page_right_to_left_with_typed_text_isolated(
        client, client_record, dee_page, dee_session, dee_plan, provider):
    response = _signed_in_page(client, provider, client_record, "ar")
    html = response.content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert "bootstrap.rtl.min.css" in html and "bootstrap.min.css" not in html
    day = _in("ar", dates.format_weekday, dee_session.starts_at)
    assert f"مرحبًا {LRI}Dee{PDI}" in html
    assert "مرشدك المسؤول" in html and "جلستك القادمة" in html and "خطتك" in html
    assert (f"سيقابلك {LRI}Kim{PDI} في {LRI}Riverside Day Centre{PDI} يوم {day} "
            "الساعة 10:00.") in html
    # A line of English in the Arabic page keeps its own direction.
    assert f"الهدف 1: {LRI}Goal 1 in my words{PDI}" in html
    assert f"{LRI}Action 1.1{PDI}" in html and "(أنت، قبل " in html
    assert '<bdi dir="ltr">01632 960 000</bdi>' in html


def test_an_english_clients_page_is_unchanged(client, client_record, dee_page, dee_session,
                                              dee_plan, provider):
    response = _signed_in_page(client, provider, client_record, "en-gb")
    html = response.content.decode()
    assert '<html lang="en-gb">' in html and 'dir="rtl"' not in html
    assert "Hello Dee" in html and "Goal 1: Goal 1 in my words" in html
    assert "Kim will see you at Riverside Day Centre on " in html
    assert LRI not in html and "bootstrap.min.css" in html


def test_what_the_page_answers_is_in_the_clients_language(client, client_record, dee_page,
                                                          dee_session, provider):
    _speaks(client_record, "cy")
    sign_in_by_code(client, provider)
    refused = client.post("/me/tell/", {"text": ""}).content.decode()
    assert "Ysgrifennwch rywbeth i&#x27;w anfon." in refused
    sent = client.post("/me/tell/", {"text": "Diolch"}, follow=True).content.decode()
    assert "Wedi&#x27;i anfon. Bydd eich gweithiwr allweddol yn ei ddarllen." in sent
    gone = client.post("/me/cant-make-it/", {"session": dee_session.pk + 1}).content.decode()
    # Not the session the page showed as next (portal.services.SessionChanged).
    assert "Mae eich sesiwn nesaf wedi newid." in gone
    told = client.post("/me/cant-make-it/", {"session": dee_session.pk}, follow=True)
    html = told.content.decode()
    assert "Diolch am ddweud wrthon ni." in html
    assert "Rydych chi wedi dweud wrth eich gweithiwr allweddol na allwch chi ddod." in html
    assert ClientNote.objects.count() == 2


def test_signing_out_is_said_in_the_clients_language(client, client_record, dee_page,
                                                     provider):
    _speaks(client_record, "ar")
    sign_in_by_code(client, provider)
    response = client.post("/me/sign-out/", follow=True)
    html = response.content.decode()
    assert response.redirect_chain == [("/me/sign-in/", 302)]
    assert '<html lang="ar" dir="rtl">' in html and "لقد سجّلت الخروج." in html
    assert "سجّل الدخول إلى صفحتك" in html


def test_a_session_that_ran_out_says_so_in_the_clients_language(client, client_record,
                                                                dee_page, provider):
    _speaks(client_record, "cy")
    sign_in_by_code(client, provider)
    session = client.session
    now = int(time.time())
    session[sessions.KEY] = {**session[sessions.KEY], "seen": now - 21 * 60}
    session.save()
    html = client.get("/me/", follow=True).content.decode()
    assert "Cawsoch eich allgofnodi ar ôl 20 munud heb ddefnyddio&#x27;r dudalen." in html
    assert '<html lang="cy">' in html


def test_the_code_is_texted_in_the_clients_language(client, client_record, dee_page,
                                                    provider):
    _speaks(client_record, "cy")
    response = client.post("/me/sign-in/", {"address": "07700 900123"}, follow=True)
    body = provider.texts[-1]["Body"]
    assert body.startswith("Eich cod Keywork yw ")
    assert body.endswith(" Mae'n gweithio am 10 munud. Peidiwch â'i rannu: fydd staff byth "
                         "yn gofyn amdano.")
    # Who asked is not known yet: the code page stays in English.
    assert '<html lang="en-gb">' in response.content.decode()
    assert "Type your code" in response.content.decode()


def test_the_code_is_emailed_with_a_subject_in_the_clients_language(client, client_record,
                                                                    keyworker, provider):
    _speaks(client_record, "ar")
    services.access_set(client=client_record, by=keyworker, is_on=True,
                        email="dee@example.org")
    client.post("/me/sign-in/", {"address": "Dee@example.org"})
    [email] = provider.emails
    assert email["Subject"] == "تسجيل الدخول إلى Keywork"
    assert email["TextBody"].startswith("رمز Keywork الخاص بك هو ")


def test_the_link_and_its_page_are_in_the_clients_language(client, client_record, dee_page,
                                                           keyworker, provider, clock):
    clock(12)
    _speaks(client_record, "ar")
    services.link_send(access=dee_page, by=keyworker)
    body = provider.texts[-1]["Body"]
    assert body.startswith(f"أرسل لك مرشدك المسؤول في {LRI}Riverside Day Centre{PDI} رابطًا")
    url = body.split()[-1].removeprefix("http://testserver")
    assert url.startswith("/me/sign-in/link/")  # the link itself left bare
    page = client.get(url).content.decode()
    assert '<html lang="ar" dir="rtl">' in page and "افتح صفحتي" in page


def test_the_sign_in_page_offers_welsh_and_arabic_and_keeps_the_choice(client, dee_page,
                                                                       provider):
    english = client.get("/me/sign-in/").content.decode()
    assert '<html lang="en-gb">' in english and "Sign in to your page" in english
    assert '<a href="?lang=cy" lang="cy" hreflang="cy">Cymraeg</a>' in english
    assert '<a href="?lang=ar" lang="ar" hreflang="ar" dir="rtl">العربية</a>' in english
    assert "?lang=en-gb" not in english
    welsh = client.get("/me/sign-in/?lang=cy")
    html = welsh.content.decode()
    assert '<html lang="cy">' in html
    assert "Mewngofnodi i'ch tudalen" in html and welsh["Content-Language"] == "cy"
    assert '<a href="?lang=en-gb" lang="en-gb" hreflang="en-gb">English</a>' in html
    assert "Cymraeg</a>" not in html and "العربية</a>" in html
    # Kept for the form's errors and the code page that follows.
    empty = client.post("/me/sign-in/", {"address": ""}).content.decode()
    assert "Rhowch eich rhif ffôn symudol neu&#x27;ch cyfeiriad e-bost." in empty
    code_page = client.post("/me/sign-in/", {"address": "07700 900999"}, follow=True)
    assert "Teipiwch eich cod" in code_page.content.decode()
    arabic = client.get("/me/sign-in/code/?lang=ar").content.decode()
    assert '<html lang="ar" dir="rtl">' in arabic and "اكتب رمزك" in arabic
    assert '<a href="?lang=cy" lang="cy" hreflang="cy">Cymraeg</a>' in arabic


@pytest.mark.parametrize("asked", ["fr", "", "AR", "en"])
def test_any_other_language_asked_for_is_english(client, asked):
    client.get("/me/sign-in/?lang=cy")
    html = client.get(f"/me/sign-in/?lang={asked}").content.decode()
    assert '<html lang="en-gb">' in html and "Sign in to your page" in html


def test_after_sign_in_the_clients_own_language_wins(client, client_record, dee_page,
                                                     provider):
    _speaks(client_record, "cy")
    client.get("/me/sign-in/?lang=ar")
    sign_in_by_code(client, provider)
    html = client.get("/me/").content.decode()
    assert '<html lang="cy">' in html and "Helo Dee" in html
    assert '<html lang="cy">' in client.get("/me/?lang=ar").content.decode()


def test_a_staff_page_in_the_same_browser_stays_in_english(client, client_record, dee_page,
                                                           keyworker, provider):
    _speaks(client_record, "ar")
    client.force_login(keyworker)
    client.get("/me/sign-in/?lang=ar")
    sign_in_by_code(client, provider)
    assert '<html lang="ar" dir="rtl">' in client.get("/me/").content.decode()
    for name, args in (("clients:caseload", []), ("clients:detail", [client_record.pk]),
                       ("portal:access", [client_record.pk])):
        response = client.get(reverse(name, args=args))
        html = response.content.decode()
        assert response.status_code == 200, name
        assert '<html lang="en-gb">' in html and 'dir="rtl"' not in html, name
        assert "bootstrap.rtl" not in html and response["Content-Language"] == "en-gb"


def test_each_language_a_client_may_read_is_offered_in_its_own_words():
    assert set(sessions.LANGUAGE_NAMES) == set(DocumentLanguage.values)
