"""The pages load only the icons they use (bench/icons.py): every icon a page names is in
the cut stylesheet and font, so none shows as an empty box."""

import re

from django.conf import settings
from fontTools.ttLib import TTFont

from bench import icons


def test_every_icon_a_page_names_is_in_the_stylesheet_the_pages_load():
    known = icons.codepoints(icons.FULL_CSS.read_text())
    cut = icons.codepoints(icons.USED_CSS.read_text())
    missing = sorted(set(icons.used_icons(known)) - set(cut))
    assert not missing, f"icons not in {icons.USED_CSS.name}: {missing}; run `make icons`"


def test_every_icon_of_the_stylesheet_is_drawn_by_its_font():
    cut = icons.codepoints(icons.USED_CSS.read_text())
    drawn = set(TTFont(icons.USED_FONT).getBestCmap())
    assert len(cut) > 40
    assert set(cut.values()) <= drawn


def test_the_cut_font_is_a_small_part_of_the_whole():
    assert icons.USED_FONT.stat().st_size < icons.FULL_FONT.stat().st_size / 10


def test_an_icon_named_in_a_template_is_found(tmp_path, monkeypatch):
    page = tmp_path / "page.html"
    page.write_text('<i class="bi bi-alarm"></i> <span class="combi-nation bi-nosuchicon">')
    monkeypatch.setattr(icons, "sources", lambda: [page])
    assert icons.used_icons({"alarm": 0xF102, "bell": 0xF18A}) == ["alarm"]


def test_base_loads_the_cut_stylesheet_and_its_font_only():
    templates = settings.BASE_DIR / "templates"
    base = (templates / "base.html").read_text()
    # Its stylesheets are in the head it shares with the client's page, icons asked for.
    assert '{% include "includes/head.html" with icons=True %}' in base
    head = (templates / "includes" / "head.html").read_text()
    assert "bootstrap-icons-used.css" in head
    assert "bootstrap-icons.min.css" not in base + head
    assert re.findall(r'url\("([^"]+)"\)', icons.USED_CSS.read_text()) == [
        "fonts/bootstrap-icons-used.woff2"]
