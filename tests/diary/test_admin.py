from django.urls import reverse

from diary.models import DiarySettings


def test_administrator_sets_a_sites_cadence_but_cannot_delete_it(client, administrator, site):
    settings = DiarySettings.objects.create(site=site, sessions_per_week=2)
    client.force_login(administrator)
    assert client.get(reverse("admin:diary_diarysettings_changelist")).status_code == 200
    assert client.get(reverse("admin:diary_diarysettings_delete",
                              args=[settings.pk])).status_code == 403
    assert client.get(reverse("admin:diary_diarysettings_history",
                              args=[settings.pk])).status_code == 200


def test_session_notes_are_not_in_the_admin(client, administrator):
    client.force_login(administrator)
    page = client.get(reverse("admin:index")).content.decode()
    assert "Diary settings" in page
    assert "Keywork sessions" not in page and "Contacts" not in page
