"""The assessment grid (support needs rated on the stage-of-change scale) and the stages
ladder (stages, tasks, evidence, promotions), plus the achievement portfolio.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clients.models import Client
from staff.models import Site


class PrivateStorage(FileSystemStorage):
    """Uploaded evidence and portfolio files: outside static and media, no public URL.

    Served only through views that check the user may see the client. The folder is read
    from settings.PRIVATE_MEDIA_ROOT when used (not when models load), so deployments and
    tests can move it.
    """

    def __init__(self):
        super().__init__(base_url=None)

    @cached_property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_MEDIA_ROOT)

    def _clear_cached_properties(self, setting, **kwargs):
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "PRIVATE_MEDIA_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)


_private_storage = PrivateStorage()


def private_storage():
    """The storage of client files (a callable, so migrations name it, not its folder)."""
    return _private_storage


def private_path(instance, filename):
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"{instance._meta.model_name}/{uuid.uuid4().hex}.{extension}"


class Rating(models.TextChoices):
    """The stage-of-change scale. Scores are this product's linear choice (DOMAIN.md)."""

    PRE_CONTEMPLATION = "pre", _("Pre-contemplation")
    CONTEMPLATION = "contemplation", _("Contemplation")
    DETERMINED = "determined", _("Determined")
    ACTION = "action", _("Action")
    ACHIEVING = "achieving", _("Achieving")
    NOT_APPLICABLE = "na", _("Not applicable")

    @property
    def description(self):
        """What the rating means, in plain words: the assessment form, its results page,
        the glossary and the client's copies all read it here."""
        return DESCRIPTIONS[self]

    @property
    def score(self):
        """The percentage it counts for, or None for not applicable."""
        return SCORES.get(self)


SCORES = {
    Rating.PRE_CONTEMPLATION: 0,
    Rating.CONTEMPLATION: 25,
    Rating.DETERMINED: 50,
    Rating.ACTION: 75,
    Rating.ACHIEVING: 100,
}

DESCRIPTIONS = {
    Rating.PRE_CONTEMPLATION: _("Not thinking about changing this yet. The client may not "
                                "see it as a problem."),
    Rating.CONTEMPLATION: _("Thinking about changing this, but has not decided to."),
    Rating.DETERMINED: _("Has decided to change this and is getting ready to."),
    Rating.ACTION: _("Doing something about it now."),
    Rating.ACHIEVING: _("Has done 5 or more actions on this need."),
    Rating.NOT_APPLICABLE: _("This need does not apply to the client. It is left out of "
                             "the score."),
}


class NeedArea(models.Model):
    name = models.CharField(_("name"), max_length=80, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("support-need area")

    def __str__(self):
        return self.name


class NeedQuerySet(models.QuerySet):
    def in_use(self):
        return self.filter(is_retired=False)


class Need(models.Model):
    """One of the support needs an assessment rates. Retired, never deleted."""

    area = models.ForeignKey(NeedArea, on_delete=models.PROTECT, related_name="needs")
    name = models.CharField(_("name"), max_length=80)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_retired = models.BooleanField(
        _("retired"), default=False,
        help_text=_("Retired needs are no longer rated; old ratings keep their meaning."))
    history = HistoricalRecords()

    objects = NeedQuerySet.as_manager()

    class Meta:
        ordering = ["area__order", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["area", "name"], name="need_name_per_area"),
        ]

    def __str__(self):
        return self.name


class Assessment(models.Model):
    """Every applicable need of a client rated on one day; scores stored with it."""

    class Kind(models.TextChoices):
        INITIAL = "initial", _("Initial assessment")
        REVIEW = "review", _("Re-assessment")

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="assessments")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    assessed_on = models.DateField(_("date"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                           related_name="+")
    overall = models.DecimalField(_("overall %"), max_digits=5, decimal_places=1, null=True)
    area_scores = models.JSONField(
        _("area scores"), default=dict,
        help_text=_("{area id: percentage or null}, computed by stages.services."))
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["-assessed_on", "-pk"]
        # One initial assessment per stay: a returning client has one for each stay, so
        # stages.services.assessment_record checks it (under the client's row lock).
        constraints = [
            models.CheckConstraint(condition=Q(overall__isnull=True)
                                   | Q(overall__gte=0, overall__lte=100),
                                   name="assessment_overall_percentage"),
        ]
        indexes = [models.Index(fields=["client", "assessed_on"])]

    def __str__(self):
        return f"{self.get_kind_display()} of {self.client}, {self.assessed_on}"


class NeedRating(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="ratings")
    need = models.ForeignKey(Need, on_delete=models.PROTECT, related_name="ratings")
    rating = models.CharField(_("rating"), max_length=15, choices=Rating)
    note = models.CharField(_("note"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["need__area__order", "need__order"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "need"], name="one_rating_per_need"),
            models.CheckConstraint(condition=Q(rating__in=Rating.values),
                                   name="rating_on_the_scale"),
        ]

    def __str__(self):
        return f"{self.need}: {self.get_rating_display()}"

    @property
    def score(self):
        return SCORES.get(self.rating)


# The ladder ------------------------------------------------------------------------------


class LadderQuerySet(models.QuerySet):
    def current(self):
        return self.filter(is_current=True).first()


class Ladder(models.Model):
    """One version of the organisation's stages ladder. Editing makes a new version, so
    evidence stays tied to the task text it was given for."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    is_current = models.BooleanField(_("in use"), default=False)
    note = models.CharField(_("what changed"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = LadderQuerySet.as_manager()

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["is_current"], condition=Q(is_current=True),
                                    name="one_current_ladder"),
        ]

    def __str__(self):
        return _("Ladder version %(version)s") % {"version": self.version}


class LadderStage(models.Model):
    ladder = models.ForeignKey(Ladder, on_delete=models.PROTECT, related_name="stages")
    order = models.PositiveSmallIntegerField(_("rung"))
    name = models.CharField(_("name"), max_length=60)
    benefit = models.CharField(_("benefit on reaching it"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["ladder", "order"]
        constraints = [
            models.UniqueConstraint(fields=["ladder", "order"], name="stage_rung_per_ladder"),
        ]

    def __str__(self):
        return self.name


class LadderTask(models.Model):
    """A task to complete on a stage to move up from it."""

    class KnownFrom(models.TextChoices):
        NONE = "", _("Staff record the evidence")
        SIGNED_PLAN = "signed_plan", _("A signed support plan exists")
        FIVE_ACTIONS = "five_actions", _("At least five plan actions done")

    stage = models.ForeignKey(LadderStage, on_delete=models.PROTECT, related_name="tasks")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.CharField(_("task"), max_length=300)
    where_appropriate = models.BooleanField(
        _("where appropriate"), default=False,
        help_text=_("May be set not applicable for a client, with a reason."))
    known_from = models.CharField(
        _("known to the product"), max_length=20, choices=KnownFrom, blank=True,
        help_text=_("Where Keywork can already tell, it shows the answer for staff to confirm."))
    history = HistoricalRecords()

    class Meta:
        ordering = ["stage__order", "order", "pk"]

    def __str__(self):
        return self.text


class ClientStageQuerySet(models.QuerySet):
    def current(self):
        return self.filter(ended_on__isnull=True)


class ClientStage(models.Model):
    """A client's time on one rung: from when they reached it to when they left it."""

    class Move(models.TextChoices):
        START = "start", _("Started on the ladder")
        UP = "up", _("Promoted")
        DOWN = "down", _("Moved down")

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="stages")
    stage = models.ForeignKey(LadderStage, on_delete=models.PROTECT, related_name="+")
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    move = models.CharField(_("how"), max_length=10, choices=Move)
    note = models.TextField(_("note"), blank=True)
    at_discretion = models.BooleanField(
        _("at the manager's discretion"), default=False,
        help_text=_("Promoted with tasks unmet: the note gives the manager's reason."))
    unmet_tasks = models.JSONField(
        _("tasks unmet"), default=list, blank=True,
        help_text=_("The tasks of the stage left, as worded then, when promoted at the "
                    "manager's discretion."))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    objects = ClientStageQuerySet.as_manager()

    class Meta:
        ordering = ["-started_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["client"], condition=Q(ended_on__isnull=True),
                                    name="one_current_stage_per_client"),
            models.CheckConstraint(condition=Q(at_discretion=False) | Q(move="up"),
                                   name="discretion_only_on_promotion"),
        ]

    def __str__(self):
        return f"{self.client} on {self.stage}"

    @property
    def days(self):
        return ((self.ended_on or timezone.localdate()) - self.started_on).days


class EvidenceQuerySet(models.QuerySet):
    def counting(self):
        """The evidence that counts toward a promotion: every row not lapsed. The one rule
        of what counts; the ladder, its selectors and its services all ask it here."""
        return self.filter(lapsed_at__isnull=True)

    def lapsed(self):
        return self.filter(lapsed_at__isnull=False)


class Evidence(models.Model):
    """What shows a client completed a task (or why it does not apply to them).

    When a client moves down a stage because tasks have lapsed, the evidence of the tasks
    the manager names is marked lapsed (who, when, why), never deleted: it stays on the
    record, struck through, and no longer counts. The task can then be evidenced anew.
    """

    class Status(models.TextChoices):
        DONE = "done", _("Evidenced")
        NOT_APPLICABLE = "na", _("Not applicable")

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="evidence")
    task = models.ForeignKey(LadderTask, on_delete=models.PROTECT, related_name="evidence")
    task_text = models.CharField(_("task as given"), max_length=300, editable=False)
    status = models.CharField(_("status"), max_length=4, choices=Status, default=Status.DONE)
    what = models.TextField(_("evidence"), blank=True)
    on = models.DateField(_("date"))
    file = models.FileField(_("file"), storage=private_storage, upload_to=private_path,
                            blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    lapsed_at = models.DateTimeField(_("lapsed"), null=True, blank=True, editable=False)
    lapsed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+", null=True, blank=True, editable=False)
    lapsed_reason = models.TextField(_("why it lapsed"), blank=True, editable=False)
    # Set on evidence made from a group's register (stages.services._evidence_from_rates),
    # None on evidence typed: only the former lapses when the register is corrected.
    from_activity = models.ForeignKey("activities.Activity", on_delete=models.PROTECT,
                                      related_name="+", null=True, blank=True, editable=False,
                                      verbose_name=_("made from the register of"))
    history = HistoricalRecords()

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        ordering = ["-on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["client", "task"], condition=Q(lapsed_at__isnull=True),
                                    name="evidence_counts_once_per_task"),
            models.CheckConstraint(
                condition=Q(lapsed_at__isnull=True, lapsed_by__isnull=True, lapsed_reason="")
                | Q(lapsed_at__isnull=False, lapsed_by__isnull=False) & ~Q(lapsed_reason=""),
                name="evidence_lapsed_with_who_and_why"),
        ]

    def __str__(self):
        return f"{self.task_text} ({self.client})"

    @property
    def is_lapsed(self):
        return self.lapsed_at is not None


class AssessmentSettings(models.Model):
    """How often a site re-assesses its clients. A site without a row uses the default;
    the row is made when a manager first saves."""

    site = models.OneToOneField(Site, on_delete=models.PROTECT,
                                related_name="assessment_settings", verbose_name=_("site"))
    reassess_every_weeks = models.PositiveSmallIntegerField(
        _("re-assess every (weeks)"), default=13,
        validators=[MinValueValidator(2), MaxValueValidator(52)],
        help_text=_("Weeks from the last assessment until the next is due: 13 is about "
                    "three months. Clients are flagged a week before, and once it is "
                    "overdue."))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("assessment settings")
        verbose_name_plural = _("assessment settings")

    def __str__(self):
        return str(self.site)

    @classmethod
    def for_sites(cls, site_ids):
        """{site id: settings} for the given sites, unsaved defaults where none are stored."""
        stored = {s.site_id: s for s in cls.objects.filter(site_id__in=set(site_ids))}
        return {pk: stored.get(pk) or cls(site_id=pk) for pk in set(site_ids)}

    @classmethod
    def for_site(cls, site_id):
        return cls.for_sites([site_id])[site_id]


class PortfolioItem(models.Model):
    """Something the client achieved, to take to interviews and applications."""

    class Kind(models.TextChoices):
        CERTIFICATE = "certificate", _("Certificate")
        ATTENDANCE = "attendance", _("Attendance")
        THANKS = "thanks", _("Thanks")
        PHOTO = "photo", _("Photo")
        WRITE_UP = "write_up", _("Write-up")

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="portfolio")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind)
    on = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=150)
    text = models.TextField(_("in their words"), blank=True)
    file = models.FileField(_("file"), storage=private_storage, upload_to=private_path,
                            blank=True)
    in_pdf = models.BooleanField(_("include in the portfolio PDF"), default=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-on", "-pk"]

    def __str__(self):
        return self.title


class RegisterTask(models.Model):
    """At a site, a ladder task evidenced from a group's register: "at least 50 % of the
    action training workshops" names the site's workshop and the rate needed.

    The ladder is the same at every site but each site runs its own groups, so the link is
    per site: a manager of the site names the activity and the rate. The task's evidence
    is then made from the register (stages.services.evidence_from_register), not typed.
    """

    task = models.ForeignKey(LadderTask, on_delete=models.PROTECT, related_name="registers")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    activity = models.ForeignKey("activities.Activity", on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("activity"))
    rate = models.PositiveSmallIntegerField(
        _("rate needed (%)"), validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("The share of the sessions held while the client is a member that they "
                    "must attend."))
    sessions_needed = models.PositiveSmallIntegerField(
        _("sessions held, at least"), default=4,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("The rate counts once at least this many sessions were held while the "
                    "client is a member: one workshop attended of one is not yet 100 %."))
    history = HistoricalRecords()

    class Meta:
        ordering = ["task__stage__order", "task__order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["task", "site"], name="one_register_per_task_site"),
            models.CheckConstraint(condition=Q(rate__gte=1, rate__lte=100),
                                   name="register_task_rate"),
            models.CheckConstraint(condition=Q(sessions_needed__gte=1),
                                   name="register_task_sessions_needed"),
        ]

    def __str__(self):
        return f"{self.task} · {self.activity} {self.rate}%"

    def met_by(self, rate):
        """Whether a client's Rate at the activity meets the task: the rate needed, of at
        least `sessions_needed` sessions held. The one rule of "a register task is met"."""
        return rate.meets(self.rate, at_least=self.sessions_needed)

    def clean(self):
        if self.activity_id and self.site_id and self.activity.site_id != self.site_id:
            raise ValidationError({"activity": _("Choose an activity of this site.")})
