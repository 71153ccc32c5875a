"""keywork.lib.translation: one catalogue to look a word up in, the same words found."""

from django.utils import translation
from django.utils.translation import trans_real


def _chain(catalogue):
    links = []
    while catalogue._fallback is not None:
        catalogue = catalogue._fallback
        links.append(catalogue)
    return links


def test_british_english_looks_in_no_catalogue_that_translates_nothing():
    built_afresh = trans_real.DjangoTranslation("en-gb")
    in_use = trans_real.translation("en-gb")
    assert len(_chain(built_afresh)) >= 1
    assert _chain(in_use) == []


def test_every_word_reads_as_it_did_with_the_whole_chain():
    built_afresh = trans_real.DjangoTranslation("en-gb")
    in_use = trans_real.translation("en-gb")
    words = [key for catalogue in built_afresh._catalog._catalogs for key in catalogue
             if isinstance(key, str) and key]
    words += ["Keyworker", "Words we use", "Save", "Log out", "This field is required."]
    assert len(words) > 100
    assert [in_use.gettext(word) for word in words] == [
        built_afresh.gettext(word) for word in words]
    for n in (0, 1, 2):
        assert in_use.ngettext("%d session", "%d sessions", n) == built_afresh.ngettext(
            "%d session", "%d sessions", n)
    with translation.override("en-gb"):
        assert translation.gettext("Enter a valid email address.") == (
            "Enter a valid email address.")
        assert translation.gettext("color") == built_afresh.gettext("color")
