"""Who sees what: every stages URL, for every member of the cast, by GET and by POST.

The client in question is `client_record` (Dee Harper, at Riverside, on Kim's caseload).
Riverside uses the ladder: Dee is on Stage 1 with all its tasks evidenced (so a promotion
is due), has an initial assessment and a re-assessment, a PDF given as evidence and a
certificate (a PNG) in her portfolio.
"""

import pytest
from django.urls import reverse
from django.utils import timezone

from activities import services as activity_services
from activities.models import Activity
from stages import services
from stages.models import (
    Assessment,
    AssessmentSettings,
    ClientStage,
    Evidence,
    NeedRating,
    PortfolioItem,
    Rating,
)
from tests.factories import client_with_keyworker
from tests.responses import body_of
from tests.stages.factories import (
    DAY,
    PDF,
    PNG,
    assessments_for,
    grid_post,
    pdf_upload,
    png_upload,
    tasks_of,
    use_private_root,
)

PAGE = "page"  # 200
BACK = "back"  # 302 to the client's ladder page (nothing to show, or the step is done)
LOGIN = "login"  # 302 to the login page
MOVED = "moved"  # 302 elsewhere (a manager's step done)

ROLES = ["anonymous", "keyworker", "colleague", "other_site_keyworker", "manager",
         "other_site_manager", "administrator"]

# One row per URL, one column per role, in the order of ROLES. The colleague sees Dee's
# summary on the client file, but every stages page is part of the full file.
GET = {
    "stages:assessments": (LOGIN, PAGE, 403, 404, PAGE, 404, 404),
    "stages:assessment_create": (LOGIN, PAGE, 403, 404, PAGE, 404, 404),
    "stages:chart_radar": (LOGIN, PAGE, 403, 404, PAGE, 404, 404),
    "stages:chart_line": (LOGIN, PAGE, 403, 404, PAGE, 404, 404),
    "stages:assessment_detail": (LOGIN, PAGE, 403, 404, PAGE, 404, 404),
    "stages:assessment_edit": (LOGIN, PAGE, 403, 404, PAGE, 404, 404),
    "stages:ladder": (LOGIN, PAGE, 403, 404, PAGE, 404, 404),
    "stages:evidence_create": (LOGIN, PAGE, 403, 404, PAGE, 404, 404),
    "stages:promote": (LOGIN, 403, 403, 404, BACK, 404, 404),
    "stages:demote": (LOGIN, 403, 403, 404, BACK, 404, 404),
    "stages:evidence_file": (LOGIN, PAGE, 403, 404, PAGE, 404, 404),
    "stages:portfolio": (LOGIN, PAGE, 403, 404, PAGE, 404, 404),
    "stages:portfolio_pdf": (LOGIN, PAGE, 403, 404, PAGE, 404, 404),
    "stages:portfolio_file": (LOGIN, PAGE, 403, 404, PAGE, 404, 404),
    "stages:settings": (LOGIN, 403, 403, 403, PAGE, PAGE, 403),
    "stages:register_tasks": (LOGIN, 403, 403, 403, PAGE, PAGE, 403),
    "stages:register_task_remove": (LOGIN, 405, 405, 405, 405, 405, 405),
}

# The same with an empty POST: forms come back unsaved (200), the manager's steps send
# back to the ladder. Charts and files are GET-only: 405 to anyone signed in, before
# their rights are looked at. Putting a client on the ladder by POST is for managers.
POST = {
    "stages:assessments": (LOGIN, PAGE, 403, 404, PAGE, 404, 404),
    "stages:assessment_create": (LOGIN, PAGE, 403, 404, PAGE, 404, 404),
    "stages:chart_radar": (LOGIN, 405, 405, 405, 405, 405, 405),
    "stages:chart_line": (LOGIN, 405, 405, 405, 405, 405, 405),
    "stages:assessment_detail": (LOGIN, PAGE, 403, 404, PAGE, 404, 404),
    "stages:assessment_edit": (LOGIN, PAGE, 403, 404, PAGE, 404, 404),
    "stages:ladder": (LOGIN, 403, 403, 404, BACK, 404, 404),
    "stages:evidence_create": (LOGIN, PAGE, 403, 404, PAGE, 404, 404),
    "stages:promote": (LOGIN, 403, 403, 404, BACK, 404, 404),
    "stages:demote": (LOGIN, 403, 403, 404, BACK, 404, 404),
    "stages:evidence_file": (LOGIN, 405, 405, 405, 405, 405, 405),
    "stages:portfolio": (LOGIN, PAGE, 403, 404, PAGE, 404, 404),
    "stages:portfolio_pdf": (LOGIN, 405, 405, 405, 405, 405, 405),
    "stages:portfolio_file": (LOGIN, 405, 405, 405, 405, 405, 405),
    "stages:settings": (LOGIN, 403, 403, 403, PAGE, PAGE, 403),
    "stages:register_tasks": (LOGIN, 403, 403, 403, PAGE, PAGE, 403),
    "stages:register_task_remove": (LOGIN, 403, 403, 403, MOVED, 404, 403),
}

MATRIX = {"get": GET, "post": POST}


@pytest.fixture
def world(settings, monkeypatch, tmp_path, site, client_record, keyworker, manager):
    """Dee on Stage 1 of the ladder with everything a stages page can show."""
    use_private_root(settings, monkeypatch, tmp_path)
    site.uses_ladder = True
    site.save()
    admitted = client_record.admitted_on
    services.ladder_start(client=client_record, by=manager, on=admitted)
    probation = [services.evidence_record(client=client_record, task=task, by=keyworker,
                                          on=admitted + DAY, what=f"Probation evidence {n}")
                 for n, task in enumerate(tasks_of(0))]
    services.stage_promote(client=client_record, by=manager, note="First review",
                           on=admitted + 10 * DAY)
    stage_1 = [
        services.evidence_record(client=client_record, task=task, by=keyworker,
                                 on=admitted + 11 * DAY, what=f"Stage 1 evidence {n}",
                                 file=pdf_upload() if n == 0 else None)
        for n, task in enumerate(tasks_of(1))]
    initial, review = assessments_for(client_record, count=2, by=keyworker)
    item = services.portfolio_add(client=client_record, by=keyworker,
                                  kind="certificate", on=admitted + 12 * DAY,
                                  title="First aid certificate", file=png_upload())
    workshop = activity_services.activity_save(
        activity=Activity(site=site, name="Action Training Workshop"), by=manager)
    register_task = services.register_task_save(site=site, task=tasks_of(4)[0],
                                                activity=workshop, rate=100, by=manager)
    return {
        "client": client_record,
        "tmp_path": tmp_path,
        "register_task": register_task,
        "evidence": stage_1[0],
        "evidence_without_file": stage_1[1],
        "probation_evidence": probation[0],
        "task": tasks_of(2)[0],
        "initial": initial,
        "review": review,
        "item": item,
        # Admitted before Riverside took up the ladder: not on it yet.
        "newcomer": client_with_keyworker(site=site, keyworker=keyworker, first_name="Nia",
                                          last_name="Newcombe"),
    }


def url_of(name, world):
    """The URL `name` about Dee."""
    client = world["client"]
    args = {
        "stages:assessment_detail": [client.pk, world["review"].pk],
        "stages:assessment_edit": [client.pk, world["review"].pk],
        "stages:evidence_create": [client.pk, world["task"].pk],
        "stages:evidence_file": [client.pk, world["evidence"].pk],
        "stages:portfolio_file": [client.pk, world["item"].pk],
        "stages:settings": [],
        "stages:register_tasks": [],
        "stages:register_task_remove": [world["register_task"].pk],
    }.get(name, [client.pk])
    return reverse(name, args=args)


def sign_in(client, request, role):
    if role == "anonymous":
        return None
    user = request.getfixturevalue(role)
    client.force_login(user)
    return user


def assert_outcome(response, expected, world):
    body = body_of(response)
    if expected == LOGIN:
        assert response.status_code == 302
        assert response.url.startswith(reverse("login") + "?next=")
    elif expected == PAGE:
        assert response.status_code == 200
    elif expected == MOVED:
        assert response.status_code == 302
        assert not response.url.startswith(reverse("login"))
    elif expected == BACK:
        assert response.status_code == 302
        assert response.url == reverse("stages:ladder", args=[world["client"].pk])
    else:
        assert response.status_code == expected
        # A refusal tells nothing about the client, not even that she exists.
        assert b"Harper" not in body


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("name", GET)
@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_only_what_the_access_rules_allow(client, request, world, role, name,
                                                         method):
    sign_in(client, request, role)
    expected = MATRIX[method][name][ROLES.index(role)]
    response = getattr(client, method)(url_of(name, world))
    assert_outcome(response, expected, world)


def test_the_matrix_covers_every_stages_url():
    from stages.urls import urlpatterns

    names = {f"stages:{pattern.name}" for pattern in urlpatterns}
    assert names == set(GET) == set(POST)


# What the allowed get -----------------------------------------------------------------------


def test_keyworker_gets_the_evidence_file_itself(client, world, keyworker):
    client.force_login(keyworker)
    response = client.get(url_of("stages:evidence_file", world))
    assert body_of(response) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_keyworker_gets_the_portfolio_file_itself(client, world, keyworker):
    client.force_login(keyworker)
    response = client.get(url_of("stages:portfolio_file", world))
    assert body_of(response) == PNG
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, no-store"


def test_evidence_given_without_a_file_has_no_file_to_open(client, world, keyworker):
    client.force_login(keyworker)
    url = reverse("stages:evidence_file",
                  args=[world["client"].pk, world["evidence_without_file"].pk])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("name", ["stages:chart_radar", "stages:chart_line"])
def test_charts_are_svg_kept_by_no_shared_cache(client, world, keyworker, name):
    client.force_login(keyworker)
    response = client.get(url_of(name, world))
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Cache-Control"] == "private, no-store"
    assert b"<svg" in response.content


def test_portfolio_pdf_is_a_private_download(client, world, keyworker):
    client.force_login(keyworker)
    response = client.get(url_of("stages:portfolio_pdf", world))
    assert response.content.startswith(b"%PDF")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Cache-Control"] == "private, no-store"


def test_the_ladder_links_to_the_evidence_file_and_the_portfolio_to_its_file(client, world,
                                                                            keyworker):
    client.force_login(keyworker)
    ladder = client.get(url_of("stages:ladder", world)).content.decode()
    portfolio = client.get(url_of("stages:portfolio", world)).content.decode()
    assert url_of("stages:evidence_file", world) in ladder
    assert url_of("stages:portfolio_file", world) in portfolio


# Guessed URLs: another client's records under this client's address --------------------------


@pytest.fixture
def neighbour(world, colleagues_client, colleague, manager):
    """Rob, Sam's client at Riverside, with a PDF of evidence, a certificate and an
    assessment of his own."""
    admitted = colleagues_client.admitted_on
    services.ladder_start(client=colleagues_client, by=manager, on=admitted)
    (assessment,) = assessments_for(colleagues_client, count=1, by=colleague)
    return {
        "client": colleagues_client,
        "evidence": services.evidence_record(
            client=colleagues_client, task=tasks_of(0)[1], by=colleague, on=admitted + DAY,
            what="Benefit letter", file=pdf_upload("rob.pdf")),
        "item": services.portfolio_add(
            client=colleagues_client, by=colleague, kind="attendance", on=admitted + DAY,
            title="Attendance", file=png_upload("rob.png")),
        "assessment": assessment,
    }


GUESSES = [
    ("stages:evidence_file", "evidence"),
    ("stages:portfolio_file", "item"),
    ("stages:assessment_detail", "assessment"),
    ("stages:assessment_edit", "assessment"),
]


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize(("name", "key"), GUESSES)
@pytest.mark.parametrize("role", ["keyworker", "manager"])
def test_another_clients_record_under_this_clients_url_is_not_found(client, request, world,
                                                                    neighbour, role, name,
                                                                    key, method):
    sign_in(client, request, role)
    url = reverse(name, args=[world["client"].pk, neighbour[key].pk])
    response = getattr(client, method)(url)
    expected = 405 if method == "post" and name.endswith("_file") else 404
    assert response.status_code == expected
    assert b"Quinn" not in body_of(response)


@pytest.mark.parametrize(("name", "key", "body"), [
    ("stages:evidence_file", "evidence", PDF),
    ("stages:portfolio_file", "item", PNG),
])
def test_manager_opens_the_other_clients_file_under_its_own_url(client, world, neighbour,
                                                                manager, name, key, body):
    client.force_login(manager)
    response = client.get(reverse(name, args=[neighbour["client"].pk, neighbour[key].pk]))
    assert body_of(response) == body


def test_a_task_of_a_rung_below_the_clients_is_not_found(client, world, keyworker):
    client.force_login(keyworker)
    url = reverse("stages:evidence_create", args=[world["client"].pk, tasks_of(0)[0].pk])
    assert client.get(url).status_code == 404


# Refused POSTs: the data would be accepted from someone allowed (see the test after), so a
# refusal leaves the database and the files exactly as they were for a reason of rights.

WRITES = ["stages:assessment_create", "stages:assessment_edit", "stages:ladder",
          "stages:evidence_create", "stages:promote", "stages:demote", "stages:portfolio",
          "stages:settings"]

SAVES = {
    "stages:assessment_create": Assessment,
    "stages:assessment_edit": Assessment.history.model,
    "stages:ladder": ClientStage,
    "stages:evidence_create": Evidence,
    "stages:promote": ClientStage,
    "stages:demote": ClientStage,
    "stages:portfolio": PortfolioItem,
    "stages:settings": AssessmentSettings,
}


def valid_post(name, world):
    """(URL, data) of a POST that someone allowed makes with success."""
    today = timezone.localdate().isoformat()
    review = world["review"]
    if name == "stages:ladder":
        return reverse(name, args=[world["newcomer"].pk]), {}
    data = {
        "stages:assessment_create": grid_post(Rating.ACTION, assessed_on=today),
        "stages:assessment_edit": grid_post(Rating.ACHIEVING, version=review.version,
                                            assessed_on=review.assessed_on.isoformat()),
        "stages:evidence_create": {"on": today, "what": "Shopping list seen",
                                   "file": pdf_upload()},
        "stages:promote": {"note": "Monthly review: all tasks done"},
        "stages:demote": {"reason": "Stopped the cleaning duties",
                          "lapsed": [world["probation_evidence"].pk]},
        "stages:settings": {"reassess_every_weeks": 8},
        "stages:portfolio": {"kind": "certificate", "on": today, "title": "Food hygiene",
                             "text": "Passed first time", "in_pdf": "on",
                             "file": png_upload()},
    }[name]
    return url_of(name, world), data


MODELS = (Assessment, NeedRating, Evidence, ClientStage, PortfolioItem, AssessmentSettings)


def snapshot(root):
    """Every row a stages POST could write, as plain values, and the files kept."""
    rows = {model._meta.label: list(model.objects.order_by("pk").values())
            for model in MODELS + tuple(model.history.model for model in MODELS)}
    rows["files"] = sorted(str(path.relative_to(root)) for path in root.rglob("*")
                           if path.is_file())
    return rows


def cells(outcomes):
    return [(role, name) for name in WRITES for role in ROLES
            if POST[name][ROLES.index(role)] in outcomes]


REFUSED = cells({LOGIN, 403, 404})
ALLOWED = cells({PAGE, BACK})


@pytest.mark.parametrize(("role", "name"), REFUSED)
def test_a_refused_post_changes_nothing(client, request, world, role, name):
    sign_in(client, request, role)
    before = snapshot(world["tmp_path"])
    url, data = valid_post(name, world)
    response = client.post(url, data)
    assert response.status_code in (302, 403, 404)
    if response.status_code == 302:
        assert response.url.startswith(reverse("login"))
    assert snapshot(world["tmp_path"]) == before


@pytest.mark.parametrize(("role", "name"), ALLOWED)
def test_the_same_post_from_someone_allowed_is_saved(client, request, world, role, name):
    sign_in(client, request, role)
    model = SAVES[name]
    rows = model.objects.count()
    url, data = valid_post(name, world)
    response = client.post(url, data)
    assert response.status_code == 302
    assert not response.url.startswith(reverse("login"))
    assert model.objects.count() == rows + 1


def test_the_uploads_allowed_are_kept_in_the_private_root(client, world, keyworker):
    client.force_login(keyworker)
    before = snapshot(world["tmp_path"])["files"]
    for name in ("stages:evidence_create", "stages:portfolio"):
        client.post(*valid_post(name, world))
    assert len(snapshot(world["tmp_path"])["files"]) == len(before) + 2


# Where private files are kept ------------------------------------------------------------------


def test_private_files_follow_the_setting(settings, tmp_path, client_record, keyworker):
    """PRIVATE_MEDIA_ROOT changed at run time (as every test here does) must take effect;
    else tests write clients' files into the real private root."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    item = services.portfolio_add(client=client_record, by=keyworker, kind="certificate",
                                  on=client_record.admitted_on, title="Certificate",
                                  file=png_upload())
    try:
        assert (tmp_path / item.file.name).is_file()
    finally:
        item.file.delete(save=False)
