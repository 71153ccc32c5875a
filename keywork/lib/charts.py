"""Server-made SVG charts that read on a 343 px phone, on paper and to a screen reader.

Drawn here with the standard library's ElementTree rather than pygal, which drew them
until issue 15: pygal's radar plots a missing value as 0 (its adapters turn None into
zero for every radar), turns its axis names along the axes (`x_label_rotation=0` is taken
as "not set") and cuts them short instead of wrapping them, and prints values at the
points, where they pile up at the centre; its bars put each name on the left of its bar,
which leaves no room for the bar at phone width. A heavier library (matplotlib) would
bring numpy and its own fonts for three small charts.

A chart is drawn at its natural size, 400 units wide for the radar (its labels need the
room) and 340 for the line and the bars: the radar shown 343 px wide on a phone, or the
others 317 px wide in a card, shrink by at most a seventh, so the 15-unit text stays at
least 12.5 px and the scales' 14-unit text at least 12 px. Text is laid out horizontally,
wrapped to the room it has, and kept inside the view box. Every chart is an
<svg role="img"> with a <title> and a <desc> that says its figures; a page shows it
through <img> with an alt naming the table beside it, which holds the same figures.
Colours and styles are presentation attributes, never a <style> or style="", so the SVG
is the same under any Content-Security-Policy.

A function returns None when there is nothing to draw (every count zero, every area not
applicable): the page says so in words instead of showing an empty chart.
"""

import math
import xml.etree.ElementTree as ET
from decimal import Decimal

from django.utils.translation import gettext as _

WIDTH = 400  # the radar's: its labels need the room
NARROW = 340  # the line's and the bars': shown at 317 px in a card on a phone, text 14 px
PAD = 8
FONT = 15
SMALL = 14  # the scales (25%, 50%...) and tick labels
TITLE = 16
LINE = 19  # the distance between two lines of text
FONT_FAMILY = "DejaVu Sans, Arial, sans-serif"

TEXT = "#212529"
MUTED = "#495057"  # 8.9:1 on white
GUIDE = "#ced4da"
AXIS = "#adb5bd"
NOW = "#0d6efd"
BEFORE = "#6c757d"


# DejaVu Sans's advance widths (in thousandths of the font size) for " " to "~": the
# widest of the fonts named, so text measured with them fits in the others too.
_ADVANCE = dict(zip(map(chr, range(32, 127)), (
    318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636,
    636, 636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531, 1000, 684, 686, 698,
    770, 632, 575, 775, 752, 295, 295, 656, 557, 863, 748, 787, 603, 787, 695, 635, 611, 732,
    684, 989, 685, 611, 685, 390, 337, 390, 838, 500, 500, 613, 635, 550, 635, 615, 352, 635,
    634, 278, 278, 579, 278, 974, 634, 612, 635, 635, 411, 521, 392, 634, 592, 818, 592, 592,
    525, 636, 337, 636, 838), strict=True))
_OTHER = 840  # an arrow, an accented letter: at most this
BOLD = 1.1  # DejaVu Sans Bold is at most a tenth wider over a word


def _width(text, size, bold=False):
    """The width of `text` set in DejaVu Sans at `size`."""
    thousandths = sum(_ADVANCE.get(char, _OTHER) for char in str(text))
    return thousandths * size / 1000 * (BOLD if bold else 1)


def _wrap(text, size, room, bold=False):
    """Words on lines no wider than `room` (a word longer than that has a line of its own)."""
    lines, line = [], ""
    for word in str(text).split():
        trial = f"{line} {word}" if line else word
        if line and _width(trial, size, bold) > room:
            lines.append(line)
            line = word
        else:
            line = trial
    return [*lines, line] if line else lines


def percent(value):
    """75% or 62.5%, as the tables beside the charts give it (never rounded to even)."""
    if value is None:
        return _("n/a")
    return f"{Decimal(str(value)).quantize(Decimal('0.1'), 'ROUND_HALF_UP'):f}".removesuffix(
        ".0") + "%"


def number(value, whole):
    """3 for a count; 12.5 for a mean, to one decimal place, half up."""
    exact = Decimal(str(value))
    if whole:
        return f"{exact:.0f}"
    return f"{exact.quantize(Decimal('0.1'), 'ROUND_HALF_UP'):f}"


def ticks(low, high, whole, most=5):
    """Round steps covering low..high: whole numbers for counts, never more than `most`+1."""
    low, high = Decimal(str(low)), Decimal(str(high))
    if high == low:
        high = low + 1
    steps = [Decimal(m) * Decimal(10) ** e for e in range(-1, 12)
             for m in ("1", "2", "2.5", "5")]
    for step in steps:
        if whole and step != step.to_integral_value():
            continue
        first = (low / step).to_integral_value(rounding="ROUND_FLOOR")
        last = (high / step).to_integral_value(rounding="ROUND_CEILING")
        if last - first <= most:
            return [float(step * i) for i in range(int(first), int(last) + 1)]
    raise ValueError("values too large to chart")


class _Drawing:
    """An <svg> being built, its height set once everything is placed."""

    def __init__(self, title, description, width=WIDTH):
        self.width = width
        self.root = ET.Element("svg", {
            "xmlns": "http://www.w3.org/2000/svg", "role": "img",
            "aria-labelledby": "chart-title chart-desc",
            "font-family": FONT_FAMILY, "font-size": str(FONT), "fill": TEXT,
        })
        ET.SubElement(self.root, "title", {"id": "chart-title"}).text = title
        ET.SubElement(self.root, "desc", {"id": "chart-desc"}).text = description
        ET.SubElement(self.root, "rect", {"width": "100%", "height": "100%", "fill": "white"})
        self.y = PAD
        for line in _wrap(title, TITLE, width - 2 * PAD, bold=True):
            self.y += LINE
            self.text(width / 2, self.y, line, anchor="middle", size=TITLE, weight="bold")
        self.y += PAD

    def node(self, tag, parent=None, **attributes):
        # class_ is class; stroke_width is stroke-width.
        names = {key: key.rstrip("_").replace("_", "-") for key in attributes}
        return ET.SubElement(self.root if parent is None else parent, tag,
                             {names[key]: _fmt(value) for key, value in attributes.items()})

    def text(self, x, y, content, anchor="start", size=FONT, weight=None, fill=None,
             class_=None, parent=None):
        attributes = {"x": x, "y": y, "text_anchor": anchor}
        if size != FONT:
            attributes["font_size"] = size
        if weight:
            attributes["font_weight"] = weight
        if fill:
            attributes["fill"] = fill
        if class_:
            attributes["class"] = class_
        self.node("text", parent=parent, **attributes).text = content

    def backed_text(self, x, y, content, size, anchor="start", fill=None, class_=None):
        """Text on a white ground, so the lines under it do not cross it."""
        width = _width(content, size)
        left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
        self.node("rect", x=left - 2, y=y - size, width=width + 4, height=size * 1.3,
                  fill="white")
        self.text(x, y, content, anchor=anchor, size=size, fill=fill, class_=class_)

    def svg(self):
        height = math.ceil(self.y + PAD)
        self.root.set("viewBox", f"0 0 {self.width} {height}")
        self.root.set("width", str(self.width))
        self.root.set("height", str(height))
        return ET.tostring(self.root, encoding="unicode")


def _fmt(value):
    if isinstance(value, float):
        return f"{value:.1f}".removesuffix(".0")
    return str(value)


def _path(points):
    return "M" + " L".join(f"{_fmt(x)},{_fmt(y)}" for x, y in points)


def _marker(drawing, x, y, style):
    if style["marker"] == "circle":
        drawing.node("circle", cx=x, cy=y, r=5.5, fill=style["colour"], stroke="white",
                     stroke_width=1.5)
    else:
        drawing.node("rect", x=x - 5, y=y - 5, width=10, height=10, fill=style["colour"],
                     stroke="white", stroke_width=1.5)


# The latest series is solid blue with round dots; earlier ones grey, dashed, square dots,
# so they are told apart without colour.
LATEST = {"colour": NOW, "dash": None, "width": 3, "marker": "circle"}
EARLIER = {"colour": BEFORE, "dash": "7,5", "width": 2.5, "marker": "square"}


def _legend(drawing, series, styles):
    for (name, _values), style in zip(series, styles, strict=True):
        drawing.y += LINE + 4
        middle = drawing.y - FONT * 0.35
        drawing.node("path", d=_path([(PAD, middle), (PAD + 34, middle)]), fill="none",
                     stroke=style["colour"], stroke_width=style["width"],
                     **({"stroke_dasharray": style["dash"]} if style["dash"] else {}))
        _marker(drawing, PAD + 17, middle, style)
        drawing.text(PAD + 44, drawing.y, name)


# The radar --------------------------------------------------------------------------------

RINGS = (25, 50, 75, 100)
GAP = 10  # from the end of an axis to its label


def _label_block(angle, radius, lines_for):
    """Where an axis's label goes: (anchor, x, first baseline, box), relative to the centre.

    Labels sit outside the 100% ring, horizontal, on the side their axis points to."""
    cos, sin = math.cos(angle), math.sin(angle)
    x, y = (radius + GAP) * cos, (radius + GAP) * sin
    if cos > 0.25:
        anchor, room = "start", WIDTH / 2 - PAD - x
    elif cos < -0.25:
        anchor, room = "end", WIDTH / 2 - PAD + x
    else:
        anchor, room = "middle", WIDTH - 2 * PAD
    lines = lines_for(room)  # [(text, is a figure)]
    height = LINE * len(lines)
    if sin < -0.5:
        first = y - height + FONT * 0.8
    elif sin > 0.5:
        first = y + FONT * 0.9
    else:
        first = y - height / 2 + FONT * 0.8
    wide = max(_width(text, FONT, bold=figure) for text, figure in lines)
    left = {"start": x, "middle": x - wide / 2, "end": x - wide}[anchor]
    box = (left, first - FONT * 0.8, left + wide, first - FONT * 0.8 + height)
    return anchor, x, first, lines, box, wide <= room


def radar(title, labels, series):
    """A radar of percentages, one axis per label, rings at 25, 50, 75 and 100%.

    `series` is [(name, [value or None per label]), ...], earliest first; the last is
    drawn solid. Each axis's label says its figures, earliest first ("25% → 75%"), so no
    figure is printed inside the chart. An axis with no value in any series (an area whose
    needs are all not applicable) is left out and named below the chart; a series without
    a value on an axis says n/a there and its line is broken, never drawn to 0.
    Returns None when no axis has a value.
    """
    kept = [i for i in range(len(labels)) if any(v[i] is not None for _n, v in series)]
    if not kept:
        return None
    left_out = [str(labels[i]) for i in range(len(labels)) if i not in kept]
    styles = [EARLIER] * (len(series) - 1) + [LATEST]
    # The first axis points up; with four (or eight) axes they are turned by half a step,
    # so that none points sideways, where a label has the least room.
    step = 2 * math.pi / len(kept)
    turn = step / 2 if len(kept) % 4 == 0 else 0
    angles = [-math.pi / 2 + turn + step * k for k in range(len(kept))]
    figures = [" → ".join(percent(values[i]) for _n, values in series) for i in kept]

    def lines_for(index):
        # The area's name, then its figures in bold, each wrapped to the room beside it.
        return lambda room: ([(text, False) for text in _wrap(labels[kept[index]], FONT, room)]
                             + [(text, True) for text in _wrap(figures[index], FONT, room,
                                                               bold=True)])

    # The largest radius that leaves room for every word of every label beside it.
    for radius in range(115, 50, -5):
        blocks = [_label_block(angle, radius, lines_for(k)) for k, angle in enumerate(angles)]
        if all(block[5] for block in blocks):
            break
    top = min([-radius] + [block[4][1] for block in blocks])
    bottom = max([radius] + [block[4][3] for block in blocks])

    described = "; ".join(f"{labels[i]}: {figure}" for i, figure in zip(kept, figures,
                                                                         strict=True))
    names = " → ".join(name for name, _v in series)
    drawing = _Drawing(title, f"{names}. {described}.")
    cx, cy = WIDTH / 2, drawing.y - top + 4

    def point(k, value):
        r = radius * value / 100
        return cx + r * math.cos(angles[k]), cy + r * math.sin(angles[k])

    for ring in RINGS:
        ring_points = [point(k, ring) for k in range(len(kept))]
        drawing.node("path", d=_path(ring_points) + (" Z" if len(kept) > 2 else ""),
                     fill="none", stroke=AXIS if ring == 100 else GUIDE, stroke_width=1)
    for k in range(len(kept)):
        drawing.node("path", d=_path([(cx, cy), point(k, 100)]), stroke=AXIS, stroke_width=1)
    # The rings are named on the edge between the first axis and the last, where no point
    # is drawn, and under the series, which they never hide; a small radar names only
    # every other ring, so the names do not touch.
    for ring in RINGS if radius >= 90 else RINGS[1::2]:
        (x1, y1), (x2, y2) = point(0, ring), point(len(kept) - 1, ring)
        x, y = ((x1 + x2) / 2, (y1 + y2) / 2) if len(kept) > 2 else (x1, y1)
        drawing.backed_text(x, y + SMALL * 0.35, f"{ring}%", SMALL, anchor="middle",
                            fill=MUTED, class_="scale")
    for (_name, values), style in zip(series, styles, strict=True):
        _radar_series(drawing, [values[i] for i in kept], style, point)
    for anchor, x, first, lines, _box, _fits in blocks:
        group = drawing.node("g", class_="label")
        for n, (text, figure) in enumerate(lines):
            drawing.text(cx + x, cy + first + n * LINE, text, anchor=anchor,
                         weight="bold" if figure else None, class_="figure" if figure else None,
                         parent=group)
    drawing.y = cy + bottom + 4
    _legend(drawing, series, styles)
    if left_out:
        note = _("Not applicable, so not drawn: %(areas)s") % {"areas": ", ".join(left_out)}
        drawing.y += 6
        for line in _wrap(note, FONT, WIDTH - 2 * PAD):
            drawing.y += LINE
            drawing.text(PAD, drawing.y, line)
    return drawing.svg()


def _radar_series(drawing, values, style, point):
    """The series' line, broken where it has no value, then its dots over it."""
    count = len(values)
    dash = {"stroke_dasharray": style["dash"]} if style["dash"] else {}
    pairs = [(k, (k + 1) % count) for k in range(count if count > 2 else count - 1)]
    for a, b in pairs:
        if values[a] is not None and values[b] is not None:
            drawing.node("path", d=_path([point(a, values[a]), point(b, values[b])]),
                         fill="none", stroke=style["colour"], stroke_width=style["width"],
                         stroke_linecap="round", **dash)
    for k, value in enumerate(values):
        if value is not None:
            _marker(drawing, *point(k, value), style)


# The line ---------------------------------------------------------------------------------

PLOT_HEIGHT = 170


def line(title, labels, values):
    """A percentage over time, one point per label, its figure printed above the point.

    When the labels would not fit side by side, every k-th is shown (always the latest),
    and the figures with them; the table beside the chart has them all.
    Returns None when there is no value to draw.
    """
    if all(value is None for value in values):
        return None
    drawing = _Drawing(title, "; ".join(f"{label}: {percent(value)}"
                                        for label, value in zip(labels, values, strict=True)),
                       NARROW)
    left, right = PAD + _width("100%", SMALL) + 10, NARROW - PAD
    # The first and last points stand in from the plot's edges by half a figure's width,
    # so the figures printed over them stay inside the chart.
    inset = _width("100%", FONT) / 2 + 4
    top = drawing.y + LINE + 4
    bottom = top + PLOT_HEIGHT
    for ring in (0, 25, 50, 75, 100):
        y = bottom - PLOT_HEIGHT * ring / 100
        drawing.node("path", d=_path([(left, y), (right, y)]),
                     stroke=AXIS if ring in (0, 100) else GUIDE, stroke_width=1)
        drawing.text(left - 6, y + SMALL * 0.35, f"{ring}%", anchor="end", size=SMALL,
                     fill=MUTED, class_="scale")
    count = len(values)
    span = right - left - 2 * inset

    def x_of(i):
        return left + inset + (span * i / (count - 1) if count > 1 else span / 2)

    # Every k-th label, k the least that leaves a gap of 6 between two shown.
    widest = max(_width(str(label), FONT) for label in labels) + 6
    every = max(1, math.ceil(widest * (count - 1) / span)) if count > 1 else 1
    shown = [i for i in range(count) if (count - 1 - i) % every == 0]
    points = [(x_of(i), bottom - PLOT_HEIGHT * v / 100) if v is not None else None
              for i, v in enumerate(values)]
    for a, b in zip(points, points[1:], strict=False):
        if a and b:
            drawing.node("path", d=_path([a, b]), fill="none", stroke=NOW, stroke_width=3,
                         stroke_linecap="round")
    for spot in points:
        if spot:
            _marker(drawing, *spot, LATEST)
    for i in shown:
        drawing.text(x_of(i), bottom + LINE, str(labels[i]), anchor="middle")
        if points[i]:
            drawing.backed_text(x_of(i), points[i][1] - 10, percent(values[i]), FONT,
                                anchor="middle", class_="figure")
    drawing.y = bottom + LINE
    return drawing.svg()


# The bars ---------------------------------------------------------------------------------

BAR = 20


def bar(title, labels, values):
    """A bar per label, its name above it and its figure at its end, in the labels' order.

    The scale's steps are whole numbers when every value is (counts), and take in 0 and
    any negative value (a fall in a score). Returns None when every value is 0 or missing:
    the page says there is nothing in the period instead.
    """
    numbers = [float(v) if v is not None else None for v in values]
    if not any(numbers):
        return None
    whole = all(v is None or v.is_integer() for v in numbers)
    present = [v for v in numbers if v is not None]
    scale = ticks(min(0.0, *present), max(0.0, *present), whole)
    low, high = scale[0], scale[-1]
    shown = [number(v, whole) if v is not None else _("n/a") for v in numbers]
    figure_room = max(_width(text, FONT, bold=True) for text in shown) + 8
    left = PAD + (figure_room if low < 0 else _width(number(low, whole), SMALL) / 2)
    right = NARROW - PAD - figure_room

    def x_of(value):
        return left + (right - left) * (value - low) / (high - low)

    drawing = _Drawing(title, "; ".join(f"{label}: {text}"
                                        for label, text in zip(labels, shown, strict=True)),
                       NARROW)
    rows = []
    for label, value, text in zip(labels, numbers, shown, strict=True):
        for line_ in _wrap(label, FONT, NARROW - 2 * PAD):
            drawing.y += LINE
            drawing.text(PAD, drawing.y, line_)
        rows.append((drawing.y + 6, value, text))
        drawing.y += 6 + BAR + 6
    bottom = drawing.y
    # The scale's lines run through the bars' bands only, never through their names.
    for tick in scale:
        drawing.node("path", d=" ".join(_path([(x_of(tick), y - 3), (x_of(tick), y + BAR + 3)])
                                        for y, _v, _t in rows), stroke=GUIDE, stroke_width=1)
        drawing.text(x_of(tick), bottom + LINE, number(tick, float(tick).is_integer()),
                     anchor="middle", size=SMALL, fill=MUTED, class_="tick")
    for y, value, text in rows:
        start, end = x_of(0), x_of(value or 0)
        if value:
            drawing.node("rect", x=min(start, end), y=y, width=abs(end - start), height=BAR,
                         fill=NOW)
        after = end + 6 if (value or 0) >= 0 else end - 6
        drawing.text(after, y + BAR * 0.75, text, anchor="start" if (value or 0) >= 0
                     else "end", weight="bold", class_="figure")
    drawing.node("path", d=" ".join(_path([(x_of(0), y - 3), (x_of(0), y + BAR + 3)])
                                    for y, _v, _t in rows), stroke=TEXT, stroke_width=1.5)
    drawing.y = bottom + LINE
    return drawing.svg()
