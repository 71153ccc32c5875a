"""keywork.lib.bulk: the large demo site's fast INSERTs give what bulk_create_with_history
would: the rows, their ids, their history, and a table whose own numbering carries on."""

from clients.models import Client
from keywork.lib.bulk import insert_with_history
from staff.models import Site
from tests.factories import ClientFactory


def test_rows_get_their_ids_and_a_created_history_row_each(manager):
    sites = insert_with_history([Site(name=f"Site {n}", code=f"S{n}") for n in range(3)], Site,
                                user=manager)
    stored = Site.objects.filter(code__in=["S0", "S1", "S2"]).order_by("pk")
    assert [s.pk for s in sites] == [s.pk for s in stored]
    assert [s.name for s in stored] == ["Site 0", "Site 1", "Site 2"]
    for site in sites:
        history = site.history.get()
        assert (history.history_type, history.history_user, history.name) == (
            "+", manager, site.name)


def test_a_child_built_before_its_parent_had_an_id_points_at_it(manager):
    site = Site(name="Northgate", code="NG")
    client = ClientFactory.build(site=site, number=1, reference="NG-00001",
                                 status=Client.Status.ACTIVE)
    insert_with_history([site], Site, user=manager)
    insert_with_history([client], Client, user=manager)
    stored = Client.objects.get(pk=client.pk)
    assert stored.site == site
    assert stored.status == Client.Status.ACTIVE
    assert stored.admitted_on == client.admitted_on
    assert stored.history.get().site_id == site.pk


def test_the_tables_own_numbering_carries_on_after_them(manager):
    sites = insert_with_history([Site(name=f"Site {n}", code=f"T{n}") for n in range(3)], Site,
                                user=manager)
    later = Site.objects.create(name="Opened later", code="LATER")
    assert later.pk > sites[-1].pk
