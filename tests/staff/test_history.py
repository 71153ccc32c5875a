from django.urls import reverse

from staff.models import Site


def test_changes_through_the_admin_record_who_made_them(client, administrator, site):
    client.force_login(administrator)
    response = client.post(reverse("admin:staff_site_change", args=[site.pk]), {
        "name": site.name, "code": site.code, "address": "1 New Street", "phone": "01632 1",
        "is_active": "on"})
    assert response.status_code == 302
    latest = Site.history.filter(id=site.pk).latest()
    assert latest.address == "1 New Street"
    assert latest.history_user == administrator


def test_user_history_does_not_keep_password_hashes(keyworker):
    historical = keyworker.history.latest()
    assert not hasattr(historical, "password")
