"""Forms for booking, logging and correcting sessions, and for quick contacts.

Times are typed in the site's local time (Europe/London) as a day, a start and an end;
the forms turn them into instants (keywork.lib.dates) and a length in real minutes, and say
next to the field what is wrong with them. A time the clocks skip is refused; one they show
twice adds a choice of which, shown only then. Services repeat the checks that need the
database (clashes, rights).
"""

from crispy_forms.bootstrap import InlineRadios
from crispy_forms.layout import HTML, Div, Field
from django import forms
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clients.forms import DATE
from clients.widgets import ClientPicker
from diary.models import (
    LATE_AFTER_DAYS,
    MAX_MINUTES,
    MAX_SERIES,
    ActionProgress,
    Contact,
    DiarySettings,
    KeyworkSession,
    SessionSeries,
    days_late,
)
from keywork.lib import dates
from keywork.lib.forms import ReadOnce, form_helper, form_row
from plans import selectors as plans_selectors
from plans.models import Agency
from staff.models import User

TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
Session = KeyworkSession


def late_reason_field():
    return forms.CharField(
        label=_("Why is this recorded late?"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed when it happened more than a day ago: for example, back from "
                    "leave, or typing up paper notes. Shown with the record."))


class WorkerField(forms.ModelChoiceField):
    """Who holds a session: "Sam Jones (keyworker)", each of the site's workers."""

    iterator = ReadOnce

    def label_from_instance(self, worker):
        # Each role's name translated once (get_role_display() looks it up anew each time).
        if not hasattr(self, "_roles"):
            self._roles = {value: str(label).lower() for value, label in User.Role.choices}
        return f"{worker} ({self._roles.get(worker.role, worker.role)})"


class TimesMixin:
    """Wall-clock fields -> instants: day, start and end -> `starts_at` and `minutes`."""

    def _typed(self, name):
        """What the field holds (typed, or its initial value), or None if that is no value."""
        try:
            return self.fields[name].clean(self[name].value())
        except forms.ValidationError:
            return None

    def ask_which(self, day, names):
        """Add a "which one?" after each time in `names` that the clocks show twice on
        `day`, and only then; return the names of the fields added. `instant()` requires
        the answer when the time is used (an expected return may not be)."""
        asked = []
        for name in names:
            clock = self._typed(name)
            if day and clock and dates.is_ambiguous(day, clock):
                self.fields[f"{name}_fold"] = forms.TypedChoiceField(
                    label=_("Which %(time)s?") % {"time": dates.format_time(clock)},
                    choices=dates.fold_choices(day, clock), coerce=int, empty_value=None,
                    required=False, widget=forms.RadioSelect)
                asked.append(f"{name}_fold")
        return asked

    def instant(self, data, day, name):
        """The instant typed in field `name` on `day`; None, with the reason next to the
        field, for a time the clocks skip or one shown twice without saying which."""
        try:
            return dates.at(day, data[name], data.get(f"{name}_fold"))
        except dates.NonexistentTime as error:
            self.add_error(name, error.message)
        except dates.AmbiguousTime as error:
            which = f"{name}_fold"
            self.add_error(which if which in self.fields else name, error.message)
        return None

    def clean_times(self, data, *, future_ok):
        day, start, end = data.get("day"), data.get("start"), data.get("end")
        if not (day and start and end):
            return data
        starts_at, ends_at = self.instant(data, day, "start"), self.instant(data, day, "end")
        if starts_at is None or ends_at is None:
            return data
        minutes = dates.minutes_between(starts_at, ends_at)
        if minutes < 0:
            self.add_error("end", _("The end is before the start."))
        elif minutes == 0:
            self.add_error("end", _("The end is the same as the start: a session lasts at "
                                    "least a minute."))
        elif minutes > MAX_MINUTES:
            self.add_error("end", _("That is over 8 hours: a session can last at most 8 "
                                    "hours."))
        if not future_ok and starts_at > timezone.now():
            self.add_error("start", _("That is in the future: a session can only be logged "
                                      "once it has happened."))
        data["starts_at"], data["minutes"] = starts_at, minutes
        return data


class BookingForm(TimesMixin, forms.Form):
    """Book a session, or move a booked one (then without the client field)."""

    day = forms.DateField(label=_("Day"), widget=DATE)
    start = forms.TimeField(label=_("Start"), widget=TIME)
    end = forms.TimeField(label=_("End"), widget=TIME)
    place = forms.ChoiceField(label=_("Place"), choices=Session.Place.choices,
                              initial=Session.Place.SITE_ROOM, widget=forms.RadioSelect)
    where = forms.CharField(label=_("Where"), max_length=200, required=False,
                            help_text=_("For an external appointment: the address or service."))
    lone_working = forms.BooleanField(
        label=_("I will be working alone with the client"), required=False,
        help_text=_("The lone-working policy applies: say when you expect to be back."))
    back = forms.TimeField(label=_("Expected back"), required=False, widget=TIME,
                           help_text=_("Needed for an external appointment or lone working."))

    def __init__(self, *args, clients=None, workers, version=None, in_series=False,
                 picker=False, **kwargs):
        super().__init__(*args, **kwargs)
        fields = []
        repeat = []
        if clients is not None:
            repeat = _repeat_fields(self)
        elif in_series:
            self.fields["scope"] = scope_field()
            repeat = [InlineRadios("scope")]
        if clients is not None:
            self.fields["client"] = forms.ModelChoiceField(
                queryset=clients, label=_("Client"), empty_label=_("Choose a client"),
                # A manager books for any client of their sites: a search, not a select
                # of hundreds (a keyworker's caseload stays a select).
                widget=ClientPicker(admitted_only=True) if picker else None,
                error_messages={"invalid_choice": _(
                    "You cannot book sessions for that client: only their keyworkers, their "
                    "cover and managers can.")})
            fields.append("client")
        self.fields["worker"] = WorkerField(queryset=workers, label=_("Held by"),
                                            empty_label=None)
        if version is not None:
            self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput,
                                                        initial=version)
            fields.append("version")
        self.order_fields([*fields, "worker"])
        day = self._typed("day")
        self.helper = form_helper(
            _("Save the booking"),
            *fields, "worker",
            form_row("day", "start", "end", column="col-sm"),
            *self.ask_which(day, ["start", "end"]),
            Field("place"), "where", "lone_working", "back", *self.ask_which(day, ["back"]),
            *repeat,
        )

    def clean(self):
        data = self.clean_times(super().clean(), future_ok=True)
        if "repeat" in self.fields:
            _clean_repeat(self, data)
        needs_back = data.get("place") == Session.Place.EXTERNAL or data.get("lone_working")
        if data.get("place") == Session.Place.EXTERNAL and not data.get("where", "").strip():
            self.add_error("where", _("Say where the appointment is."))
        back_at = None
        if needs_back and not data.get("back"):
            self.add_error("back", _("Say when you expect to be back: the lone-working "
                                     "policy needs it."))
        elif needs_back and data.get("day"):
            back_at = self.instant(data, data["day"], "back")
            if back_at and data.get("starts_at") and back_at <= data["starts_at"]:
                self.add_error("back", _("The expected return must be after the start."))
        data["expected_back_at"] = back_at
        return data


NO_REPEAT = ""
THIS_ONLY, FOLLOWING = "this", "following"


def scope_field():
    return forms.ChoiceField(
        label=_("Change"), widget=forms.RadioSelect, initial=THIS_ONLY,
        choices=[(THIS_ONLY, _("This session only")),
                 (FOLLOWING, _("This and all following sessions of the series"))],
        help_text=_("Sessions already held or logged are never changed."))


def _repeat_fields(form):
    """"Repeat: no / weekly / fortnightly", until a day or for a number of sessions."""
    form.fields["repeat"] = forms.TypedChoiceField(
        label=_("Repeat"), widget=forms.RadioSelect, required=False, initial=NO_REPEAT,
        choices=[(NO_REPEAT, _("No")), *SessionSeries.Interval.choices],
        coerce=int, empty_value=None)
    form.fields["until"] = forms.DateField(
        label=_("Until (the last day)"), widget=DATE, required=False)
    form.fields["count"] = forms.IntegerField(
        label=_("Or a number of sessions"), required=False, min_value=1, max_value=MAX_SERIES,
        help_text=_("At most %(max)s sessions at once: book more when they run out.")
        % {"max": MAX_SERIES})
    return [Div(InlineRadios("repeat"), form_row("until", "count", column="col-sm"),
                css_class="series-fields")]


def _clean_repeat(form, data):
    if not data.get("repeat"):
        data["repeat"] = None
        return
    if data.get("until") and data.get("count"):
        form.add_error("count", _("Give the last day or a number of sessions, not both."))
    elif not data.get("until") and not data.get("count") and "count" not in form.errors:
        form.add_error("until", _("Give the last day, or a number of sessions."))
    elif data.get("until") and data.get("day") and data["until"] < data["day"]:
        form.add_error("until", _("The last day is before the first session."))


class CancelForm(forms.Form):
    """Cancel a booked session, or it and its series' sessions after it."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    cancelled_by = forms.ChoiceField(label=_("Cancelled by"), widget=forms.RadioSelect,
                                     choices=Session.CancelledBy.choices,
                                     error_messages={"required": _(
                                         "Say who cancelled: the client or staff.")})
    reason = forms.CharField(label=_("Why is it cancelled?"), max_length=300,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": _("Say why it is cancelled.")})

    def __init__(self, *args, in_series=False, **kwargs):
        super().__init__(*args, **kwargs)
        scope = []
        if in_series:
            self.fields["scope"] = scope_field()
            self.fields["scope"].label = _("Cancel")
            scope = [InlineRadios("scope")]
        self.helper = form_helper(_("Cancel the session"), "version", *scope,
                                  InlineRadios("cancelled_by"), "reason")


class CadenceForm(forms.Form):
    """How many sessions a week a client is expected to have: their site's, or their own."""

    sessions_per_week = forms.TypedChoiceField(
        label=_("Keywork sessions expected each week"), coerce=int, empty_value=None,
        required=False, widget=forms.RadioSelect)

    def __init__(self, *args, site_default, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sessions_per_week"].choices = [
            ("", _("The site's number (%(n)s a week)") % {"n": site_default}),
            *[(n, str(n)) for n in range(1, 8)]]
        self.helper = form_helper(_("Save"), "sessions_per_week")


class LogForm(TimesMixin, forms.Form):
    """What happened at a session. Carries the version it was opened at, so that a second
    person logging the same session is told instead of overwriting the first."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(
        label=_("What happened?"), widget=forms.RadioSelect,
        choices=[(Session.Status.ATTENDED, _("Attended")),
                 (Session.Status.DID_NOT_ATTEND, _("Did not attend")),
                 (Session.Status.CANCELLED, _("Cancelled"))])
    cancelled_by = forms.ChoiceField(label=_("Cancelled by"), required=False,
                                     widget=forms.RadioSelect,
                                     choices=Session.CancelledBy.choices)
    day = forms.DateField(label=_("Day"), widget=DATE, required=False)
    start = forms.TimeField(label=_("Started"), widget=TIME, required=False)
    end = forms.TimeField(label=_("Ended"), widget=TIME, required=False)
    discussed = forms.CharField(label=_("What was discussed"), required=False,
                                widget=forms.Textarea(attrs={"rows": 4}))
    next_steps = forms.CharField(label=_("Agreed next steps"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 3}))
    progress = forms.CharField(
        label=_("Progress notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Progress against the plan's actions and milestones."))
    risks = forms.CharField(
        label=_("Issues or risks the team must know"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown on the client's summary to all staff at the site until a manager "
                    "marks it dealt with. Leave empty if there are none."))

    def __init__(self, *args, workers, session, actions=(), **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"] = _initial_log(session) | kwargs["initial"]
        super().__init__(*args, **kwargs)
        self.actions = list(actions)
        plan_work = self._action_fields()
        self.fields["worker"] = WorkerField(queryset=workers, label=_("Held by"),
                                            empty_label=None)
        late = []
        if (session.recorded_late if session.is_logged
                else days_late(session.starts_at, timezone.now()) > LATE_AFTER_DAYS):
            self.fields["late_reason"] = late_reason_field()
            self.fields["late_reason"].required = True
            self.fields["late_reason"].error_messages["required"] = _(
                "Say why this is recorded late (for example, back from leave).")
            late = ["late_reason"]
        self.order_fields(["version", "status", "cancelled_by", "worker"])
        self.helper = form_helper(
            _("Save the log") if not session.is_logged else _("Save the correction"),
            "version", InlineRadios("status"),
            Div(InlineRadios("cancelled_by"), css_class="js-cancelled-by"),
            "worker",
            Div(form_row("day", "start", "end", column="col-sm"),
                *self.ask_which(self._typed("day"), ["start", "end"]),
                css_class="js-attended-times"),
            "discussed", "next_steps", *plan_work, "progress", "risks", *late,
        )

    def _action_fields(self):
        """A choice (not worked on, done, partly, not yet) and a note for each open action
        of the plan in force (diary.services.workable_actions); their layout."""
        if not self.actions:
            return []
        layout = [HTML(format_html(
            '<h2 class="h5 mt-3">{}</h2><p class="small text-body-secondary">{}</p>',
            gettext("The plan's actions"),
            gettext("Record how far this session got with each action you worked on. Done "
                    "marks the action done in the plan.")))]
        for action in self.actions:
            recorded = action.recorded
            name = f"action-{action.pk}"
            self.fields[f"{name}-progress"] = forms.ChoiceField(
                label=f"{action.number}. {action.what}" if action.number else action.what,
                required=False,
                widget=forms.RadioSelect,
                choices=[("", _("Not worked on")), *ActionProgress.Progress.choices],
                initial=recorded.progress if recorded else "")
            self.fields[f"{name}-note"] = forms.CharField(
                label=_("Note on action %(n)s") % {"n": action.number or action.what[:40]},
                required=False,
                widget=forms.Textarea(attrs={"rows": 1}),
                initial=recorded.note if recorded else "")
            layout.append(Div(InlineRadios(f"{name}-progress"), f"{name}-note",
                              css_class="border-start ps-2 mb-2"))
        return [Div(*layout, css_class="js-attended-only")]

    def action_progress(self):
        """{action id: (progress, note)} for the actions worked on (cleaned data)."""
        found = {}
        for action in self.actions:
            progress = self.cleaned_data.get(f"action-{action.pk}-progress")
            if progress:
                found[action.pk] = (progress, self.cleaned_data.get(f"action-{action.pk}-note",
                                                                    ""))
        return found

    def clean(self):
        data = super().clean()
        status = data.get("status")
        if status == Session.Status.ATTENDED:
            for name, message in [("day", _("Give the day it was held.")),
                                  ("start", _("Give the time it started.")),
                                  ("end", _("Give the time it ended."))]:
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, message)
            if not data.get("discussed", "").strip():
                self.add_error("discussed", _("Write what was discussed."))
            data = self.clean_times(data, future_ok=False)
        if status == Session.Status.CANCELLED and not data.get("cancelled_by"):
            self.add_error("cancelled_by", _("Say who cancelled: the client or staff."))
        for action in self.actions if status == Session.Status.ATTENDED else ():
            name = f"action-{action.pk}"
            if (data.get(f"{name}-note", "").strip() and not data.get(f"{name}-progress")
                    and f"{name}-progress" not in self.errors):
                self.add_error(f"{name}-progress", _(
                    "Choose done, partly or not yet for this action, or clear its note."))
        return data


def _clock(name, moment):
    """Initial values showing an instant in a wall-clock field (and which, if shown twice)."""
    return {name: dates.local_time(moment), f"{name}_fold": dates.fold_of(moment)}


def _initial_log(session):
    attended = session.status == Session.Status.ATTENDED
    start = session.actual_start if attended else session.starts_at
    minutes = session.actual_minutes if attended else session.expected_minutes
    return {
        "version": session.version,
        "status": session.status if session.is_logged else Session.Status.ATTENDED,
        "cancelled_by": session.cancelled_by,
        "worker": session.worker_id,
        "day": dates.local_day(start),
        **_clock("start", start),
        **_clock("end", dates.add_minutes(start, minutes)),
        "discussed": session.discussed,
        "next_steps": session.next_steps,
        "progress": session.progress,
        "risks": session.risks,
        "late_reason": session.late_reason,
    }


def booking_initial(session):
    back = session.expected_back_at
    return {
        "worker": session.worker_id, "day": dates.local_day(session.starts_at),
        **_clock("start", session.starts_at), **_clock("end", session.ends_at),
        "place": session.place, "where": session.where, "lone_working": session.lone_working,
        **(_clock("back", back) if back else {"back": None}),
    }


class ContactForm(TimesMixin, forms.Form):
    """An informal contact in a few seconds: with whom (the client unless another is
    chosen), what kind, one line, and when if not now (an earlier day too, with why it is
    recorded late). Someone other than the client is named by name and relationship, or
    a professional by agency (of the client's site) and name; static/js/contacts.js shows
    only the fields that apply (all of them without scripts)."""

    with_whom = forms.ChoiceField(label=_("With whom?"), choices=Contact.With.choices,
                                  initial=Contact.With.CLIENT, required=False,
                                  widget=forms.RadioSelect)
    agency = forms.ModelChoiceField(queryset=Agency.objects.none(), required=False,
                                    label=_("Agency"), empty_label=_("Choose an agency"),
                                    help_text=_("From the site's agencies directory."))
    person_name = forms.CharField(label=_("Their name"), required=False, max_length=120)
    relationship = forms.CharField(label=_("Relationship to the client"), required=False,
                                   max_length=80,
                                   help_text=_("For example sister, neighbour, landlord."))
    kind = forms.ChoiceField(label=_("Kind of contact"), choices=Contact.Kind.choices,
                             initial=Contact.Kind.DROP_IN, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}),
                           error_messages={"required": _("Write a line about what the contact "
                                                         "was about.")})
    day = forms.DateField(label=_("On (if not today)"), required=False, widget=DATE)
    time = forms.TimeField(label=_("At (if not now)"), required=False, widget=TIME)
    late_reason = late_reason_field()

    def __init__(self, *args, client, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = plans_selectors.agencies_for(client)
        day = self._typed("day") or timezone.localdate()
        With = Contact.With
        others = " ".join(choice for choice in With.values if choice != With.CLIENT)
        named = " ".join(Contact.NAMED)
        self.helper = form_helper(
            None, InlineRadios("with_whom"),
            Div(Field("agency"), data_shown_for=f"with_whom:{With.PROFESSIONAL}"),
            Div(Field("person_name"), data_shown_for=f"with_whom:{others}"),
            Div(Field("relationship"), data_shown_for=f"with_whom:{named}"),
            InlineRadios("kind"), "note", form_row("day", "time", column="col-sm"),
            *self.ask_which(day, ["time"]), "late_reason", form_tag=False)

    def clean_with_whom(self):
        # Left out (an older page, a quick post): the common case, the client.
        return self.cleaned_data.get("with_whom") or Contact.With.CLIENT

    def clean(self):
        data = super().clean()
        day = data.get("day")
        if day and day != timezone.localdate() and not data.get("time"):
            self.add_error("time", _("Give the time of the contact on that day."))
        if data.get("time"):
            data["at"] = self.instant(data, day or timezone.localdate(), "time")
            if data["at"] and data["at"] > timezone.now():
                self.add_error("time", _("That time is still to come: a contact cannot be "
                                         "logged in the future."))
        elif day and day > timezone.localdate():
            self.add_error("day", _("That day is still to come: a contact cannot be logged "
                                    "in the future."))
        data.setdefault("at", None)
        return data


class StrikeForm(forms.Form):
    reason = forms.CharField(label=_("Why is this entry wrong?"),
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("It stays in the record, crossed out, with this "
                                         "reason."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper(_("Mark as entered in error"))


class AddendumForm(forms.Form):
    text = forms.CharField(label=_("Add a note"), widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("Added below the session, with your name and the date. "
                                       "It cannot be changed afterwards."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper(_("Add the note"))


class RiskForm(forms.Form):
    note = forms.CharField(label=_("How it was dealt with"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


class ApprovalForm(forms.Form):
    """A manager's answer to keywork recorded late: approve it, or send it back saying why."""

    APPROVE, SEND_BACK = "approve", "send_back"

    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed to send it back: say what is wrong, so that it can be put right."))
    # Set by the button pressed, not rendered as a field.
    action = forms.ChoiceField(choices=[(APPROVE, _("Approve")), (SEND_BACK, _("Send back"))],
                               error_messages={"required": _("Approve it or send it back."),
                                               "invalid_choice": _("Approve it or send it back.")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper(None, "note", form_tag=False)


class DiarySettingsForm(forms.ModelForm):
    class Meta:
        model = DiarySettings
        fields = ["sessions_per_week", "edit_window_days", "late_window_days",
                  "late_approval_days"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper(form_tag=False)
