"""Forms for agreements, plans, signatures, reviews, agencies and referrals.

Services do the checks that span rows; forms check what one form can see, so that most
mistakes show next to the field that caused them.
"""

import base64
import binascii
import io

from crispy_forms.layout import Fieldset, Hidden
from django import forms
from django.utils import timezone
from django.utils.choices import BaseChoiceIterator
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from clients.models import DocumentLanguage
from keywork.lib import dates
from keywork.lib.forms import form_helper, form_row
from plans.models import (
    Action,
    Agency,
    Agreement,
    AgreementTemplate,
    Consent,
    Plan,
    Referral,
    Review,
    Signature,
)
from stages.models import Need

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
SIGNATURE_MAX_BYTES = 512 * 1024
SIGNATURE_MAX_SIDE = 4000
SIGNATURE_STORED_WIDTH = 800


class LockedForm(forms.Form):
    """Carries the draft's lock_version it was opened at (see keywork.lib.stale)."""

    lock_version = forms.IntegerField(widget=forms.HiddenInput)


# Agreements -------------------------------------------------------------------------------


class AgreementTemplateForm(forms.ModelForm):
    class Meta:
        model = AgreementTemplate
        fields = ["sessions", "can_expect", "expected_of_client", "confidentiality",
                  "review_interval_weeks"]
        widgets = {
            "sessions": forms.Textarea(attrs={"rows": 2}),
            "can_expect": forms.Textarea(attrs={"rows": 8}),
            "expected_of_client": forms.Textarea(attrs={"rows": 6}),
            "confidentiality": forms.Textarea(attrs={"rows": 6}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["review_interval_weeks"].widget.attrs.update({"min": 1, "max": 13})
        self.helper = form_helper(_("Save the agreement text"))


class AgreementForm(forms.ModelForm):
    lock_version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Agreement
        fields = ["sessions", "can_expect", "expected_of_client", "confidentiality"]
        widgets = AgreementTemplateForm.Meta.widgets

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "lock_version" not in self.initial:
            self.initial["lock_version"] = self.instance.lock_version
        self.helper = form_helper(_("Save the agreement"))


# Plans ------------------------------------------------------------------------------------


class PlanForm(forms.ModelForm):
    """A draft's dates and the client's picture, strengths and constraints."""

    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Plan
        fields = ["starts_on", "review_on", "vision", "strengths", "constraints"]
        widgets = {
            "starts_on": DATE,
            "review_on": DATE,
            "vision": forms.Textarea(attrs={"rows": 4}),
            "strengths": forms.Textarea(attrs={"rows": 3}),
            "constraints": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, submit_label, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "lock_version" not in self.initial:
            self.initial["lock_version"] = self.instance.lock_version
        self.helper = form_helper(submit_label, "lock_version",
                                  form_row("starts_on", "review_on"),
                                  "vision", "strengths", "constraints")

    def _post_clean(self):
        # The service validates the whole version (its dates, plans.services._check_dates,
        # and against its actions too).
        pass


class GoalForm(LockedForm):
    text = forms.CharField(label=_("Goal, in the client's own words"),
                           widget=forms.Textarea(attrs={"rows": 2}))
    lead_agency = forms.ModelChoiceField(
        queryset=Agency.objects.none(), required=False, label=_("Another agency leads on it"),
        empty_label=_("No: we lead on this goal"))
    lead_details = forms.CharField(
        label=_("Their contact details, as the client should see them"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Left empty, the agency's name, contact, phone and e-mail from the "
                    "directory are used."))

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_agency"].queryset = agencies
        self.fields["lead_agency"].choices = _choices(self.fields["lead_agency"], agencies)


class _ReadChoices(BaseChoiceIterator):
    """Choices read once, for many fields: a field given them takes them as they are
    (Django goes over a list of choices again for every field it is given to)."""

    def __init__(self, choices):
        self.choices = choices

    def __iter__(self):
        return iter(self.choices)


def _choices(field, queryset):
    """A model choice field's choices, read from `queryset` itself: once read, the
    agencies the goal's lead and every action row offer come from one query (Django's
    own choices query anew for each field, with a COUNT first). The field's queryset
    still checks what is posted."""
    return _ReadChoices([("", field.empty_label), *(
        (forms.models.ModelChoiceIteratorValue(field.prepare_value(obj), obj),
         field.label_from_instance(obj)) for obj in queryset)])


class ActionForm(forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    what = forms.CharField(label=_("What"), widget=forms.Textarea(attrs={"rows": 2}))
    who = forms.ChoiceField(label=_("Who"), choices=[("", _("Choose who")), *Action.Who.choices])
    agency = forms.ModelChoiceField(queryset=Agency.objects.none(), required=False,
                                    label=_("Which agency"), empty_label="—")
    due_on = forms.DateField(label=_("When?"), widget=DATE)
    need = forms.ModelChoiceField(
        queryset=Need.objects.in_use().select_related("area"), required=False,
        label=_("Support need (optional)"), empty_label="—")

    def __init__(self, *args, agencies, starts_on, finished=frozenset(), choices=None,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies
        for name, field_choices in (choices or {}).items():
            # Read once for the formset (`_ActionFormSet`); the querysets still validate.
            self.fields[name].choices = field_choices
        self.starts_on = starts_on
        self.finished = finished

    def clean(self):
        data = super().clean()
        due, finished = data.get("due_on"), data.get("id") in self.finished
        if due and not finished and not data.get("DELETE") and due < self.starts_on:
            self.add_error("due_on", _("This is before the plan starts (%(day)s).") % {
                "day": dates.format_day(self.starts_on)})
        if data.get("who") == Action.Who.AGENCY and not data.get("agency"):
            self.add_error("agency", _("Choose which agency does it."))
        return data


class MilestoneForm(forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    text = forms.CharField(label=_("How we will know we are getting there"),
                           widget=forms.Textarea(attrs={"rows": 2}))
    target_on = forms.DateField(label=_("Target date"), widget=DATE)


class _RowsFormSet(forms.BaseFormSet):
    """Blank extra rows are ignored; rows ticked for removal are passed on marked `delete`."""

    def rows(self):
        """The cleaned rows with something in them, with `delete` set for removed ones."""
        rows = []
        for form in self.forms:
            data = form.cleaned_data
            if not data:
                continue
            rows.append({**data, "delete": data.get("DELETE", False)})
        return rows


class _ActionFormSet(_RowsFormSet):
    """Every row offers the same agencies and needs: their choices are read from the
    database once for the formset, not once per row (and again for the empty row)."""

    @cached_property
    def _choices(self):
        fields = self.form.base_fields
        return {"agency": _choices(fields["agency"], self.form_kwargs["agencies"]),
                # A need is shown by its name: its area is not read for the choices.
                "need": _choices(fields["need"], fields["need"].queryset.select_related(None))}

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "choices": self._choices}


ActionFormSet = forms.formset_factory(ActionForm, formset=_ActionFormSet, extra=2,
                                      can_delete=True)
MilestoneFormSet = forms.formset_factory(MilestoneForm, formset=_RowsFormSet, extra=1,
                                         can_delete=True)


def _png_from_data_url(value):
    """The PNG a signature pad drew, checked and re-encoded (nothing else survives)."""
    prefix = "data:image/png;base64,"
    if not value.startswith(prefix):
        raise forms.ValidationError(_("The drawn signature did not arrive; draw it again."))
    try:
        raw = base64.b64decode(value[len(prefix):], validate=True)
    except (binascii.Error, ValueError) as error:
        raise forms.ValidationError(_("The drawn signature did not arrive; draw it "
                                      "again.")) from error
    if len(raw) > SIGNATURE_MAX_BYTES:
        raise forms.ValidationError(_("The drawn signature is too large; clear it and draw "
                                      "it again."))
    try:
        image = Image.open(io.BytesIO(raw))
        if image.format != "PNG" or max(image.size) > SIGNATURE_MAX_SIDE:
            raise forms.ValidationError(_("The drawn signature could not be read; draw it "
                                          "again."))
        image = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise forms.ValidationError(_("The drawn signature could not be read; draw it "
                                      "again.")) from error
    if image.getchannel("A").getbbox() is None:
        raise forms.ValidationError(_("The signature box is empty: draw the signature "
                                      "first."))
    if image.width > SIGNATURE_STORED_WIDTH:
        height = round(image.height * SIGNATURE_STORED_WIDTH / image.width)
        image = image.resize((SIGNATURE_STORED_WIDTH, max(height, 1)))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


class SignatureForm(forms.Form):
    """One person's signature: drawn, typed (with the client's agreement in person), or the
    client declining with a reason."""

    content_digest = forms.CharField(widget=forms.HiddenInput, max_length=64)
    role = forms.ChoiceField(choices=Signature.Role.choices, widget=forms.HiddenInput)
    method = forms.ChoiceField(label=_("How"),
                               widget=forms.RadioSelect(attrs={"class": "form-check-input"}))
    name = forms.CharField(label=_("Name of the person signing"), max_length=160,
                           required=False)
    image = forms.CharField(widget=forms.HiddenInput, required=False)
    agreed_in_person = forms.BooleanField(
        label=_("The client read or heard this and agreed to it in person"), required=False)
    declined_reason = forms.CharField(label=_("Why the client declined"), required=False,
                                      widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, role, **kwargs):
        super().__init__(*args, **kwargs)
        methods = [Signature.Method.DRAWN, Signature.Method.TYPED]
        if role == Signature.Role.CLIENT:
            methods.append(Signature.Method.DECLINED)
        self.fields["method"].choices = [(m.value, m.label) for m in methods]
        self.initial.setdefault("method", Signature.Method.DRAWN)
        self.initial["role"] = role

    def clean_image(self):
        value = self.cleaned_data["image"]
        if self.data.get(self.add_prefix("method")) != Signature.Method.DRAWN:
            return b""
        if not value:
            raise forms.ValidationError(_("Draw the signature in the box first."))
        return _png_from_data_url(value)


# Reviews ----------------------------------------------------------------------------------


class ReviewForm(forms.Form):
    """A review: each action's progress, each milestone reached or not, the client's view,
    and what happens next. Fields are made per action and milestone of the plan."""

    held_on = forms.DateField(label=_("Review held on"), widget=DATE,
                              initial=timezone.localdate)
    client_view = forms.CharField(label=_("The client's view of their progress"),
                                  widget=forms.Textarea(attrs={"rows": 3}))
    notes = forms.CharField(label=_("Your notes"), required=False,
                            widget=forms.Textarea(attrs={"rows": 2}))
    rating = forms.TypedChoiceField(
        label=_("The client's rating of the support"), required=False, coerce=int,
        empty_value=None, widget=forms.RadioSelect,
        choices=[("", _("Not given"))] + [(n, str(n)) for n in range(1, 6)],
        help_text=_("Ask the client: from 1 (poor) to 5 (very good)."))
    decision = forms.ChoiceField(label=_("What happens next"), choices=Review.Decision.choices,
                                 widget=forms.RadioSelect, initial=Review.Decision.CONTINUE)
    next_review_on = forms.DateField(label=_("Next review date"), widget=DATE)

    def __init__(self, *args, plan, goals, **kwargs):
        super().__init__(*args, **kwargs)
        self.goals = goals
        for goal in goals:
            for action in goal.actions.all():
                self.fields[f"action-{action.pk}-outcome"] = forms.ChoiceField(
                    label=_("How it went"), choices=Action.Outcome.choices,
                    initial=action.outcome)
                self.fields[f"action-{action.pk}-learnt"] = forms.CharField(
                    label=_("What was learnt"), required=False, initial=action.learnt,
                    widget=forms.Textarea(attrs={"rows": 1}))
            for milestone in goal.milestones.all():
                self.fields[f"milestone-{milestone.pk}-reached_on"] = forms.DateField(
                    label=_("Reached on"), required=False, widget=DATE,
                    initial=milestone.reached_on)

    def rows(self):
        """[(goal, [(action, outcome field, learnt field)], [(milestone, field)])]."""
        return [
            (goal,
             [(a, self[f"action-{a.pk}-outcome"], self[f"action-{a.pk}-learnt"])
              for a in goal.actions.all()],
             [(m, self[f"milestone-{m.pk}-reached_on"]) for m in goal.milestones.all()])
            for goal in self.goals
        ]

    def progress(self):
        data = self.cleaned_data
        return {
            a.pk: (data[f"action-{a.pk}-outcome"], data[f"action-{a.pk}-learnt"])
            for goal in self.goals for a in goal.actions.all()
        }

    def reached(self):
        data = self.cleaned_data
        return {m.pk: data[f"milestone-{m.pk}-reached_on"]
                for goal in self.goals for m in goal.milestones.all()}


class ManagerReviewForm(forms.Form):
    comments = forms.CharField(
        label=_("Your comments"), widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What is going well, what should change, anything to raise in "
                    "supervision."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper(_("Sign off the review"))


class ActionProgressForm(forms.Form):
    outcome = forms.ChoiceField(label=_("How it went"), choices=Action.Outcome.choices)
    learnt = forms.CharField(label=_("What was learnt"), required=False,
                             widget=forms.Textarea(attrs={"rows": 1}))


class MilestoneReachedForm(forms.Form):
    reached_on = forms.DateField(label=_("Reached on"), widget=DATE, required=False)


class ReviewListForm(forms.Form):
    show = forms.ChoiceField(
        label=_("Show"), required=False,
        choices=[("all", _("Everything that needs attention")),
                 ("overdue", _("Reviews overdue")),
                 ("unsigned", _("Unsigned drafts")),
                 ("manager", _("Manager's 4-13 week review")),
                 ("none", _("No plan yet"))])


# Agencies and referrals -------------------------------------------------------------------


class AgencyForm(forms.ModelForm):
    class Meta:
        model = Agency
        fields = ["name", "kind", "service", "contact_name", "phone", "email", "address",
                  "is_active"]
        widgets = {"address": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper(_("Save the agency"), form_row("name", "kind", "service"),
                                  form_row("contact_name", "phone", "email"), "address",
                                  "is_active")

    def clean_name(self):
        # The site is not a field of the form, so Django leaves the one-name-per-site
        # constraint to the database, which would answer with a server error.
        name = self.cleaned_data["name"]
        if (Agency.objects.filter(site_id=self.instance.site_id, name=name)
                .exclude(pk=self.instance.pk).exists()):
            raise forms.ValidationError(_("This site already has an agency called "
                                          "“%(name)s”.") % {"name": name})
        return name


class ConsentForm(forms.Form):
    """A client's consent to share with one agency, or with every agency of a kind."""

    agency = forms.ModelChoiceField(queryset=Agency.objects.none(), label=_("Agency"),
                                    required=False, empty_label=_("No one agency: a kind"))
    agency_kind = forms.ChoiceField(label=_("Or every agency of this kind"), required=False,
                                    choices=[("", "—"), *Agency.Kind.choices])
    purpose = forms.CharField(label=_("Purpose"), widget=forms.Textarea(attrs={"rows": 2}),
                              help_text=_("What the information is shared for: share what "
                                          "is needed, no more."))
    how = forms.ChoiceField(label=_("How it was given"), choices=Consent.How.choices,
                            widget=forms.RadioSelect)
    given_by = forms.CharField(label=_("Given by"), required=False, max_length=120,
                               help_text=_("Only when someone gave it on the client's "
                                           "behalf: their name and role."))
    given_on = forms.DateField(label=_("Given on"), widget=DATE, initial=timezone.localdate)
    expires_on = forms.DateField(label=_("Expires on"), widget=DATE,
                                 help_text=_("The last day it covers. It is listed among "
                                             "what is due two weeks before."))

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies
        self.helper = form_helper(_("Record the consent"), form_row("agency", "agency_kind"),
                                  "purpose", "how", "given_by",
                                  form_row("given_on", "expires_on"))

    def clean(self):
        data = super().clean()
        if bool(data.get("agency")) == bool(data.get("agency_kind")):
            self.add_error("agency", _("Choose one agency, or a kind of agency (not both)."))
        return data


class ConsentWithdrawForm(forms.Form):
    on = forms.DateField(label=_("Withdrawn on"), widget=DATE, initial=timezone.localdate)
    note = forms.CharField(label=_("Note"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper(_("Withdraw the consent"), attrs={"data-confirm": _(
            "Withdraw this consent? Nothing more is shared under it.")})


class ReferralForm(forms.Form):
    """A referral to an agency, with what it is shared on: the client's consent in force,
    consent given now, or a recorded reason to share without it."""

    HELD, NOW, WITHOUT = "held", "now", "without"
    # What the service's errors name, and the field of this form that sets it.
    FIELD_FOR = {"consent": "basis", "how": "consent_how", "given_by": "consent_given_by",
                 "expires_on": "consent_expires_on", "purpose": "consent_purpose",
                 "given_on": "made_on"}

    agency = forms.ModelChoiceField(queryset=Agency.objects.none(), label=_("Agency"),
                                    empty_label=_("Choose an agency"))
    made_on = forms.DateField(label=_("Referred on"), widget=DATE, initial=timezone.localdate)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    follow_up_on = forms.DateField(label=_("Follow up on"), widget=DATE, required=False,
                                   help_text=_("When to check whether they answered."))
    basis = forms.ChoiceField(
        label=_("What is it shared on?"), widget=forms.RadioSelect, initial=HELD,
        choices=[(HELD, _("The client's consent on record (checked when you save)")),
                 (NOW, _("The client gives consent now")),
                 (WITHOUT, _("Share without consent, for a reason the law allows"))])
    consent_how = forms.ChoiceField(label=_("How consent was given"), required=False,
                                    choices=[("", "—"), *Consent.How.choices])
    consent_given_by = forms.CharField(label=_("Given by"), required=False, max_length=120,
                                       help_text=_("Only when someone gave it on the "
                                                   "client's behalf."))
    consent_expires_on = forms.DateField(label=_("Consent expires on"), widget=DATE,
                                         required=False)
    consent_purpose = forms.CharField(label=_("Purpose of the consent"), required=False,
                                      help_text=_("Left empty: the reason for the referral."))
    shared_without = forms.ChoiceField(label=_("Reason to share without consent"),
                                       required=False,
                                       choices=[("", "—"), *Referral.SharedWithout.choices])
    shared_without_note = forms.CharField(
        label=_("What makes it necessary, and who decided"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies
        self.helper = form_helper(
            _("Save the referral"), "agency", form_row("made_on", "follow_up_on"), "reason",
            Fieldset(_("Consent to share"), "basis",
                     Fieldset(_("If consent is given now"),
                              form_row("consent_how", "consent_expires_on"),
                              form_row("consent_given_by", "consent_purpose")),
                     Fieldset(_("If shared without consent"), "shared_without",
                              "shared_without_note")))

    def clean(self):
        data = super().clean()
        basis = data.get("basis")
        if basis == self.NOW:
            if not data.get("consent_how"):
                self.add_error("consent_how", _("Say how the client gave consent."))
            if not data.get("consent_expires_on"):
                self.add_error("consent_expires_on", _("Give the day the consent expires."))
        elif basis == self.WITHOUT:
            if not data.get("shared_without"):
                self.add_error("shared_without", _("Choose the reason to share without "
                                                   "consent."))
            if not data.get("shared_without_note", "").strip():
                self.add_error("shared_without_note", _("Say what makes it necessary, and "
                                                        "who decided."))
        return data

    def service_fields(self):
        """The form's answers as referral_make takes them."""
        data = self.cleaned_data
        fields = {name: data[name] for name in ("agency", "made_on", "reason", "follow_up_on")}
        if data["basis"] == self.NOW:
            fields["new_consent"] = {
                "how": data["consent_how"], "given_by": data["consent_given_by"],
                "expires_on": data["consent_expires_on"],
                "purpose": data["consent_purpose"] or data["reason"]}
        elif data["basis"] == self.WITHOUT:
            fields["shared_without"] = data["shared_without"]
            fields["shared_without_note"] = data["shared_without_note"]
        return fields


class ReferralOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Referral.Outcome.choices)
    outcome_note = forms.CharField(label=_("About the outcome"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 3}))
    follow_up_on = forms.DateField(label=_("Follow up on"), widget=DATE, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper(_("Save"), Fieldset("", "outcome", "outcome_note",
                                                      "follow_up_on"))


class PaperSignForm(forms.Form):
    """A draft plan signed on paper: the scan, the day and the two names as signed."""

    scan = forms.FileField(
        label=_("Scan of the signed plan"),
        help_text=_("A PDF, JPEG or PNG of at most 5 MB, showing both signatures."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))
    signed_on = forms.DateField(label=_("Signed on"), widget=DATE)
    client_name = forms.CharField(label=_("Client's name as signed"), max_length=160)
    worker_name = forms.CharField(label=_("Worker's name as signed"), max_length=160)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper(_("Record the signed paper plan"), "scan",
                                  form_row("signed_on"),
                                  form_row("client_name", "worker_name"))


class DocumentVersionForm(forms.Form):
    """Which version of the client's documents to show and print (a GET form: it changes
    nothing). Its first values are the client's own choices."""

    language = forms.ChoiceField(label=_("Language"), choices=DocumentLanguage.choices)
    version = forms.ChoiceField(label=_("Version"), widget=forms.RadioSelect, choices=[
        ("standard", _("Standard")),
        ("easy", _("Easy read: short sentences, large type, a picture beside each idea"))])

    def __init__(self, *args, document=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper(_("Show this version"), form_row("language", "version"),
                                  method="get")
        if document:
            self.helper.layout.append(Hidden("document", document))
