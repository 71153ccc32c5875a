"""Backups restore: back up, change the data and the files, restore, find the original."""

import pytest
from django.core.management import call_command

from audit import backups
from clients.models import Client
from tests.factories import ClientFactory, SiteFactory


@pytest.fixture
def emptied(django_db_blocker):
    """An empty database for the serialized rollback to load the migrated one into: the
    tests before these on the same worker may have left rows behind (content types made
    again under new ids after a flush: loading then failed on PostgreSQL with a duplicate
    'admin | log entry'). Asked for before the database fixtures, so it runs first."""
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)


@pytest.fixture
def media(django_db_serialized_rollback, settings, tmp_path):
    # Serialized rollback: these tests commit, and the flush after them would otherwise
    # take the reference data the migrations loaded (needs, ladder) from later tests.
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    (settings.MEDIA_ROOT / "photos").mkdir(parents=True)
    (settings.PRIVATE_MEDIA_ROOT / "evidence").mkdir(parents=True)
    return settings


def test_backup_then_change_then_restore_finds_the_original(emptied, transactional_db, media,
                                                            tmp_path):
    photo = media.MEDIA_ROOT / "photos" / "dee.jpg"
    evidence = media.PRIVATE_MEDIA_ROOT / "evidence" / "certificate.pdf"
    photo.write_bytes(b"the original photo")
    evidence.write_bytes(b"the original certificate")
    record = ClientFactory(site=SiteFactory(code="BK1"), first_name="Dee")

    folder = backups.make(tmp_path / "backups")
    # The whole database is in it: no other account on the machine may read it.
    assert folder.stat().st_mode & 0o777 == 0o700

    record.first_name = "Changed"
    record.save()
    ClientFactory(site=record.site, first_name="Added after the backup")
    photo.write_bytes(b"overwritten")
    evidence.unlink()
    (media.PRIVATE_MEDIA_ROOT / "evidence" / "later.pdf").write_bytes(b"later")

    backups.restore(folder)

    assert list(Client.objects.values_list("first_name", flat=True)) == ["Dee"]
    assert Client.history.filter(id=record.pk).count() == 1
    assert photo.read_bytes() == b"the original photo"
    assert evidence.read_bytes() == b"the original certificate"
    assert not (media.PRIVATE_MEDIA_ROOT / "evidence" / "later.pdf").exists()


def test_rotation_keeps_the_newest(emptied, transactional_db, media, tmp_path):
    made = [backups.make(tmp_path / "backups", keep=3) for _ in range(5)]
    assert backups.backups(tmp_path / "backups") == made[-3:]
