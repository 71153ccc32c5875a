"""Messages to a client in the client's document language (Welsh, Arabic; English by
default), through the real `twilio` library and anymail's Postmark backend to the fake
provider: the words, the days and months, the direction of names in Arabic, the e-mail's
subject, the log of messages and the opt-out page the link opens."""

import pytest
from django.urls import reverse
from django.utils import translation

from diary import services as diary_services
from keywork.lib import dates
from messaging import services, words
from messaging.models import Channel, ClientMessage
from plans import selectors as plan_selectors
from tests.factories import KeyworkSessionFactory, signed_plan
from tests.messaging.conftest import moment
from tests.plans.test_documents import ARABIC_MONTHS, WELSH_MONTHS

LRI, PDI = "\u2066", "\u2069"


def _speaks(client_record, language):
    client_record.document_language = language
    client_record.save()


@pytest.fixture
def tomorrow_at_ten(client_record, keyworker, clock):
    return KeyworkSessionFactory(client=client_record, worker=keyworker,
                                 starts_at=moment(10, days=1))


def _in(language, format_day, moment_):
    with translation.override(language):
        return format_day(moment_)


def test_a_welsh_client_gets_the_reminder_in_welsh(provider, dee_texts, client_record,
                                                   tomorrow_at_ten):
    _speaks(client_record, "cy")
    services.run()
    [text] = provider.texts
    assert text["Body"].startswith(
        "Bydd Kim yn eich gweld yn Riverside Day Centre yfory am 10:00. Atebwch STOP i atal "
        "y negeseuon testun hyn, neu ewch i http://testserver/reminders/stop/")
    message = ClientMessage.objects.get()
    assert (message.language, message.text) == ("cy", text["Body"])


def test_an_arabic_client_gets_it_in_arabic_with_the_names_kept_left_to_right(
        provider, dee_texts, client_record, tomorrow_at_ten):
    _speaks(client_record, "ar")
    services.run()
    body = provider.texts[0]["Body"]
    assert body.startswith(f"سيقابلك {LRI}Kim{PDI} في {LRI}Riverside Day Centre{PDI} غدًا "
                           "الساعة 10:00. للإيقاف أرسل STOP ردًا على هذه الرسالة، أو افتح "
                           "http://testserver/reminders/stop/")
    assert ClientMessage.objects.get().language == "ar"


def test_english_stays_as_it_was_with_no_direction_marks(provider, dee_texts,
                                                          tomorrow_at_ten):
    services.run()
    body = provider.texts[0]["Body"]
    assert body.startswith("Kim will see you at Riverside Day Centre tomorrow at 10:00. "
                           "Reply STOP to stop these texts")
    assert LRI not in body and PDI not in body
    assert ClientMessage.objects.get().language == "en-gb"


def test_a_moved_session_is_told_in_welsh_with_welsh_day_names(provider, dee_texts,
                                                               client_record, keyworker,
                                                               tomorrow_at_ten):
    _speaks(client_record, "cy")
    session = tomorrow_at_ten
    diary_services.session_reschedule(
        session=session, version=session.version, by=keyworker, worker=keyworker,
        starts_at=moment(14, days=3), expected_minutes=60, place=session.place)
    services.send_waiting(moment(12))
    [text] = provider.texts
    day = _in("cy", dates.format_weekday, moment(14, days=3))
    assert day != dates.format_weekday(moment(14, days=3))
    assert text["Body"].startswith(
        "Mae eich sesiwn gwaith allweddol wedi symud. Bydd Kim yn eich gweld yn Riverside "
        f"Day Centre ar {day} am 14:00.")


def test_a_cancelled_session_is_told_in_arabic(provider, dee_texts, client_record,
                                               keyworker, tomorrow_at_ten):
    _speaks(client_record, "ar")
    diary_services.session_cancel(session=tomorrow_at_ten, version=tomorrow_at_ten.version,
                                  by=keyworker, cancelled_by="client", reason="Hospital")
    services.run()
    [text] = provider.texts
    day = _in("ar", dates.format_weekday, tomorrow_at_ten.starts_at)
    assert ARABIC_MONTHS[tomorrow_at_ten.starts_at.month - 1] in day
    assert text["Body"].startswith(
        f"أُلغيت جلسة الإرشاد في {LRI}Riverside Day Centre{PDI} يوم {day} الساعة 10:00.")


@pytest.mark.parametrize(("language", "written"), [
    ("cy", lambda on: f"{on.day} {WELSH_MONTHS[on.month - 1]} {on.year}"),
    ("ar", lambda on: f"{on.day} {ARABIC_MONTHS[on.month - 1]}، {on.year}"),
    ("en-gb", lambda on: on.strftime("%-d %b %Y"))])
def test_the_review_date_is_written_as_the_plan_prints_it_in_that_language(
        provider, dee_texts, client_record, keyworker, clock, language, written):
    _speaks(client_record, language)
    signed_plan(client=client_record, by=keyworker)
    clock(12, days=23)
    services.run()
    [text] = provider.texts
    on = plan_selectors.reviews([client_record])[client_record.pk].on
    assert written(on) in text["Body"]
    opening = {"cy": "Bydd eich cynllun cymorth yn cael ei adolygu ar ",
               "ar": "موعد مراجعة خطة دعمك هو ",
               "en-gb": "Your support plan is due to be reviewed on "}[language]
    assert text["Body"].startswith(opening + written(on))


def test_a_welsh_email_has_a_welsh_subject_and_body(provider, client_record, keyworker,
                                                    tomorrow_at_ten):
    _speaks(client_record, "cy")
    services.consent_set(client=client_record, by=keyworker, consents=True,
                         channel=Channel.EMAIL, email="dee@example.org")
    services.run()
    [email] = provider.emails
    assert email["Subject"] == "Neges atgoffa gan eich gweithiwr allweddol"
    assert email["TextBody"].startswith(
        "Bydd Kim yn eich gweld yn Riverside Day Centre yfory am 10:00. I atal y negeseuon "
        "atgoffa hyn, ewch i http://testserver/reminders/stop/")


def test_a_worker_without_a_first_name_is_your_keyworker_in_the_clients_language(
        provider, dee_texts, client_record, keyworker, tomorrow_at_ten):
    keyworker.first_name = ""
    keyworker.save()
    _speaks(client_record, "cy")
    services.run()
    assert provider.texts[0]["Body"].startswith(
        "Bydd eich gweithiwr allweddol yn eich gweld yn Riverside Day Centre yfory am 10:00.")


def test_a_moved_notice_in_welsh_for_a_worker_without_a_first_name_still_goes(
        provider, dee_texts, client_record, keyworker, tomorrow_at_ten):
    """The notice's key holds the facts as the job reads them again before sending: made
    in the client's language, "your keyworker" would differ and the notice be dropped."""
    keyworker.first_name = ""
    keyworker.save()
    _speaks(client_record, "cy")
    session = tomorrow_at_ten
    diary_services.session_reschedule(
        session=session, version=session.version, by=keyworker, worker=keyworker,
        starts_at=moment(14, days=3), expected_minutes=60, place=session.place)
    assert services.send_waiting(moment(12)) == (1, 0)
    assert "Bydd eich gweithiwr allweddol yn eich gweld" in provider.texts[0]["Body"]


def test_the_answer_to_a_reply_in_arabic_keeps_the_phone_number_left_to_right(site):
    site.phone = "01632 960000"
    with words.speaking("ar"):
        text = words.replies_not_read(site)
    assert text == (f"لا أحد يقرأ الردود على هذه الرسائل. للتحدث مع مرشدك المسؤول، اتصل بـ "
                    f"{LRI}Riverside Day Centre{PDI} على الرقم {LRI}01632 960000{PDI}.")


def test_the_log_shows_each_text_as_sent_marked_with_its_language(
        client, provider, dee_texts, client_record, keyworker, tomorrow_at_ten):
    _speaks(client_record, "cy")
    services.run()
    _speaks(client_record, "ar")  # a later change of language leaves what was sent
    diary_services.session_cancel(session=tomorrow_at_ten, version=tomorrow_at_ten.version,
                                  by=keyworker, cancelled_by="client", reason="Hospital")
    services.run()
    welsh, arabic = (ClientMessage.objects.get(kind=kind).text
                     for kind in ("reminder", "cancelled"))
    client.force_login(keyworker)
    page = client.get(reverse("messaging:messages", args=[client_record.pk])).content.decode()
    assert '<html lang="en-gb">' in page
    assert f'<div lang="cy" dir="ltr">{welsh}</div>' in page
    assert f'<div lang="ar" dir="rtl">{arabic}</div>' in page
    assert "Bydd Kim yn eich gweld" in welsh and "أُلغيت جلسة الإرشاد" in arabic


def _link_in(text):
    return "/" + text.split("http://testserver/", 1)[1].split()[0]


@pytest.mark.parametrize(("language", "html", "question", "button", "done"), [
    ("cy", '<html lang="cy">', "Atal negeseuon atgoffa?", "Atal fy negeseuon atgoffa",
     "Ni fyddwch yn cael negeseuon atgoffa mwyach."),
    ("ar", '<html lang="ar" dir="rtl">', "هل تريد إيقاف التذكيرات؟", "أوقف تذكيراتي",
     "لن تصلك تذكيرات بعد الآن."),
    ("en-gb", '<html lang="en-gb">', "Stop reminders?", "Stop my reminders",
     "You will not get reminders any more.")])
def test_the_opt_out_page_speaks_the_clients_language(client, provider, dee_texts,
                                                      client_record, tomorrow_at_ten,
                                                      language, html, question, button,
                                                      done):
    _speaks(client_record, language)
    services.run()
    link = _link_in(provider.texts[0]["Body"])
    page = client.get(link).content.decode()
    assert html in page
    assert question in page and button in page
    finished = client.post(link).content.decode()
    assert html in finished and done in finished
    dee_texts.refresh_from_db()
    assert not dee_texts.consents


def test_stop_is_stop_in_every_language(provider, dee_texts, client_record,
                                        tomorrow_at_ten):
    for language in ("cy", "ar"):
        with words.speaking(language):
            assert "Reply STOP" not in words.stop_line("sms", "x")
            assert "STOP" in words.stop_line("sms", "x")
    assert services.is_stop("STOP") and not services.is_stop("DIWEDD")


def test_the_staff_pages_stay_in_english_after_a_message_is_written(
        client, provider, dee_texts, client_record, keyworker, tomorrow_at_ten):
    _speaks(client_record, "ar")
    services.run()
    assert translation.get_language() in (None, "en-gb")
    client.force_login(keyworker)
    page = client.get(client_record.get_absolute_url()).content.decode()
    assert '<html lang="en-gb">' in page
    assert "Text message to +447700900123" in page
