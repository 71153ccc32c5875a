"""Production serves hashed static files: collectstatic must resolve every reference."""

from django.core.management import call_command


def test_collectstatic_with_hashed_names_finds_every_file_a_file_refers_to(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}}
    call_command("collectstatic", "--no-input", verbosity=0)
    assert (tmp_path / "staticfiles.json").exists()
