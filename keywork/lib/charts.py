"""Server-rendered SVG charts (pygal), readable without colour and without JavaScript.

pygal's interactive script is turned off and the inline configuration script it still
writes is taken out (the pages' Content-Security-Policy allows no inline script), and
every value is printed on the chart itself.
"""

import pygal
from pygal.etree import etree
from pygal.style import Style

STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#212529",
    foreground_strong="#212529",
    foreground_subtle="#6c757d",
    colors=("#0d6efd", "#6c757d", "#198754"),
    font_family="DejaVu Sans, Arial, sans-serif",
    label_font_size=13,
    major_label_font_size=13,
    value_font_size=12,
    value_label_font_size=12,
    legend_font_size=13,
    title_font_size=15,
    guide_stroke_dasharray="1,0",
    major_guide_stroke_dasharray="1,0",
    guide_stroke_color="#dee2e6",
    major_guide_stroke_color="#adb5bd",
)

COMMON = {
    "style": STYLE,
    "js": [],
    "disable_xml_declaration": True,
    "print_values": True,
    "range": (0, 100),
    "legend_at_bottom": True,
    "legend_at_bottom_columns": 2,
    "explicit_size": True,
}


def _dashes(chart, count):
    # Tell series apart without colour: the second is dashed.
    return [{"stroke_style": {"width": 3, "dasharray": "8,4" if i else ""}} for i in range(count)]


def radar(title, labels, series, width=520, height=440):
    """A radar ("star") chart; `series` is [(name, [value or None per label]), ...]."""
    chart = pygal.Radar(title=title, width=width, height=height, fill=False, dots_size=4,
                        show_y_labels=False,
                        value_formatter=lambda v: f"{v:.0f}%" if v is not None else "",
                        **COMMON)
    chart.x_labels = labels
    for (name, values), options in zip(series, _dashes(chart, len(series)), strict=True):
        chart.add(name, values, **options)
    return _svg(chart)


def line(title, labels, values, width=620, height=320):
    """A line of one series over time, its values printed at each point."""
    chart = pygal.Line(title=title, width=width, height=height, dots_size=4, show_legend=False,
                       x_label_rotation=0, value_formatter=lambda v: f"{v:.0f}%",
                       **COMMON)
    chart.x_labels = labels
    chart.add(title, values, stroke_style={"width": 3})
    return _svg(chart)


def _svg(chart):
    tree = chart.render_tree()
    for parent in tree.iter():
        for child in list(parent):
            if isinstance(child.tag, str) and child.tag.rsplit("}", 1)[-1] == "script":
                parent.remove(child)
    return etree.tostring(tree, encoding="unicode")


def bar(title, labels, values, width=620, height=300):
    """A horizontal bar per label, its value printed beside it."""
    chart = pygal.HorizontalBar(title=title, width=width, height=height, show_legend=False,
                                style=STYLE, js=[], disable_xml_declaration=True,
                                print_values=True, explicit_size=True)
    chart.x_labels = [str(label) for label in labels]
    chart.add(title, [float(v) if v is not None else None for v in values])
    return _svg(chart)
