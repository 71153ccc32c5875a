"""The apps keep to their layers (layers.toml, docs/ARCHITECTURE.md).

import-linter reads every import of every module, those inside functions and the
`import a.b` form included, and follows chains through other modules: clients importing
keywork.urls, which imports diary, breaks the layers as surely as `import diary`.
"""

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ROOT / "layers.toml"
# One step of a chain in import-linter's report: "- clients.views -> diary.models (l.12, 40)".
LINK = re.compile(r"^[\s-]*([\w.]+) -> ([\w.]+) \(l\.([\d, ]+)\)", re.MULTILINE)


def _rank():
    """module -> its height: keywork.lib lowest, then the apps from staff up, then the rest
    of keywork (settings, urls, views), which puts the apps together."""
    contracts = tomllib.loads(LAYERS.read_text())["tool"]["importlinter"]["contracts"]
    apps = next(c for c in contracts if c["type"] == "layers")["layers"]
    helpers = next(c for c in contracts if c["type"] == "forbidden")["source_modules"]
    heights = {app: height for height, app in enumerate(reversed(apps), start=1)}

    def rank(module):
        if any(module == h or module.startswith(f"{h}.") for h in helpers):
            return 0
        return heights.get(module.split(".")[0], len(apps) + 1)
    return rank


def _path(module):
    """keywork.lib.pdf -> keywork/lib/pdf.py (or the package's __init__.py)."""
    base = ROOT.joinpath(*module.split("."))
    return (base / "__init__.py" if base.is_dir() else base.with_suffix(".py")).relative_to(ROOT)


def wrong_way(report):
    """The steps of the report's chains that go down the layers, as "file:line: ..."."""
    rank = _rank()
    return sorted({f"{_path(importer)}:{line.strip()}: {importer} imports {imported}"
                   for importer, imported, lines in LINK.findall(report)
                   if rank(importer) < rank(imported) for line in lines.split(",")})


def test_every_import_keeps_to_the_layers():
    # The command line rather than import-linter's internals: its report is its public face.
    result = subprocess.run(
        [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command;"
         " sys.exit(lint_imports_command())", str(LAYERS), "--no-cache", "--no-logo"],
        cwd=ROOT, capture_output=True, text=True, check=False,
        env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"})
    if result.returncode != 0:
        pytest.fail("\n".join(
            ["Imports against the layers in layers.toml (file:line), then import-linter's "
             "report:", *wrong_way(result.stdout), result.stdout, result.stderr]),
            pytrace=False)
    assert "0 broken" in result.stdout, result.stdout


def test_a_report_names_the_line_that_goes_the_wrong_way():
    report = """
    - plans.views -> keywork.lib.pdf (l.26)
      keywork.lib.pdf -> diary.models (l.108)
    - stages.services -> plans.hooks (l.5, 9)
    -   clients.views -> keywork.urls (l.3)
        keywork.urls -> diary.views (l.7)
    """
    assert wrong_way(report) == [
        "clients/views.py:3: clients.views imports keywork.urls",
        "keywork/lib/pdf.py:108: keywork.lib.pdf imports diary.models",
        "stages/services.py:5: stages.services imports plans.hooks",
        "stages/services.py:9: stages.services imports plans.hooks",
    ]
