"""Forms for activities, their sessions, members and registers."""

from django import forms
from django.utils.translation import gettext_lazy as _

from activities.models import Activity, GroupAttendance, GroupSession
from clients.models import Client
from clients.widgets import ClientPicker
from keywork.lib import dates
from keywork.lib.forms import form_helper, form_row
from staff.models import User

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class ActivityForm(forms.ModelForm):
    class Meta:
        model = Activity
        fields = ["name", "description", "facilitator", "place", "capacity", "is_archived"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, site, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facilitator"].queryset = User.objects.workers_at([site])
        if self.instance.pk is None:
            del self.fields["is_archived"]
        else:
            self.fields["is_archived"].help_text = _(
                "An archived activity leaves the list; its registers and rates stay.")
        self.helper = form_helper(_("Save"))


class SessionForm(forms.ModelForm):
    """A session's day and start time (Europe/London) become its `starts_at`."""

    day = forms.DateField(label=_("Day"), widget=DATE)
    start = forms.TimeField(label=_("Starts at"), widget=TIME)

    class Meta:
        model = GroupSession
        fields = ["minutes", "facilitator", "place", "capacity", "cancelled",
                  "cancelled_reason"]

    def __init__(self, *args, activity, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facilitator"].queryset = User.objects.workers_at([activity.site])
        self.fields["minutes"].max_value = 8 * 60
        if self.instance.pk:
            self.initial.setdefault("day", dates.local_day(self.instance.starts_at))
            self.initial.setdefault("start", dates.local_time(self.instance.starts_at))
        else:
            del self.fields["cancelled"], self.fields["cancelled_reason"]
        self.helper = form_helper(_("Save"), form_row("day", "start", "minutes"),
                                  "facilitator", form_row("place", "capacity"),
                                  *[name for name in ("cancelled", "cancelled_reason")
                                    if name in self.fields])

    def clean_minutes(self):
        minutes = self.cleaned_data["minutes"]
        if minutes is not None and not 0 < minutes <= 8 * 60:
            raise forms.ValidationError(_("A session lasts between 1 minute and 8 hours."))
        return minutes

    def clean(self):
        data = super().clean()
        day, start = data.get("day"), data.get("start")
        if day and start:
            try:
                self.instance.starts_at = dates.at(day, start)
            except dates.NonexistentTime as error:
                self.add_error("start", error.message)
            except dates.AmbiguousTime:
                self.add_error("start", _("The clocks show that time twice that night: "
                                          "choose another time."))
        return data


class MemberForm(forms.Form):
    client = forms.ModelChoiceField(label=_("Client"), queryset=Client.objects.none(),
                                    widget=ClientPicker())
    joined_on = forms.DateField(label=_("Joined on"), widget=DATE, required=False,
                                help_text=_("Leave empty for today."))

    def __init__(self, *args, activity, clients, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients
        self.fields["client"].widget.site = activity.site
        self.helper = form_helper(_("Add to the group"), form_row("client", "joined_on"),
                                  form_tag=False)


class RegisterForm(forms.Form):
    """One choice per person on the register, `c<client id>`, plus someone to add."""

    add = forms.ModelChoiceField(label=_("Add someone who is not a member"), required=False,
                                 queryset=Client.objects.none(), widget=ClientPicker(),
                                 help_text=_("They join the group from this session."))

    def __init__(self, *args, lines, others, site, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = lines
        for client, status in lines:
            self.fields[f"c{client.pk}"] = forms.ChoiceField(
                label=client.display_name, choices=GroupAttendance.Status.choices,
                initial=status or GroupAttendance.Status.ABSENT,
                widget=forms.RadioSelect)
        self.fields["add"].queryset = others
        self.fields["add"].widget.site = site

    def statuses(self):
        statuses = {client.pk: self.cleaned_data[f"c{client.pk}"] for client, _ in self.lines}
        if self.cleaned_data.get("add") is not None:
            statuses[self.cleaned_data["add"].pk] = GroupAttendance.Status.ATTENDED
        return statuses
