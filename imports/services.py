"""Previewing, importing and undoing a batch of files from another system.

The preview reads every row, checks it as the domain's services would (the model's
`clean_fields()` and `clean()`, and the rules of `client_refer`, `client_allocate`,
`plan_start` and `goal_save`), and keeps each row's problems in plain words; nothing of
the clients' records is written. The import checks again (the world may have moved since
the preview) and writes everything in one transaction, in bulk with its history
(`keywork.lib.bulk`): saving 20,000 sessions one by one through `session_log` takes
minutes, in bulk a few seconds. Every history row it writes says where the record came
from ("Imported from clients.csv, batch 3, row 12"). Undo removes exactly the rows the
batch wrote, and their history, unless someone has since changed or added to them.
"""

import dataclasses
import time
from collections import defaultdict

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clients import services as client_services
from clients.models import Allocation, Client, StatusChange
from diary.models import MAX_MINUTES, KeyworkSession
from imports import files
from imports.models import ImportBatch, ImportedClient, ImportFile
from keywork.lib import dates
from keywork.lib.bulk import insert_with_history
from keywork.lib.sites import sites_of
from plans.models import Action, Agency, Goal, Plan
from plans.services import _check_action, _check_dates
from staff.models import Site, User

STATUSES = {"referred": Client.Status.REFERRED, "admitted": Client.Status.ADMITTED,
            "active": Client.Status.ACTIVE, "moved on": Client.Status.MOVED_ON,
            "moved_on": Client.Status.MOVED_ON, "discharged": Client.Status.DISCHARGED}
SESSION_STATUSES = {"held": KeyworkSession.Status.ATTENDED,
                    "attended": KeyworkSession.Status.ATTENDED,
                    "missed": KeyworkSession.Status.DID_NOT_ATTEND,
                    "did not attend": KeyworkSession.Status.DID_NOT_ATTEND,
                    "dna": KeyworkSession.Status.DID_NOT_ATTEND,
                    "cancelled": KeyworkSession.Status.CANCELLED}
WHO = {"client": Action.Who.CLIENT, "keyworker": Action.Who.KEYWORKER,
       "agency": Action.Who.AGENCY}
# What the batch writes, in the order it writes it; undo removes it in the reverse order.
WRITTEN = [Client, ImportedClient, StatusChange, Allocation, KeyworkSession, Plan, Goal,
           Action]
CLIENT_TEXT = ["first_name", "last_name", "preferred_name", "phone", "email", "address",
               "emergency_contact_name", "emergency_contact_relationship",
               "emergency_contact_phone", "languages", "cultural_needs", "gp_name",
               "gp_practice", "gp_phone", "end_destination", "end_reason", "referral_source",
               "referral_reason"]


def sites_for(user):
    """The sites `user` may import into: an administrator every active site, a manager
    their own active sites."""
    if user.is_administrator:
        return Site.objects.filter(is_active=True)
    if user.is_manager:
        return sites_of(user)
    return Site.objects.none()


def source(file_name, batch, row):
    return _("Imported from %(file)s, batch %(batch)s, row %(row)s") % {
        "file": file_name, "batch": batch.pk, "row": row}


# Reading and checking --------------------------------------------------------------------


@dataclasses.dataclass
class Checked:
    """What a batch's files would write, and every row's problems."""

    errors: dict = dataclasses.field(default_factory=lambda: defaultdict(list))
    rows: dict = dataclasses.field(default_factory=dict)
    clients: list = dataclasses.field(default_factory=list)  # (row, Client, old ref, worker)
    sessions: list = dataclasses.field(default_factory=list)  # (row, KeyworkSession)
    plans: list = dataclasses.field(default_factory=list)  # (row, Plan, [(Goal, [Action])])
    sites: set = dataclasses.field(default_factory=set)
    refused: dict = dataclasses.field(default_factory=dict)  # old reference: its row

    def error(self, kind, row, message):
        self.errors[kind].append([row, _("Row %(row)s: %(message)s") % {
            "row": row, "message": message}])

    @property
    def error_count(self):
        return sum(len(e) for e in self.errors.values())


class _Lookups:
    """Everything the rows name, read in a fixed number of queries."""

    def __init__(self, user):
        self.sites = list(sites_for(user))
        self.by_site_name = {}
        for site in self.sites:
            self.by_site_name[site.name.lower()] = site
            self.by_site_name[site.code.lower()] = site
        self.others = {s.name.lower(): s for s in Site.objects.exclude(
            pk__in=[s.pk for s in self.sites])}
        self.others |= {s.code.lower(): s for s in self.others.values()}
        self.users = {}
        for person in User.objects.prefetch_related("sites"):
            self.users[person.username.lower()] = person
            if person.email:
                self.users.setdefault(person.email.lower(), person)
        site_ids = [s.pk for s in self.sites]
        self.imported = defaultdict(list)
        # By the client's site now (one who moved away is the other site's to import onto).
        for row in ImportedClient.objects.filter(client__site_id__in=site_ids).select_related(
                "client__site"):
            self.imported[row.old_reference.lower()].append(row.client)
        self.keywork = {c.reference.lower(): c for c in Client.objects.filter(
            site_id__in=site_ids).select_related("site")}
        self.agencies = {(a.site_id, a.name.lower()): a
                         for a in Agency.objects.filter(site_id__in=site_ids, is_active=True)}


def _day(check, kind, row, values, column, label, *, required=False):
    text = values.get(column, "")
    if not text:
        if required:
            check.error(kind, row, _("%(what)s is missing.") % {"what": label})
        return None
    try:
        return files.parse_day(text)
    except ValueError:
        check.error(kind, row, _("%(what)s %(value)s is not a date (use DD/MM/YYYY).")
                    % {"what": label, "value": text})
        return None


def _model_errors(check, kind, row, error, model):
    for field, messages in error.message_dict.items():
        label = (model._meta.get_field(field).verbose_name if field != "__all__" else "")
        for message in messages:
            check.error(kind, row, f"{label}: {message}" if label else message)


def _person(lookups, text):
    return lookups.users.get(text.lower()) if text else None


def _check_clients(check, lookups, rows, today):
    kind = "clients"
    seen = {}
    for row, values in rows:
        before = check.error_count
        site_text = values.get("site", "")
        site = lookups.by_site_name.get(site_text.lower())
        if site is None:
            if site_text.lower() in lookups.others:
                check.error(kind, row, _("site '%(site)s' is not one of the sites you import "
                                         "into.") % {"site": site_text})
            else:
                check.error(kind, row, _("site '%(site)s' is not a site of Keywork (give its "
                                         "name or code).") % {"site": site_text})
        old = values.get("old_reference", "")
        if not old:
            check.error(kind, row, _("the old reference is missing."))
        elif len(old) > 60:
            check.error(kind, row, _("the old reference is longer than 60 characters."))
        elif old.lower() in seen:
            check.error(kind, row, _("old reference '%(ref)s' is on row %(other)s too.")
                        % {"ref": old, "other": seen[old.lower()]})
        else:
            seen[old.lower()] = row
            if site and any(c.site_id == site.pk for c in lookups.imported.get(old.lower(), [])):
                check.error(kind, row, _("old reference '%(ref)s' was imported before: undo "
                                         "that import first, or leave the row out.")
                            % {"ref": old})
        status_text = values.get("status", "").lower().replace("_", " ")
        status = STATUSES.get(status_text)
        if status is None:
            check.error(kind, row, _("status '%(value)s' is not one of referred, admitted, "
                                     "active, moved on, discharged.")
                        % {"value": values.get("status", "")})
        born = _day(check, kind, row, values, "date_of_birth", _("date of birth"))
        referred = _day(check, kind, row, values, "referred_on", _("the referral date"),
                        required=True)
        admitted = _day(check, kind, row, values, "admitted_on", _("the admission date"))
        ended = _day(check, kind, row, values, "ended_on", _("the end date"))
        for day, label in ((referred, _("the referral date")),
                           (admitted, _("the admission date")), (ended, _("the end date"))):
            if day and day > today:
                check.error(kind, row, _("%(what)s %(day)s is in the future.")
                            % {"what": label, "day": dates.format_day(day)})
        if status and status != Client.Status.REFERRED and not admitted \
                and not values.get("admitted_on"):
            check.error(kind, row, _("the admission date is missing: only a referral has "
                                     "none."))
        if status == Client.Status.REFERRED and (admitted or ended):
            check.error(kind, row, _("a referral has no admission or end date: give the "
                                     "status the client has now."))
        if status in Client.ENDED and not ended and not values.get("ended_on"):
            check.error(kind, row, _("the end date is missing: a client who moved on or was "
                                     "discharged has one."))
        if status and status not in Client.ENDED and ended:
            check.error(kind, row, _("an end date is given, but the status is %(status)s.")
                        % {"status": status.label})
        if referred and admitted and admitted < referred:
            check.error(kind, row, _("the admission date is before the referral date."))
        if admitted and ended and ended < admitted:
            check.error(kind, row, _("the end date is before the admission date."))
        worker = None
        if name := values.get("keyworker", ""):
            worker = _person(lookups, name)
            if worker is None:
                check.error(kind, row, _("keyworker '%(name)s' is not a member of staff (give "
                                         "their username or e-mail).") % {"name": name})
            elif status == Client.Status.REFERRED:
                check.error(kind, row, _("a referral has no keyworker yet: leave it empty, or "
                                         "give the admission date and status."))
            elif site and not worker.works_at(site):
                check.error(kind, row, _("keyworker '%(name)s' does not work at %(site)s.")
                            % {"name": name, "site": site.name})
            elif worker.role not in (User.Role.KEYWORKER, User.Role.MANAGER):
                check.error(kind, row, _("'%(name)s' is an administrator: only keyworkers and "
                                         "managers can be allocated.") % {"name": name})
            elif not worker.is_active and status not in Client.ENDED:
                check.error(kind, row, _("keyworker '%(name)s' is deactivated and cannot take "
                                         "clients.") % {"name": name})
        alerts = "\n".join(part.strip() for line in values.get("alerts", "").splitlines()
                           for part in line.split(";") if part.strip())
        client = Client(site=site, status=status or Client.Status.REFERRED,
                        date_of_birth=born, referred_on=referred or today,
                        admitted_on=admitted, ended_on=ended, alerts=alerts,
                        **{name: values.get(name, "") for name in CLIENT_TEXT})
        try:
            client.clean_fields(exclude=["site", "number", "reference", "photo",
                                         "date_of_birth", "referred_on", "admitted_on",
                                         "ended_on"])
            client.clean()
        except ValidationError as error:
            _model_errors(check, kind, row, error, Client)
        if check.error_count == before:
            check.clients.append((row, client, old, worker))
            check.sites.add(site.pk)
        elif old:
            check.refused.setdefault(old.lower(), row)


def _client_named(check, kind, row, lookups, pending, text):
    """The client a row of the sessions or plans file names, or None (with its error)."""
    if not text:
        check.error(kind, row, _("the client reference is missing."))
        return None
    if text.lower() in pending:
        return pending[text.lower()]
    if text.lower() in check.refused:
        check.error(kind, row, _("client '%(ref)s' has a problem on row %(row)s of the clients "
                                 "file.") % {"ref": text, "row": check.refused[text.lower()]})
        return None
    found = lookups.imported.get(text.lower(), [])
    if len(found) > 1:
        check.error(kind, row, _("old reference '%(ref)s' names clients at %(n)s sites: give "
                                 "the Keywork reference instead.") % {"ref": text,
                                                                      "n": len(found)})
        return None
    if found:
        return found[0]
    if client := lookups.keywork.get(text.lower()):
        return client
    check.error(kind, row, _("client '%(ref)s' is not in the clients file nor in Keywork at "
                             "your sites.") % {"ref": text})
    return None


def _pending(check):
    """{old reference: unsaved Client} of the clients file rows that passed."""
    return {old.lower(): client for _row, client, old, _worker in check.clients}


def _check_sessions(check, lookups, rows, now):
    kind = "sessions"
    pending = _pending(check)
    for row, values in rows:
        before = check.error_count
        client = _client_named(check, kind, row, lookups, pending,
                               values.get("client_reference", ""))
        name = values.get("worker", "")
        worker = _person(lookups, name)
        if not name:
            check.error(kind, row, _("who held the session is missing."))
        elif worker is None:
            check.error(kind, row, _("worker '%(name)s' is not a member of staff (give their "
                                     "username or e-mail).") % {"name": name})
        elif client is not None and not worker.works_at(client.site_id):
            check.error(kind, row, _("worker '%(name)s' does not work at %(site)s.")
                        % {"name": name, "site": client.site.name})
        start = None
        text = values.get("start", "")
        try:
            start = files.parse_moment(text)
        except dates.NonexistentTime as error:
            check.error(kind, row, error.message)
        except ValueError:
            check.error(kind, row, _("start '%(value)s' is not a date and time (use "
                                     "DD/MM/YYYY HH:MM).") % {"value": text})
        if start and start > now:
            check.error(kind, row, _("the start %(when)s is in the future: only past sessions "
                                     "are imported.") % {"when": text})
        minutes = None
        text = values.get("minutes", "")
        try:
            minutes = int(text)
        except ValueError:
            check.error(kind, row, _("minutes '%(value)s' is not a whole number.")
                        % {"value": text})
        else:
            if not 1 <= minutes <= MAX_MINUTES:
                check.error(kind, row, _("a session lasts 1 to %(max)s minutes, not %(n)s.")
                            % {"max": MAX_MINUTES, "n": minutes})
        status = SESSION_STATUSES.get(values.get("status", "").lower())
        if status is None:
            check.error(kind, row, _("status '%(value)s' is not one of held, missed, "
                                     "cancelled.") % {"value": values.get("status", "")})
        cancelled_by = values.get("cancelled_by", "").lower()
        if status == KeyworkSession.Status.CANCELLED and cancelled_by not in ("client", "staff"):
            check.error(kind, row, _("say who cancelled: client or staff."))
        notes = values.get("notes", "")
        if status == KeyworkSession.Status.ATTENDED and not notes:
            check.error(kind, row, _("a held session needs its notes (what was discussed)."))
        if check.error_count > before:
            continue
        session = KeyworkSession(
            client=client, site_id=client.site_id, worker=worker,
            starts_at=start, expected_minutes=minutes, status=status,
            cancelled_by=cancelled_by if status == KeyworkSession.Status.CANCELLED else "",
            discussed=notes, booked_by=worker, booked_at=start, logged_by=worker,
            logged_at=dates.add_minutes(start, minutes))
        if status == KeyworkSession.Status.ATTENDED:
            session.actual_start, session.actual_minutes = start, minutes
        try:
            session.clean()
        except ValidationError as error:
            _model_errors(check, kind, row, error, KeyworkSession)
            continue
        check.sessions.append((row, session))
        check.sites.add(session.site_id)


def _check_plans(check, lookups, rows, today):
    kind = "plans"
    pending = _pending(check)
    by_client = {}  # id(client): [row, Plan, {goal text: (Goal, [Action])}, client]
    existing = set(Plan.objects.filter(client__site__in=lookups.sites)
                   .values_list("client_id", flat=True).distinct())
    for row, values in rows:
        before = check.error_count
        client = _client_named(check, kind, row, lookups, pending,
                               values.get("client_reference", ""))
        starts = _day(check, kind, row, values, "plan_start", _("the plan start"),
                      required=True)
        review = _day(check, kind, row, values, "review_date", _("the review date"),
                      required=True)
        goal_text = values.get("goal", "")
        if not goal_text:
            check.error(kind, row, _("the goal is missing."))
        if client is None or check.error_count > before:
            continue
        if client.status in Client.ENDED or client.status == Client.Status.REFERRED:
            check.error(kind, row, _("client '%(ref)s' is %(status)s: only an admitted or "
                                     "active client has a plan.")
                        % {"ref": values["client_reference"],
                           "status": client.get_status_display().lower()})
            continue
        if client.pk and client.pk in existing:
            check.error(kind, row, _("client '%(ref)s' already has a support plan in Keywork.")
                        % {"ref": values["client_reference"]})
            continue
        entry = by_client.get(id(client))
        if entry is None:
            plan = Plan(client=client, number=1, starts_on=starts, review_on=review,
                        vision=values.get("vision", ""))
            try:
                _check_dates(starts_on=starts, review_on=review)
            except ValidationError as error:
                for message in error.messages:
                    check.error(kind, row, message)
                continue
            entry = by_client[id(client)] = [row, plan, {}, client]
        elif (starts, review) != (entry[1].starts_on, entry[1].review_on):
            check.error(kind, row, _("the plan's dates differ from row %(row)s of the same "
                                     "client.") % {"row": entry[0]})
            continue
        plan = entry[1]
        goal, actions = entry[2].setdefault(
            goal_text.lower(), (Goal(plan=plan, order=len(entry[2]), text=goal_text), []))
        what = values.get("action", "")
        if not what:
            continue
        who = WHO.get(values.get("who", "").lower())
        agency_text = values.get("agency", "")
        agency = lookups.agencies.get((client.site_id, agency_text.lower()))
        if agency_text and agency is None:
            check.error(kind, row, _("agency '%(name)s' is not an agency of %(site)s.")
                        % {"name": agency_text, "site": client.site.name})
            continue
        if values.get("who") and who is None:
            check.error(kind, row, _("who '%(value)s' is not one of client, keyworker, agency.")
                        % {"value": values["who"]})
            continue
        due = _day(check, kind, row, values, "due", _("the due date"))
        if check.error_count > before:
            continue
        try:
            _check_action({"what": what, "who": who, "agency": agency, "due_on": due}, plan)
        except ValidationError as error:
            for message in error.messages:
                check.error(kind, row, message)
            continue
        actions.append(Action(goal=goal, order=len(actions), what=what, who=who,
                              agency=agency if who == Action.Who.AGENCY else None,
                              agency_name=agency.name if agency and who == Action.Who.AGENCY
                              else "", due_on=due))
    for row, plan, goals, client in by_client.values():
        check.plans.append((row, plan, list(goals.values())))
        check.sites.add(client.site_id)


def batch_check(batch, user):
    """Read the batch's files and check every row: a `Checked`."""
    check = Checked()
    lookups = _Lookups(user)
    today, now = timezone.localdate(), timezone.now()
    stored = {f.kind: f for f in batch.files.all()}
    for kind, checker, when in (("clients", _check_clients, today),
                                ("sessions", _check_sessions, now),
                                ("plans", _check_plans, today)):
        if kind not in stored:
            continue
        upload = stored[kind]
        rows = files.parse(bytes(upload.content), upload.name.rsplit(".", 1)[-1].lower(),
                           kind, upload.name)
        check.rows[kind] = len(rows)
        checker(check, lookups, rows, when)
    return check


@transaction.atomic
def batch_preview(*, uploads, by):
    """Keep the uploaded files ({kind: UploadedFile}) as a new batch and check every row:
    the batch, with each file's problems. A file that cannot be read at all raises
    ValidationError and nothing is kept."""
    if not sites_for(by).exists():
        raise ValidationError(_("Only managers and administrators import records."))
    if not uploads:
        raise ValidationError(_("Choose at least one file to import."))
    read = {}
    for kind, upload in uploads.items():
        files.read(upload, kind)  # refuses what cannot be read, before anything is kept
        upload.seek(0)
        read[kind] = (upload.name, upload.read())
    batch = ImportBatch.objects.create(created_by=by)
    for kind, (name, content) in read.items():
        ImportFile.objects.create(batch=batch, kind=kind, name=name[-200:], content=content)
    _record_check(batch, batch_check(batch, by))
    return batch


def _record_check(batch, check):
    for upload in batch.files.all():
        upload.errors = check.errors.get(upload.kind, [])
        upload.error_count = len(upload.errors)
        upload.rows = check.rows.get(upload.kind, 0)
        upload.save()
    batch.counts = {"clients": len(check.clients), "sessions": len(check.sessions),
                    "plans": len(check.plans),
                    "goals": sum(len(goals) for _r, _p, goals in check.plans),
                    "actions": sum(len(a) for _r, _p, goals in check.plans for _g, a in goals)}
    batch.save()
    batch.sites.set(check.sites)


# Importing -------------------------------------------------------------------------------


def _check_may(batch, by):
    """Managers import at their sites and administrators anywhere; a batch that wrote to a
    site the person does not manage is not theirs to run again or undo."""
    mine = set(sites_for(by).values_list("pk", flat=True))
    if not mine:
        raise ValidationError(_("Only managers and administrators import records."))
    if not {site.pk for site in batch.sites.all()} <= mine:
        raise PermissionDenied(_("This import wrote to a site you do not manage."))


class _RowProblems(Exception):
    def __init__(self, check):
        super().__init__()
        self.check = check


def batch_import(*, batch, by):
    """Write every row of a previewed batch, all in one transaction, or nothing: if any
    row has a problem now (the records may have changed since the preview), the problems
    are recorded on the batch for its page and ValidationError raised."""
    try:
        return _import(batch=batch, by=by)
    except _RowProblems as problems:
        with transaction.atomic():
            _record_check(batch, problems.check)
        raise ValidationError(_("%(n)s rows have problems: correct the files and upload "
                                "them again. Nothing was imported.")
                              % {"n": problems.check.error_count}) from None


@transaction.atomic
def _import(*, batch, by):
    _check_may(batch, by)
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != ImportBatch.Status.PREVIEWED:
        raise ValidationError(_("This import has already been run."))
    started = time.monotonic()
    check = batch_check(batch, by)
    if check.error_count:
        raise _RowProblems(check)
    names = {f.kind: f.name for f in batch.files.all()}
    created = {}
    try:
        with transaction.atomic():
            _write(batch, check, names, by, created)
    except IntegrityError as error:
        raise ValidationError(_("The database refused the import (%(error)s); nothing was "
                                "imported.") % {"error": error}) from error
    _record_check(batch, check)
    batch.status = ImportBatch.Status.IMPORTED
    batch.imported_by, batch.imported_at = by, timezone.now()
    batch.created = created
    batch.seconds = round(time.monotonic() - started, 2)
    batch.save()
    return batch


def _insert(model, objects, reasons, by, created):
    insert_with_history(objects, model, user=by, reasons=reasons)
    created.setdefault(model._meta.label, []).extend(obj.pk for obj in objects)


def _write(batch, check, names, by, created):
    sites = {s.pk: s for s in Site.objects.select_for_update().filter(
        pk__in={c.site.pk for _r, c, _o, _w in check.clients})}
    numbers = client_services.top_numbers(list(sites))
    clients, reasons = [], []
    for row, client, _old, _worker in check.clients:
        number = numbers.get(client.site.pk, 0) + 1
        numbers[client.site.pk] = number
        client.number, client.reference = number, f"{client.site.code}-{number:05d}"
        clients.append(client)
        reasons.append(source(names.get("clients"), batch, row))
    _insert(Client, clients, reasons, by, created)
    links, changes, allocations, allocation_reasons = [], [], [], []
    for (row, client, old, worker), reason in zip(check.clients, reasons, strict=True):
        links.append(ImportedClient(batch=batch, client=client, site=client.site,
                                    old_reference=old, row=row))
        on = client.ended_on or client.admitted_on or client.referred_on
        changes.append(StatusChange(client=client, from_status="", to_status=client.status,
                                    on=on, by=by, note=reason, at=timezone.now()))
        if worker is not None:
            # A first allocation, so no reason, as client_allocate's; its history has the source.
            ended = client.status in Client.ENDED
            allocations.append(Allocation(
                client=client, worker=worker, kind=Allocation.Kind.PRIMARY,
                start=client.admitted_on, created_by=by,
                end=client.ended_on + dates.DAY if ended else None,
                ended_by=by if ended else None,
                end_reason=_("Client left the service.") if ended else ""))
            allocation_reasons.append(reason)
    ImportedClient.objects.bulk_create(links)
    created[ImportedClient._meta.label] = [link.pk for link in links]
    StatusChange.objects.bulk_create(changes)
    created[StatusChange._meta.label] = [change.pk for change in changes]
    _insert(Allocation, allocations, allocation_reasons, by, created)
    for _row, session in check.sessions:
        session.site_id = session.client.site_id
        session._derive()
    _insert(KeyworkSession, [s for _r, s in check.sessions],
            [source(names.get("sessions"), batch, row) for row, _s in check.sessions],
            by, created)
    plans, goals, actions = [], [], []
    for row, plan, plan_goals in check.plans:
        plan.created_by = by
        reason = source(names.get("plans"), batch, row)
        plans.append((plan, reason))
        for goal, goal_actions in plan_goals:
            goals.append((goal, reason))
            actions += [(action, reason) for action in goal_actions]
    for model, rows in ((Plan, plans), (Goal, goals), (Action, actions)):
        _insert(model, [obj for obj, _r in rows], [r for _o, r in rows], by, created)


# Undoing ---------------------------------------------------------------------------------


def _own(batch):
    return {label: set(ids) for label, ids in batch.created.items()}


def _client_ids(batch):
    return batch.created.get(Client._meta.label, [])


def _added_since(batch):
    """[(model, count)] of rows about the batch's clients that the batch did not write."""
    from audit.subject_access import client_models

    clients, own, found = _client_ids(batch), _own(batch), []
    if not clients:
        return found
    for model, paths in client_models():
        linked = Q()
        for path in paths:
            linked |= Q(**{f"{path}__in": clients})
        ids = set(model._base_manager.filter(linked).values_list("pk", flat=True))
        if extra := len(ids - own.get(model._meta.label, set())):
            found.append((model, extra))
    return found


def _changed_since(batch):
    """[(model, count)] of changes made to the batch's own rows since the import."""
    found = []
    for label, ids in batch.created.items():
        model = apps.get_model(label)
        if not ids or not hasattr(model, "history"):
            continue
        history = model.history.model._base_manager
        edited = sum(history.filter(**{f"{model._meta.pk.attname}__in": chunk})
                     .exclude(history_type="+").count() for chunk in _chunks(ids))
        if edited:
            found.append((model, edited))
    return found


def _chunks(ids, size=5_000):
    return [ids[start:start + size] for start in range(0, len(ids), size)]


def undo_blockers(batch):
    """What stops the batch being undone, in words a manager can act on (empty if none)."""
    if batch.status != ImportBatch.Status.IMPORTED:
        return [_("Only an import that was run, and not yet undone, can be undone.")]
    blockers = [ngettext("%(n)s %(what)s was added to the imported clients since the import.",
                         "%(n)s %(what)s were added to the imported clients since the import.",
                         n) % {"n": n, "what": (model._meta.verbose_name if n == 1
                                                else model._meta.verbose_name_plural)}
                for model, n in _added_since(batch)]
    blockers += [ngettext("%(n)s change was made to imported %(what)s since the import.",
                          "%(n)s changes were made to imported %(what)s since the import.",
                          n) % {"n": n, "what": model._meta.verbose_name_plural}
                 for model, n in _changed_since(batch)]
    return blockers


@transaction.atomic
def batch_undo(*, batch, by):
    """Remove every row the batch wrote, and their history, leaving the database as it was
    before the import; refused if anyone has changed or added to those records since.

    The rows go by plain DELETEs (children first): the ORM's delete would read each row
    and write a "deleted" history row for it, which undo must not leave behind."""
    _check_may(batch, by)
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if blockers := undo_blockers(batch):
        raise ValidationError(blockers)
    from audit.models import AccessEvent

    for chunk in _chunks(_client_ids(batch)):
        # Who opened an imported record: removed with the record, as retention does.
        AccessEvent.objects.filter(client_id__in=chunk)._raw_delete(AccessEvent.objects.db)
    for model in reversed(WRITTEN):
        for chunk in _chunks(batch.created.get(model._meta.label, [])):
            model._base_manager.filter(pk__in=chunk)._raw_delete(model._base_manager.db)
            if hasattr(model, "history"):
                history = model.history.model._base_manager
                history.filter(**{f"{model._meta.pk.attname}__in": chunk})._raw_delete(
                    history.db)
    batch.status = ImportBatch.Status.UNDONE
    batch.undone_by, batch.undone_at = by, timezone.now()
    batch.save()
    return batch
