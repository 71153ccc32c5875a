"""Groups and workshops: activities, their sessions and registers, and who is a member."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clients.models import Client
from staff.models import Site


class ActivityQuerySet(models.QuerySet):
    def for_user(self, user):
        """Activities of the sites a member of staff works at (keyworkers and managers)."""
        if not (user.is_keyworker or user.is_manager):
            return self.none()
        return self.filter(site_id__in=user.site_ids)


class Activity(models.Model):
    """A group or workshop a site runs (action training workshop, cooking, art)."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="activities")
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        null=True, blank=True, verbose_name=_("usual facilitator"),
        help_text=_("They may change the activity and its sessions as well as the managers."))
    place = models.CharField(_("usual place"), max_length=120, blank=True)
    capacity = models.PositiveSmallIntegerField(_("capacity"), null=True, blank=True,
                                                help_text=_("Leave empty for no limit."))
    is_archived = models.BooleanField(_("archived"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = ActivityQuerySet.as_manager()

    class Meta:
        ordering = ["is_archived", "name", "pk"]
        verbose_name_plural = _("activities")
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="activity_name_per_site"),
            models.CheckConstraint(condition=Q(capacity__isnull=True) | Q(capacity__gt=0),
                                   name="activity_capacity_positive"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("activities:detail", args=[self.pk])

    def may_change(self, user):
        """A manager of the site, or the activity's usual facilitator: the one rule of who
        changes an activity and its sessions."""
        return user.manages(self.site_id) or (
            self.facilitator_id is not None and self.facilitator_id == user.pk
            and user.works_at(self.site_id))


class MembershipQuerySet(models.QuerySet):
    def current(self):
        return self.filter(left_on__isnull=True)


class Membership(models.Model):
    """A client belongs to an activity from `joined_on` until `left_on`: the sessions held
    in between are the denominator of their attendance rate."""

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="memberships")
    client = models.ForeignKey(Client, on_delete=models.PROTECT,
                               related_name="activity_memberships")
    joined_on = models.DateField(_("joined"))
    left_on = models.DateField(_("left"), null=True, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["client__last_name", "client__first_name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "client"],
                                    condition=Q(left_on__isnull=True),
                                    name="one_open_membership"),
            models.CheckConstraint(condition=Q(left_on__isnull=True)
                                   | Q(left_on__gte=F("joined_on")),
                                   name="membership_left_after_joining"),
        ]

    def __str__(self):
        return f"{self.client} · {self.activity}"


class GroupSessionQuerySet(models.QuerySet):
    def held(self, now):
        """Sessions that count toward a rate: not cancelled, already started by `now`."""
        return self.filter(cancelled=False, starts_at__lte=now)


class GroupSession(models.Model):
    """One meeting of an activity, with its own time, place, facilitator and capacity."""

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="sessions")
    starts_at = models.DateTimeField(_("starts"))
    minutes = models.PositiveSmallIntegerField(_("length (minutes)"), default=60)
    facilitator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+", null=True, blank=True,
                                    verbose_name=_("facilitator"))
    place = models.CharField(_("place"), max_length=120, blank=True)
    capacity = models.PositiveSmallIntegerField(_("capacity"), null=True, blank=True)
    cancelled = models.BooleanField(_("cancelled"), default=False)
    cancelled_reason = models.CharField(_("why it was cancelled"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = GroupSessionQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-pk"]
        indexes = [models.Index(fields=["activity", "starts_at"], name="groupsession_start")]
        constraints = [
            models.CheckConstraint(condition=Q(minutes__gt=0), name="groupsession_length"),
            models.CheckConstraint(condition=Q(cancelled=False) | ~Q(cancelled_reason=""),
                                   name="groupsession_cancelled_why"),
            models.CheckConstraint(condition=Q(capacity__isnull=True) | Q(capacity__gt=0),
                                   name="groupsession_capacity_positive"),
        ]

    def __str__(self):
        from keywork.lib.dates import format_day_time

        return f"{self.activity} · {format_day_time(self.starts_at)}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("activities:register", args=[self.pk])


class GroupAttendance(models.Model):
    """A line of a session's register: whether the client came."""

    class Status(models.TextChoices):
        ATTENDED = "attended", _("Attended")
        APOLOGIES = "apologies", _("Sent apologies")
        ABSENT = "absent", _("Did not come")

    session = models.ForeignKey(GroupSession, on_delete=models.PROTECT, related_name="register")
    client = models.ForeignKey(Client, on_delete=models.PROTECT,
                               related_name="group_attendances")
    status = models.CharField(_("status"), max_length=10, choices=Status)
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")
    marked_at = models.DateTimeField(_("marked"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["session", "client__last_name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "client"], name="one_register_line"),
            models.CheckConstraint(condition=Q(status__in=["attended", "apologies", "absent"]),
                                   name="groupattendance_status"),
        ]

    def __str__(self):
        return f"{self.client} · {self.session}: {self.get_status_display()}"
