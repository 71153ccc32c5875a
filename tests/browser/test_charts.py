"""The charts as Chromium draws them on a 375 px phone: the radar 343 px wide (the page
less its margins), the line and the bars 317 px (in a card there): every piece of text
inside the chart, none on top of another, none smaller than 12 px.

keywork.lib.charts lays text out from DejaVu Sans's widths; this measures what the browser
actually drew. Screenshots at 375 and 1366 px go to tests/browser/screenshots/.
"""

import pytest
from django.utils import translation

from keywork.lib import charts
from tests.browser.conftest import SCREENSHOTS

AREAS = ["Health", "Life skills", "Relationships", "Resettlement", "Vocational"]
LONG_AREAS = ["Health and wellbeing", "Managing money", "Living skills and home",
              "Work, learning and activities", "Relationships and community"]
PHONE = {"radar": 343, "line": 317, "bar": 317}

# Each text's box in the chart's own units, as drawn, and its size on screen.
MEASURE = """svg => {
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  return {
    box: [svg.viewBox.baseVal.width, svg.viewBox.baseVal.height],
    texts: [...svg.querySelectorAll("text")].map(t => {
      const b = t.getBBox();
      return {text: t.textContent, x: b.x, y: b.y, w: b.width, h: b.height,
              px: parseFloat(getComputedStyle(t).fontSize) * scale};
    }),
  };
}"""


def _charts():
    with translation.override("en-gb"):
        return {
            "radar-two-series": charts.radar(
                "Support-need areas, % addressed", AREAS,
                [("Initial (4 Sep 2026)", [25.0, 40.0, None, 33.3, 12.5]),
                 ("Now (4 Dec 2026)", [75.0, 45.5, 50.0, 100.0, 62.5])]),
            "radar-one-area-not-applicable": charts.radar(
                "Support-need areas, % addressed", AREAS,
                [("Initial (4 Sep 2026)", [25.0, 40.0, 0.0, 33.3, None]),
                 ("Now (4 Dec 2026)", [75.0, 45.5, 50.0, 100.0, None])]),
            "radar-long-names": charts.radar(
                "Support-need areas, % addressed", LONG_AREAS,
                [("Initial (4 Sep 2026)", [25.0, 40.0, 62.5, 33.3, 0.0]),
                 ("Now (4 Dec 2026)", [75.0, 45.5, 50.0, 100.0, 12.5])]),
            "line": charts.line("Overall score over time", ["4 Sep", "4 Oct", "4 Nov", "4 Dec"],
                                [20.0, 35.5, 60.0, 100.0]),
            "line-two-years": charts.line(
                "Overall score over time", [f"{d} Mar" for d in range(1, 25)],
                [min(100.0, 10.0 + 4 * n) for n in range(24)]),
            "bar-counts": charts.bar(
                "Sessions", ["Sessions booked", "Sessions held (attended)",
                             "Sessions missed (did not attend)", "Sessions cancelled"],
                [12, 9, 2, 1]),
            "bar-change": charts.bar("Mean change per area (points)", AREAS,
                                     [12.5, -3.0, 0.0, 40.0, 7.25]),
        }


def _overlap(a, b):
    return (a["x"] < b["x"] + b["w"] - 0.5 and b["x"] < a["x"] + a["w"] - 0.5
            and a["y"] < b["y"] + b["h"] - 0.5 and b["y"] < a["y"] + a["h"] - 0.5)


@pytest.fixture
def chart_page(browser):
    context = browser.new_context(viewport={"width": 375, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.mark.parametrize("name", list(_charts()))
def test_a_chart_at_phone_width_keeps_its_text_inside_apart_and_legible(chart_page, name):
    svg = _charts()[name]
    chart_page.set_content(f"<!doctype html><body>{svg}</body>")
    chart = chart_page.locator("svg")
    width = PHONE[name.split("-")[0]]
    chart.evaluate(f"svg => {{ svg.style.width = '{width}px'; svg.style.height = 'auto'; }}")
    drawn = chart.evaluate(MEASURE)
    width, height = drawn["box"]
    for text in drawn["texts"]:
        assert text["x"] >= 0 and text["x"] + text["w"] <= width, text
        assert text["y"] >= 0 and text["y"] + text["h"] <= height, text
        assert text["px"] >= 11.9, text
    for n, a in enumerate(drawn["texts"]):
        for b in drawn["texts"][n + 1:]:
            assert not _overlap(a, b), (a, b)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for viewport in (375, 1366):
        chart_page.set_viewport_size({"width": viewport, "height": 900})
        chart_page.set_content(
            "<!doctype html><body><img alt='' src='data:image/svg+xml;charset=utf-8,"
            + svg.replace("#", "%23").replace("'", "%27")
            + "' style='max-width: 100%; height: auto'></body>")
        chart_page.screenshot(path=str(SCREENSHOTS / f"chart-{name}-{viewport}.png"),
                              full_page=True)
