from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.widgets import ClientPickerMultiple
from keywork.lib.forms import form_helper
from safeguarding.models import Ban, Incident

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
TEXT = {"rows": 3}


class IncidentForm(forms.ModelForm):
    """Raise a concern or an incident. The clients and staff to choose from are those of
    the user's sites; the service checks they are of the chosen site. The clients are
    found by typing (the picker): a large site has thousands."""

    clients = forms.ModelMultipleChoiceField(
        queryset=None, required=False, label=_("Clients involved"),
        widget=ClientPickerMultiple(site_field_id="id_site"),
        help_text=_("Find each by name or reference and tick them."))

    class Meta:
        model = Incident
        fields = ["kind", "site", "happened_on", "happened_time", "place", "what", "clients",
                  "others_involved", "staff_present", "immediate_action", "risk",
                  "linked_risk", "reported_to_la", "la_reported_on", "la_reference"]
        widgets = {"happened_on": DATE, "happened_time": TIME, "la_reported_on": DATE,
                   "what": forms.Textarea(attrs=TEXT),
                   "others_involved": forms.Textarea(attrs={"rows": 2}),
                   "immediate_action": forms.Textarea(attrs=TEXT),
                   "linked_risk": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, sites, clients, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites
        self.fields["site"].empty_label = None
        self.fields["clients"].queryset = clients
        self.fields["staff_present"].queryset = staff
        self.fields["staff_present"].help_text = _("Hold Ctrl (or Cmd) to choose more than "
                                                   "one.")
        self.fields["happened_on"].initial = timezone.localdate
        self.fields["la_reported_on"].help_text = _("Needed when it was reported.")
        self.fields["la_reference"].help_text = _("Needed when it was reported.")
        self.helper = form_helper(_("Raise it"))


class ReviewForm(forms.Form):
    review_note = forms.CharField(label=_("What the review found"),
                                  widget=forms.Textarea(attrs=TEXT))
    follow_up = forms.CharField(label=_("Follow-up"), required=False,
                                widget=forms.Textarea(attrs={"rows": 2}))
    shared_with = forms.ModelMultipleChoiceField(
        queryset=None, required=False, label=_("Also shared with"),
        help_text=_("Colleagues who need to read this record. Hold Ctrl (or Cmd) to choose "
                    "more than one."))
    reported_to_la = forms.BooleanField(label=_("Reported to the local authority"),
                                        required=False)
    la_reported_on = forms.DateField(label=_("Date reported"), required=False, widget=DATE)
    la_reference = forms.CharField(label=_("Local authority reference"), required=False,
                                   max_length=100)

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shared_with"].queryset = staff
        self.helper = form_helper(_("Save the review"))


class CloseForm(forms.Form):
    outcome = forms.CharField(label=_("Outcome"), widget=forms.Textarea(attrs=TEXT))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper(_("Close the record"))


class BanForm(forms.ModelForm):
    class Meta:
        model = Ban
        fields = ["kind", "reason", "starts_on", "ends_on", "review_on", "decided_by",
                  "incident"]
        widgets = {"starts_on": DATE, "ends_on": DATE, "review_on": DATE,
                   "reason": forms.Textarea(attrs=TEXT)}

    def __init__(self, *args, managers, incidents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decided_by"].queryset = managers
        self.fields["decided_by"].empty_label = None
        self.fields["incident"].queryset = incidents
        self.fields["incident"].empty_label = _("None")
        self.fields["starts_on"].initial = timezone.localdate
        self.helper = form_helper(_("Record the ban"))


class BanReviewForm(forms.Form):
    review_on = forms.DateField(label=_("Next review by"), widget=DATE)
    note = forms.CharField(label=_("Why the ban stays"), widget=forms.Textarea(attrs=TEXT))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper(_("Keep the ban and set the next review"))


class LiftForm(forms.Form):
    reason = forms.CharField(label=_("Why it is lifted"), widget=forms.Textarea(attrs=TEXT))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper(_("Lift the ban"), submit_class="btn-danger")
