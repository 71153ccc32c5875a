"""Forms for assessments, evidence, promotions and the portfolio."""

import copy

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from keywork.lib.files import validate_document
from keywork.lib.forms import form_helper
from stages.models import AssessmentSettings, PortfolioItem, Rating

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


_RATING = forms.ChoiceField(
    choices=Rating.choices, widget=forms.RadioSelect(attrs={"class": "btn-check"}),
    error_messages={"required": _("Choose a rating, or Not applicable.")})


def _rating_field(label):
    """A need's rating field: `_RATING` copied as a form copies its declared fields
    (Field.__deepcopy__: its own widget and attributes, messages and validators), the
    choices shared rather than deep-copied, since nothing changes them. Building 45
    ChoiceFields afresh (the choices normalised, the messages merged, each time) was a
    tenth of the assessment page's time."""
    field = copy.copy(_RATING)
    field.label = label
    field.widget = copy.copy(_RATING.widget)
    field.widget.attrs = _RATING.widget.attrs.copy()
    field.error_messages = _RATING.error_messages.copy()
    field.validators = _RATING.validators[:]
    return field


class AssessmentForm(forms.Form):
    """One row per need in use: a rating (radio buttons, quick by keyboard) and a note.

    Drawn as a compact grid by stages_tags.assessment_rows; fields are `r<need id>` and
    `n<need id>`.
    """

    assessed_on = forms.DateField(label=_("Date of the assessment"), widget=DATE,
                                  initial=timezone.localdate)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, needs, **kwargs):
        super().__init__(*args, **kwargs)
        self.needs = needs
        for need in needs:
            self.fields[f"r{need.pk}"] = _rating_field(need.name)
            self.fields[f"n{need.pk}"] = forms.CharField(
                label=_("Note on %(need)s") % {"need": need.name}, required=False,
                max_length=300)

    def ratings(self):
        return {need.pk: (self.cleaned_data[f"r{need.pk}"], self.cleaned_data[f"n{need.pk}"])
                for need in self.needs}

    def rows(self):
        """(need, rating field, note field) for the page, in order; the page's
        `{% assessment_rows %}` (stages_tags) draws them."""
        return [(need, self[f"r{need.pk}"], self[f"n{need.pk}"]) for need in self.needs]

    def rated(self):
        """How many needs have a rating (one of the scale or Not applicable) as the form
        stands: the "n of 45 done" the page starts from, before any script runs."""
        rated = set(Rating.values)
        return sum(1 for need in self.needs if self[f"r{need.pk}"].value() in rated)


class EvidenceForm(forms.Form):
    on = forms.DateField(label=_("Date"), widget=DATE, initial=timezone.localdate)
    what = forms.CharField(label=_("Evidence"), widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("What shows the task is done: e.g. “GP registration "
                                       "letter seen”. If not applicable, why."))
    file = forms.FileField(label=_("File (optional)"), required=False,
                           validators=[validate_document],
                           help_text=_("A PDF, JPEG or PNG of at most 5 MB."))

    def __init__(self, *args, task, **kwargs):
        super().__init__(*args, **kwargs)
        if task.where_appropriate:
            self.fields["not_applicable"] = forms.BooleanField(
                label=_("Not applicable for this client"), required=False)
        self.helper = form_helper(_("Save evidence"))


class PromoteForm(forms.Form):
    note = forms.CharField(label=_("Note from the monthly review"),
                           widget=forms.Textarea(attrs={"rows": 2}))
    at_discretion = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, at_discretion=False, **kwargs):
        super().__init__(*args, **kwargs)
        if at_discretion:
            self.fields["note"].label = _("Your reason for promoting with tasks unmet")
            self.fields["note"].help_text = _("Supervision and the client's file show it.")
            self.fields["at_discretion"].initial = True
            self.auto_id = "id_discretion_%s"
        self.helper = form_helper(_("Confirm promotion"))


class DemoteForm(forms.Form):
    lapsed = forms.TypedMultipleChoiceField(
        label=_("The tasks that have lapsed"), coerce=int, widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Their evidence is kept but no longer counts: the client is proposed for "
                    "promotion again once they are evidenced anew."))
    reason = forms.CharField(label=_("Why the client moves down"),
                             widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, evidence=(), **kwargs):
        """`evidence`: what can lapse (stages.selectors.lapsable_evidence)."""
        super().__init__(*args, **kwargs)
        if evidence:
            self.fields["lapsed"].choices = [
                (e.pk, f"{e.task.stage.name}: {e.task_text}") for e in evidence]
        else:
            del self.fields["lapsed"]
        self.helper = form_helper(_("Move down a stage"), submit_class="btn-danger")


class AssessmentSettingsForm(forms.ModelForm):
    class Meta:
        model = AssessmentSettings
        fields = ["reassess_every_weeks"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper(form_tag=False)


class PortfolioForm(forms.ModelForm):
    file = forms.FileField(label=_("File (optional)"), required=False,
                           validators=[validate_document],
                           help_text=_("A PDF, JPEG or PNG of at most 5 MB."))

    class Meta:
        model = PortfolioItem
        fields = ["kind", "on", "title", "text", "in_pdf"]
        widgets = {"on": DATE, "text": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate
        self.helper = form_helper(_("Add to the portfolio"))


class RegisterTaskForm(forms.Form):
    task = forms.ModelChoiceField(label=_("Ladder task"), queryset=None)
    activity = forms.ModelChoiceField(label=_("Counted from the register of"), queryset=None)
    rate = forms.IntegerField(label=_("Rate needed (%)"), min_value=1, max_value=100,
                              help_text=_("The share of the sessions held while the client "
                                          "is a member that they must attend."))
    sessions_needed = forms.IntegerField(
        label=_("Sessions held, at least"), min_value=1, max_value=100, initial=4,
        help_text=_("The rate counts once at least this many sessions were held while the "
                    "client is a member: one workshop attended of one is not yet 100 %."))

    def __init__(self, *args, tasks, activities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["task"].queryset = tasks
        self.fields["task"].label_from_instance = lambda t: f"{t.stage.name}: {t.text}"
        self.fields["activity"].queryset = activities
        self.helper = form_helper(_("Save"), form_tag=False)
