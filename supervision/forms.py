from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from keywork.lib.forms import form_helper
from supervision.models import CaseAccountability, SupervisionAction

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StartForm(forms.Form):
    held_on = forms.DateField(label=_("Date of the meeting"), widget=DATE,
                              initial=timezone.localdate)

    def __init__(self, *args, keyworkers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keyworker"] = forms.ModelChoiceField(
            queryset=keyworkers, label=_("Keyworker"), empty_label=_("Choose a keyworker"))
        self.order_fields(["keyworker", "held_on"])
        self.helper = form_helper(_("Start supervision"))


class NotesForm(forms.Form):
    """The manager's notes: the four headings and one text per caseload client."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    workload = forms.CharField(label=_("Workload"), required=False,
                               widget=forms.Textarea(attrs={"rows": 2}))
    wellbeing = forms.CharField(label=_("Wellbeing"), required=False,
                                widget=forms.Textarea(attrs={"rows": 2}))
    training = forms.CharField(label=_("Training and development"), required=False,
                               widget=forms.Textarea(attrs={"rows": 2}))
    boundaries = forms.CharField(label=_("Boundaries"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, discussions, **kwargs):
        super().__init__(*args, **kwargs)
        self.discussions = discussions
        for discussion in discussions:
            self.fields[f"c{discussion.client_id}"] = forms.CharField(
                label=_("Discussion about %(name)s") % {"name": discussion.client},
                required=False, widget=forms.Textarea(attrs={"rows": 2}),
                initial=discussion.notes)

    def discussion_texts(self):
        return {d.client_id: self.cleaned_data[f"c{d.client_id}"] for d in self.discussions}


class ActionForm(forms.ModelForm):
    class Meta:
        model = SupervisionAction
        fields = ["client", "what", "who", "by_when"]
        widgets = {"by_when": DATE}

    def __init__(self, *args, clients, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients
        self.fields["client"].required = False
        self.fields["client"].empty_label = _("About the keyworker's work in general")
        self.helper = form_helper(_("Add the action"))


class ConfirmForm(forms.Form):
    comment = forms.CharField(label=_("Your comment (optional)"), required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper(_("Confirm the record"))


class AddendumForm(forms.Form):
    text = forms.CharField(label=_("Add a note"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper(_("Add the note"))


class AccountabilityForm(forms.ModelForm):
    class Meta:
        model = CaseAccountability
        fields = ["holder", "manager"]
        labels = {"holder": _("Who is responsible for the case")}

    def __init__(self, *args, managers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["manager"].queryset = managers
        self.fields["manager"].required = False
        self.fields["holder"].widget = forms.RadioSelect(choices=CaseAccountability.Holder.choices)
        self.helper = form_helper(_("Save"))


class ReportForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), initial="quarter", choices=[
        ("month", _("Last month")), ("quarter", _("Last quarter")), ("year", _("Last year")),
        ("dates", _("Between dates"))])
    start = forms.DateField(label=_("From"), required=False, widget=DATE)
    end = forms.DateField(label=_("To"), required=False, widget=DATE)

    def __init__(self, *args, sites, keyworkers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"] = forms.ModelChoiceField(
            queryset=sites, required=False, label=_("Site"), empty_label=_("All my sites"))
        self.fields["keyworker"] = forms.ModelChoiceField(
            queryset=keyworkers, required=False, label=_("Keyworker"),
            empty_label=_("Every keyworker"))
        self.order_fields(["site", "keyworker", "period", "start", "end"])
