"""keywork.lib.charts: what the charts say, and that they say nothing false.

How they look at phone width (text inside the chart, nothing overlapping, legible size)
is checked in Chromium by tests/browser/test_charts.py.
"""

import xml.etree.ElementTree as ET

import pytest

from keywork.lib import charts

NS = "{http://www.w3.org/2000/svg}"
AREAS = ["Health", "Life skills", "Relationships", "Resettlement", "Vocational"]


def parse(svg):
    return ET.fromstring(svg)  # noqa: S314 -- the SVG under test, made by the code under test


def texts(root, class_=None):
    return [t.text for t in root.iter(f"{NS}text")
            if class_ is None or t.get("class") == class_]


def figures(root):
    """Each radar axis's figures, its lines joined (a label wraps where it has no room)."""
    return [" ".join(t.text for t in group.iter(f"{NS}text") if t.get("class") == "figure")
            for group in root.iter(f"{NS}g") if group.get("class") == "label"]


def view_box(root):
    _x, _y, width, height = map(float, root.get("viewBox").split())
    return width, height


def test_an_area_not_applicable_in_every_series_is_left_out_and_named_never_0():
    svg = charts.radar("Areas", AREAS, [("Initial", [25.0, 40.0, 50.0, 10.0, None]),
                                        ("Now", [75.0, 45.5, 50.0, 100.0, None])])
    root = parse(svg)
    shown = texts(root)
    assert "Vocational" not in shown
    assert "0%" not in shown
    assert shown[-1] == "Not applicable, so not drawn: Vocational"
    assert figures(root) == ["25% → 75%", "40% → 45.5%", "50% → 50%", "10% → 100%"]
    # Four axes, so four points per series.
    assert len(list(root.iter(f"{NS}circle"))) == 4 + 1  # and one in the legend


def test_an_area_not_applicable_in_one_series_says_n_a_there_and_breaks_its_line():
    root = parse(charts.radar("Areas", AREAS, [("Initial", [25.0, 40.0, None, 10.0, 30.0]),
                                               ("Now", [75.0, 45.5, 50.0, 100.0, 60.0])]))
    assert "n/a → 50%" in figures(root)
    assert "0%" not in texts(root)
    initial = [p for p in root.iter(f"{NS}path") if p.get("stroke") == charts.BEFORE
               and p.get("stroke-dasharray")]
    # Five edges round the pentagon less the two that meet the missing point, plus the
    # legend's sample line.
    assert len(initial) == 5 - 2 + 1


def test_a_radar_with_nothing_applicable_is_not_drawn():
    assert charts.radar("Areas", AREAS, [("Now", [None] * 5)]) is None


def test_the_radar_has_scale_rings_and_its_figures_as_the_tables_give_them():
    root = parse(charts.radar("Areas", AREAS, [("Now", [62.5, 33.3, 100.0, 0.0, 50.0])]))
    assert texts(root, "scale") == ["25%", "50%", "75%", "100%"]
    assert figures(root) == ["62.5%", "33.3%", "100%", "0%", "50%"]


@pytest.mark.parametrize(("values", "expected"), [
    ([3, 2, 1, 0], ["0", "1", "2", "3"]),
    ([1, 0, 0, 0], ["0", "1"]),
    ([17, 4, 9], ["0", "5", "10", "15", "20"]),
    ([230, 12], ["0", "50", "100", "150", "200", "250"]),
])
def test_counts_get_whole_number_steps(values, expected):
    root = parse(charts.bar("Sessions", [f"row {n}" for n in range(len(values))], values))
    assert texts(root, "tick") == expected
    assert texts(root, "figure") == [str(v) for v in values]


def test_means_and_falls_get_a_scale_through_zero():
    root = parse(charts.bar("Change", AREAS[:3], [12.5, -3.0, 7.25]))
    assert texts(root, "figure") == ["12.5", "-3.0", "7.3"]
    ticks = [float(t) for t in texts(root, "tick")]
    assert ticks[0] < 0 < ticks[-1]


def test_bars_keep_the_order_of_the_table():
    root = parse(charts.bar("Sessions", ["Booked", "Held", "Missed"], [3, 2, 1]))
    labels = [t for t in texts(root) if t in ("Booked", "Held", "Missed")]
    assert labels == ["Booked", "Held", "Missed"]


@pytest.mark.parametrize("values", [[0, 0, 0], [None, 0], []])
def test_nothing_to_count_gives_no_chart(values):
    assert charts.bar("Sessions", [f"row {n}" for n in range(len(values))], values) is None


def test_the_lines_last_figure_is_inside_the_chart():
    root = parse(charts.line("Overall", ["4 Sep", "4 Oct", "4 Nov", "4 Dec"],
                             [20.0, 35.5, 60.0, 100.0]))
    width, _height = view_box(root)
    figures = [t for t in root.iter(f"{NS}text") if t.get("class") == "figure"]
    assert [t.text for t in figures] == ["20%", "35.5%", "60%", "100%"]
    last = figures[-1]
    assert last.get("text-anchor") == "middle"
    assert float(last.get("x")) + charts._width(last.text, charts.FONT) / 2 <= width
    assert float(last.get("y")) - charts.FONT >= 0


def test_a_long_line_shows_every_kth_date_and_always_the_latest():
    labels = [f"{day} Jan" for day in range(1, 25)]
    root = parse(charts.line("Overall", labels, [float(n * 4) for n in range(24)]))
    dates = [t for t in texts(root) if t.endswith(" Jan")]
    assert dates[-1] == "24 Jan"
    assert 2 < len(dates) < 8


def test_every_chart_is_an_image_with_a_title_and_a_description_and_no_style_or_script():
    for svg in (charts.radar("Areas", AREAS, [("Now", [50.0] * 5)]),
                charts.line("Overall", ["4 Sep"], [50.0]),
                charts.bar("Sessions", ["Booked"], [1])):
        root = parse(svg)
        assert root.get("role") == "img"
        assert root.get("aria-labelledby") == "chart-title chart-desc"
        assert root.find(f"{NS}title").text
        assert root.find(f"{NS}desc").text
        assert root.get("viewBox").startswith(f"0 0 {root.get('width')} ")
        for element in root.iter():
            assert element.tag not in (f"{NS}style", f"{NS}script")
            assert "style" not in element.attrib


def test_the_description_gives_the_figures():
    root = parse(charts.radar("Areas", AREAS[:3], [("Initial", [10.0, 20.0, None]),
                                                   ("Now", [30.0, None, 40.0])]))
    assert root.find(f"{NS}desc").text == (
        "Initial → Now. Health: 10% → 30%; Life skills: 20% → n/a; "
        "Relationships: n/a → 40%.")


def test_labels_are_escaped():
    svg = charts.bar('<script>alert("x")</script> & co', ["<b>bold</b>"], [2])
    assert "<script>" not in svg and "<b>" not in svg
    assert "&lt;b&gt;bold&lt;/b&gt;" in svg


def test_ticks_cover_the_values_in_round_steps():
    assert charts.ticks(0, 3, whole=True) == [0, 1, 2, 3]
    assert charts.ticks(-3, 40, whole=False) == [-10, 0, 10, 20, 30, 40]
    assert charts.ticks(0, 0.4, whole=False) == [0, 0.1, 0.2, 0.3, 0.4]
    assert charts.ticks(0, 0.4, whole=True) == [0, 1]
