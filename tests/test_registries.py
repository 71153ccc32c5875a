"""Every registry a lower app reads has a provider in the product (docs/ARCHITECTURE.md).

A lower app learns what a higher one knows through a registry: a module-level list or dict
in `<app>/hooks.py` or `<app>/extensions.py` that the higher app fills from its
AppConfig.ready(). A registry nobody fills fails quietly (the page shows its fallback),
so this checks the registries as the product fills them: in a fresh interpreter that runs
only django.setup(), never a test's monkeypatch. A new registry is found by its place and
needs no line here; a dict whose keys name hook points lists them in NAMED_POINTS.
"""

import json
import os
import subprocess
import sys
import weakref
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Modules that hold registries, in each of Keywork's apps (where they exist).
REGISTRY_MODULES = ("hooks", "extensions")


def _named_points():
    """{registry: the keys it must hold}, for dicts whose keys name hook points."""
    from stages.models import LadderTask

    return {"stages.hooks.task_answers": {v for v in LadderTask.KnownFrom.values if v}}


def _provider(entry):
    """Where an entry was written: the module of the function (or of the dataclass's
    `load`) that a lower app will call."""
    function = getattr(entry, "load", entry)
    return f"{function.__module__}.{function.__qualname__}"


def census():
    """{registry: {"providers": {key or position: provider}, "expected": [keys]}} once
    every installed app's ready() has run, and the other hooks ready() wires."""
    import importlib
    import importlib.util

    import django

    django.setup()
    from django.conf import settings

    named = _named_points()
    found = {}
    for app in settings.LOCAL_APPS:
        for name in REGISTRY_MODULES:
            if importlib.util.find_spec(f"{app}.{name}") is None:
                continue
            module = importlib.import_module(f"{app}.{name}")
            for attr, value in vars(module).items():
                if attr.startswith("_") or not isinstance(value, list | dict):
                    continue
                entries = value.items() if isinstance(value, dict) else enumerate(value)
                registry = f"{module.__name__}.{attr}"
                found[registry] = {
                    "providers": {str(key): _provider(entry) for key, entry in entries},
                    "expected": sorted(named.get(registry, ())),
                }
    found.update(_wiring())
    return found


def _wiring():
    """Hooks into Django itself that an AppConfig.ready() fills: a lookup and receivers."""
    from django.contrib.auth.signals import user_logged_in
    from django.db.backends.signals import connection_created
    from django.db.models import IntegerField
    from django.db.models.signals import post_save

    def receivers(signal):
        # Django keeps most receivers by weak reference.
        live = (r[1]() if isinstance(r[1], weakref.ref) else r[1] for r in signal.receivers)
        return {_provider(r) for r in live if r is not None}

    on_save = receivers(post_save)
    return {
        "django IntegerField lookup 'in'": {
            "providers": {"in": _provider(IntegerField.get_lookups()["in"])},
            "expected": ["in"]},
        "django signal connection_created (cache generation)": {
            "providers": {r: r for r in receivers(connection_created)
                          if r.startswith("keywork.")},
            "expected": ["keywork.lib.cache._install"]},
        "django signal post_save (apps' receivers)": {
            "providers": {r: r for r in on_save if r.split(".")[0] in _local_apps()},
            "expected": ["audit.signals.end_sessions_of_deactivated_staff",
                         "stages.signals._start_ladder_on_admission"]},
        "django signal user_logged_in (apps' receivers)": {
            "providers": {r: r for r in receivers(user_logged_in)
                          if r.split(".")[0] in _local_apps()},
            "expected": ["audit.signals.start_session_clocks"]},
    }


def _local_apps():
    from django.conf import settings

    return set(settings.LOCAL_APPS)


def problems(found):
    """What a reader must fix: empty registries, named points without a provider,
    providers that are not the product's own code."""
    wrong = []
    for registry, seen in sorted(found.items()):
        providers = seen["providers"]
        if not providers:
            wrong.append(f"{registry} is empty: no AppConfig.ready() registers a provider")
        for key in seen["expected"]:
            if key not in providers:
                wrong.append(f"{registry} has no provider for {key!r}")
        for key, provider in providers.items():
            if provider.split(".")[0] == "tests":
                wrong.append(f"{registry}[{key}] comes from the tests: {provider}")
    return wrong


def test_every_registry_has_a_provider_from_the_product():
    # A fresh interpreter: only the installed apps' ready() fills the registries.
    result = subprocess.run(
        [sys.executable, "-c", "import json; from tests.test_registries import census;"
         " print(json.dumps(census()))"],
        cwd=ROOT, capture_output=True, text=True, check=False,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "keywork.settings"})
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    listing = [f"  {registry}: {', '.join(sorted(set(seen['providers'].values()))) or '-'}"
               for registry, seen in sorted(found.items())]
    if wrong := problems(found):
        pytest.fail("\n".join(["Registries without a provider in the product:", *wrong,
                               "", "What the product registers:", *listing]), pytrace=False)


def test_the_registries_found_include_every_known_one():
    # The census finds registries by their place; this pins that it still finds them.
    found = census()
    assert {"clients.extensions.caseload_columns", "clients.extensions.file_sections",
            "plans.hooks.next_session", "stages.hooks.actions_done_by_need",
            "stages.hooks.task_answers"} <= set(found)


def test_an_empty_registry_or_a_missing_named_point_is_named():
    found = {
        "plans.hooks.next_session": {"providers": {}, "expected": []},
        "stages.hooks.task_answers": {"providers": {"signed_plan": "plans.apps.signed"},
                                      "expected": ["five_actions", "signed_plan"]},
        "clients.extensions.file_sections": {
            "providers": {"0": "tests.clients.test_extensions.load"}, "expected": []},
    }
    assert problems(found) == [
        "clients.extensions.file_sections[0] comes from the tests: "
        "tests.clients.test_extensions.load",
        "plans.hooks.next_session is empty: no AppConfig.ready() registers a provider",
        "stages.hooks.task_answers has no provider for 'five_actions'",
    ]
