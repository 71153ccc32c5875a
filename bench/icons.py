"""The Bootstrap Icons the pages use, cut from the vendored font and stylesheet.

Light pages (issue 18): the whole icon font is 134 KB (woff2) and its stylesheet 10 KB
compressed, two thirds of a first visit's bytes, for the 50 or so of its 2,000 icons the
pages show. `make icons` writes `bootstrap-icons-used.css` and `fonts/bootstrap-icons-
used.woff2` beside the vendored files (which stay as they came), holding only the icons
a template, script or module names (`bi-…`); base.html loads those. tests/test_icons.py
fails when a page names an icon the cut files lack, saying to run `make icons`.
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "static" / "vendor" / "bootstrap-icons"
FULL_CSS = VENDOR / "bootstrap-icons.min.css"
FULL_FONT = VENDOR / "fonts" / "bootstrap-icons.woff2"
USED_CSS = VENDOR / "bootstrap-icons-used.css"
USED_FONT = VENDOR / "fonts" / "bootstrap-icons-used.woff2"

ICON = re.compile(r"\bbi-([a-z0-9]+(?:-[a-z0-9]+)*)")
RULE = re.compile(r'\.bi-([a-z0-9-]+)::before\{content:"\\(f[0-9a-f]+)"\}')
# Where a page's icons are named: the templates, the scripts, and the apps' code.
SKIPPED_DIRS = {"var", "tests", "bench", "static", "node_modules", "docs"}


def sources():
    yield from (ROOT / "templates").rglob("*.html")
    yield from (ROOT / "static" / "js").rglob("*.js")
    for path in ROOT.glob("*/**/*.py"):
        parts = path.relative_to(ROOT).parts
        if not parts[0].startswith(".") and parts[0] not in SKIPPED_DIRS:
            yield path


def codepoints(css_text):
    """{icon name: code point} of a Bootstrap Icons stylesheet."""
    return {name: int(code, 16) for name, code in RULE.findall(css_text)}


def used_icons(known):
    """The names of the icons (of `known`) that the pages name, sorted."""
    found = set()
    for path in sources():
        found |= set(ICON.findall(path.read_text(errors="replace")))
    return sorted(found & set(known))


def build():
    """Write the cut stylesheet and font; return the icons they hold."""
    from fontTools import subset

    full = FULL_CSS.read_text()
    known = codepoints(full)
    icons = used_icons(known)
    licence = full[:full.index("*/") + 2]
    base = re.search(r"\.bi::before,[^{]*\{[^}]*\}", full).group(0)
    font_face = ('@font-face{font-display:block;font-family:bootstrap-icons;'
                 'src:url("fonts/bootstrap-icons-used.woff2") format("woff2")}')
    rules = "".join(f'.bi-{name}::before{{content:"\\{known[name]:x}"}}' for name in icons)
    USED_CSS.write_text(f"{licence}\n/* The icons Keywork's pages use: bench/icons.py */\n"
                        f"{font_face}{base}{rules}\n")
    options = subset.Options()
    options.flavor = "woff2"
    font = subset.load_font(str(FULL_FONT), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[known[name] for name in icons])
    subsetter.subset(font)
    subset.save_font(font, str(USED_FONT), options)
    return icons


if __name__ == "__main__":
    names = build()
    print(f"{len(names)} icons: {USED_CSS.stat().st_size} bytes of CSS, "
          f"{USED_FONT.stat().st_size} bytes of font", file=sys.stderr)
