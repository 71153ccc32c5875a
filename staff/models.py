"""Staff, their roles and the sites they work at."""

import re

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from staff import hooks


class Site(models.Model):
    """One day centre or residential project. Staff and clients belong to a site."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    code = models.CharField(
        _("code"),
        max_length=8,
        unique=True,
        help_text=_("Short letters and digits that start the site's client reference numbers."),
    )
    address = models.TextField(_("address"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    uses_ladder = models.BooleanField(
        _("uses the stages ladder"),
        default=False,
        help_text=_("Residential projects usually do: new clients start on probation."),
    )
    keyworkers_use_two_factor = models.BooleanField(
        _("keyworkers log in with a code too"),
        default=False,
        help_text=_("Managers and administrators always log in with a code from an "
                    "authenticator app; tick this to ask it of this site's keyworkers too."),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[A-Z0-9]+$"), name="site_code_upper_alnum"
            ),
        ]

    def __str__(self):
        return self.name


class Skill(models.TextChoices):
    """Specialisms a keyworker offers and a client's file may ask for: the one list both
    sides of matching name (clients.selectors.keyworker_matches compares them)."""

    MENTAL_HEALTH = "mental_health", _("Mental health")
    SUBSTANCE_USE = "substance_use", _("Substance use")
    BENEFITS = "benefits", _("Benefits and money")
    HOUSING = "housing", _("Housing and tenancy")
    EMPLOYMENT = "employment", _("Work, training and education")
    DOMESTIC_ABUSE = "domestic_abuse", _("Domestic abuse")
    WOMEN_ONLY = "women_only", _("Women-only work")
    OFFENDING = "offending", _("Offending and probation")


class Gender(models.TextChoices):
    """A keyworker's gender, recorded only if they choose, for a client who asks for a
    keyworker of a gender."""

    WOMAN = "woman", _("Woman")
    MAN = "man", _("Man")
    NON_BINARY = "non_binary", _("Non-binary")
    PREFER_NOT_TO_SAY = "prefer_not_to_say", _("Prefer not to say")


def validate_skills(value):
    """A list of Skill values, each once."""
    if not isinstance(value, list) or any(item not in Skill.values for item in value):
        raise ValidationError(_("Choose specialisms from the list."))


def split_languages(text):
    """The languages in a free-text list ("english, Polish / Urdu and Arabic"), each once
    as written, in order, without notes in brackets: what matching compares."""
    text = re.sub(r"\([^)]*\)", " ", text or "")
    found = {}
    for part in re.split(r"[,;/\n]|\band\b|&", text, flags=re.IGNORECASE):
        name = " ".join(part.split())
        if name and name.casefold() not in found:
            found[name.casefold()] = name[:1].upper() + name[1:]
    return list(found.values())


class UserQuerySet(models.QuerySet):
    def for_user(self, user):
        """Staff a user may see: everyone at their sites; administrators see all."""
        if not user.is_authenticated:
            return self.none()
        if user.is_administrator:
            return self.all()
        return self.filter(sites__in=user.sites.all()).distinct()

    def workers_at(self, sites):
        """Who can hold keywork sessions and run groups at these sites (ids, sites or a
        queryset of them): the active keyworkers and managers, by name."""
        return (self.filter(sites__in=sites, is_active=True,
                            role__in=[self.model.Role.KEYWORKER, self.model.Role.MANAGER])
                .distinct().order_by("first_name", "last_name", "pk"))


class UserManager(DjangoUserManager.from_queryset(UserQuerySet)):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", User.Role.ADMINISTRATOR)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A member of staff. Deactivated (is_active off) when they leave, never deleted."""

    class Role(models.TextChoices):
        KEYWORKER = "keyworker", _("Keyworker")
        MANAGER = "manager", _("Manager")
        ADMINISTRATOR = "administrator", _("Administrator")

    role = models.CharField(_("role"), max_length=20, choices=Role, default=Role.KEYWORKER)
    sites = models.ManyToManyField(Site, related_name="staff", blank=True, verbose_name=_("sites"))
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    caseload_limit = models.PositiveSmallIntegerField(
        _("caseload limit"),
        default=12,
        help_text=_("How many clients this keyworker can hold as primary keyworker."),
    )
    languages = models.CharField(
        _("languages spoken"), max_length=200, blank=True,
        help_text=_("Separate them with commas, for example: English, Polish."),
    )
    gender = models.CharField(
        _("gender"), max_length=20, choices=Gender, blank=True,
        help_text=_("Optional. Shown to managers only when a client asks for a keyworker of "
                    "a gender."),
    )
    skills = models.JSONField(
        _("specialisms"), default=list, blank=True, validators=[validate_skills],
        help_text=_("What you are experienced in; matched against what a client's file "
                    "asks for."),
    )
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    objects = UserManager()

    class Meta:
        ordering = ["first_name", "last_name", "username"]
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")

    def __str__(self):
        return self.get_full_name() or self.username

    def clean(self):
        super().clean()
        # Deactivating someone who still holds clients would hide those clients from the
        # dashboard and leave their sessions with nobody: the caseload moves first.
        was_active = bool(self.pk) and not self.is_active and User.objects.filter(
            pk=self.pk, is_active=True).exists()
        if was_active and (reasons := hooks.why_not_deactivate(self)):
            raise ValidationError({"is_active": reasons})

    def save(self, *args, **kwargs):
        # The admin site is for administrators only; the role is the one source of truth.
        self.is_staff = self.is_superuser = self.role == self.Role.ADMINISTRATOR
        super().save(*args, **kwargs)

    @property
    def skill_labels(self):
        return [Skill(value).label for value in self.skills if value in Skill.values]

    @property
    def is_keyworker(self):
        return self.role == self.Role.KEYWORKER

    @property
    def is_manager(self):
        return self.role == self.Role.MANAGER

    @property
    def is_administrator(self):
        return self.role == self.Role.ADMINISTRATOR

    @cached_property
    def site_ids(self):
        """The ids of the sites this person works at, read once per User object (a request
        loads its user afresh, so a change of sites counts from the next request)."""
        if "sites" in getattr(self, "_prefetched_objects_cache", {}):
            return frozenset(site.pk for site in self.sites.all())
        return frozenset(self.sites.values_list("pk", flat=True))

    def works_at(self, site):
        """Whether this person works at `site` (a Site or a site id)."""
        return getattr(site, "pk", site) in self.site_ids

    def manages(self, site):
        """Whether this person is a manager at `site` (a Site or a site id): the one test
        of "manager at this site" every service, view and template asks."""
        return self.is_manager and self.works_at(site)


def read_site_ids(users):
    """`users` (a list), each with the ids of the sites they work at (`User.site_ids`,
    what `works_at` asks) read in one query for them all: for many workers at once, where
    prefetch_related("sites") would make a manager and a queryset for each (2 ms for the
    fifty workers of the cover page's choices)."""
    users = list(users)
    found = {user.pk: set() for user in users}
    for user_id, site_id in (User.sites.through.objects.filter(user_id__in=list(found))
                             .values_list("user_id", "site_id")):
        found[user_id].add(site_id)
    for user in users:
        user.__dict__["site_ids"] = frozenset(found[user.pk])  # the cached_property, read
    return users
