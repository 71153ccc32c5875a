"""Forms for client records and allocations. Services do the checks that span rows."""

from crispy_forms.layout import HTML, Div, Field, Fieldset
from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import Client, validate_photo_size
from keywork.lib.files import validate_pixels
from keywork.lib.forms import ReadOnce, form_helper, form_row
from staff.forms import SkillsField
from staff.models import User

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PhotoField(forms.ImageField):
    """A client's photo. Too large a file is refused by its size before Pillow reads it,
    and a picture of more pixels than can be shown safely after (the browser would decode
    it whole)."""

    def to_python(self, data):
        if data is not None and getattr(data, "size", 0):
            validate_photo_size(data)
        photo = super().to_python(data)
        if photo is not None:
            validate_pixels(photo.image.size)
        return photo


# Consent to share is recorded one consent at a time (plans.Consent, on its own page); the
# client's old yes/no, date and scope fields are shown there, no longer edited here.
DETAIL_FIELDS = [
    "first_name", "last_name", "preferred_name", "date_of_birth", "photo",
    "phone", "email", "address",
    "emergency_contact_name", "emergency_contact_relationship", "emergency_contact_phone",
    "languages", "cultural_needs", "preferred_keyworker_gender", "support_wanted",
    "document_language", "easy_read",
    "gp_name", "gp_practice", "gp_phone",
    "alerts",
]


class _KeepsDocumentLanguage:
    """A post without the documents' language (a form from before it was asked) keeps the
    client's language, English for a new client, instead of refusing the whole form."""

    def _language_optional(self):
        self.fields["document_language"].required = False

    def clean_document_language(self):
        return self.cleaned_data["document_language"] or self.instance.document_language


def _detail_layout():
    return [
        Fieldset(_("Name"), form_row("first_name", "last_name", "preferred_name"),
                 form_row("date_of_birth", "photo")),
        Fieldset(_("Contact"), form_row("phone", "email"), "address"),
        Fieldset(_("Emergency contact"),
                 form_row("emergency_contact_name", "emergency_contact_relationship",
                          "emergency_contact_phone")),
        Fieldset(_("Matching"), "languages", "cultural_needs",
                 form_row("preferred_keyworker_gender"), "support_wanted"),
        Fieldset(_("Documents"), form_row("document_language"), "easy_read"),
        Fieldset(_("GP"), form_row("gp_name", "gp_practice", "gp_phone")),
        Fieldset(_("Alerts"), "alerts"),
    ]


class ClientDetailsForm(_KeepsDocumentLanguage, forms.ModelForm):
    """Edit a client's details. Carries the version it was opened at (optimistic locking)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    support_wanted = SkillsField(label=_("Specialist support wanted"), help_text=_(
        "Keyworkers with these specialisms are shown first when allocating."))

    class Meta:
        model = Client
        fields = DETAIL_FIELDS
        field_classes = {"photo": PhotoField}
        widgets = {
            "date_of_birth": DATE,
            "address": forms.Textarea(attrs={"rows": 3}),
            "cultural_needs": forms.Textarea(attrs={"rows": 2}),
            "alerts": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "version" not in self.initial:
            self.initial["version"] = self.instance.version
        self._language_optional()
        self.helper = form_helper(_("Save changes"), "version", *_detail_layout())


class ReferralForm(_KeepsDocumentLanguage, forms.ModelForm):
    """A new client, as a referral to one of the manager's sites."""

    support_wanted = ClientDetailsForm.base_fields["support_wanted"]

    class Meta:
        model = Client
        fields = ["site", "referred_on", "referral_source", "referral_reference",
                  "referral_reason", *DETAIL_FIELDS]
        field_classes = ClientDetailsForm.Meta.field_classes
        widgets = ClientDetailsForm.Meta.widgets | {
            "referred_on": DATE,
            "referral_reason": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites
        self.fields["site"].empty_label = None
        self._language_optional()
        # Its default (today) is a callable, for which Django adds a hidden copy of the
        # first value, to tell a formset's untouched row; one form has no use for it, and
        # on an error Django gave the hidden input aria-describedby: invalid HTML.
        self.fields["referred_on"].show_hidden_initial = False
        self.helper = form_helper(
            _("Save referral"),
            Fieldset(_("Referral"), form_row("site", "referred_on"),
                     form_row("referral_source", "referral_reference"), "referral_reason"),
            *_detail_layout(),
        )
        # The "a different person" button of the likely-duplicates check submits this form.
        self.helper.form_id = "referral-form"

    def clean_referred_on(self):
        value = self.cleaned_data["referred_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The referral date cannot be in the future."))
        return value


class AdmitForm(forms.Form):
    admitted_on = forms.DateField(label=_("Admission date"), widget=DATE,
                                  initial=timezone.localdate)
    note = forms.CharField(label=_("Note"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper(_("Admit"))

    def clean_admitted_on(self):
        value = self.cleaned_data["admitted_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The admission date cannot be in the future."))
        return value


class ActivateForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper(_("Start keywork"))


class EndForm(forms.Form):
    status = forms.ChoiceField(
        label=_("How did they leave?"), widget=forms.RadioSelect,
        choices=[(Client.Status.MOVED_ON, _("Moved on (resettled)")),
                 (Client.Status.DISCHARGED, _("Discharged"))],
    )
    end_kind = forms.ChoiceField(
        label=_("Was the ending planned?"), widget=forms.RadioSelect,
        choices=[(Client.EndKind.PLANNED, _("Planned: agreed with the client")),
                 (Client.EndKind.UNPLANNED, _("Unplanned: e.g. evicted, left without "
                                             "notice, in hospital or custody"))],
    )
    ended_on = forms.DateField(label=_("Date"), widget=DATE, initial=timezone.localdate)
    destination = forms.CharField(label=_("Destination"), max_length=200,
                                  help_text=_("Where they went: e.g. own tenancy, family, "
                                              "hospital, unknown."))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    closing_summary = forms.CharField(
        label=_("Closing summary, written with the client"), required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("In plain words, for the client to keep: what they achieved, what "
                    "comes next, who to contact. Needed for a planned ending; for an "
                    "unplanned one, write what you can."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper(_("Close the record"), attrs={"data-confirm": _(
            "Close this record now? Their booked sessions still to come are cancelled.")})

    def clean_ended_on(self):
        value = self.cleaned_data["ended_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return value


class MoveForm(forms.Form):
    """Move a client to another site, with a handover note for the receiving site."""

    on = forms.DateField(label=_("Date of the move"), widget=DATE, initial=timezone.localdate)
    handover_note = forms.CharField(
        label=_("Handover note"), widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What the receiving site needs to know to allocate and carry on: "
                    "current actions, risks, appointments, what the client wants."),
    )

    def __init__(self, *args, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_site"] = forms.ModelChoiceField(
            queryset=sites, label=_("Move to"), empty_label=_("Choose a site"))
        self.order_fields(["to_site", "on", "handover_note"])
        self.helper = form_helper(_("Move the client"), attrs={"data-confirm": _(
            "Move the client now? Their allocations here end, their booked sessions are "
            "cancelled, and only the new site's staff will see the file.")})

    def clean_on(self):
        value = self.cleaned_data["on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return value


class ReopenForm(forms.Form):
    """A returning client: the new referral that re-opens their ended record."""

    referred_on = forms.DateField(label=_("New referral date"), widget=DATE,
                                  initial=timezone.localdate)
    referral_source = forms.CharField(label=_("Referred by"), max_length=200, required=False)
    referral_reference = forms.CharField(
        label=_("Their reference"), max_length=60, required=False,
        help_text=_("The referring agency's own reference for the client, if they gave one."))
    reason = forms.CharField(label=_("Why they are coming back"),
                             widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper(_("Re-open as a new stay"))

    def clean_referred_on(self):
        value = self.cleaned_data["referred_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The referral date cannot be in the future."))
        return value


class CloseReferralForm(forms.Form):
    """Close a referral that will not become an admission. The page asks once more before
    it is sent: the record becomes archived."""

    outcome = forms.ChoiceField(
        label=_("What happened?"), widget=forms.RadioSelect,
        choices=[(Client.Status.DECLINED, _("Declined: the service cannot offer a place")),
                 (Client.Status.WITHDRAWN, _("Withdrawn by the person or the referrer")),
                 (Client.Status.DID_NOT_ARRIVE, _("Did not arrive"))],
    )
    on = forms.DateField(label=_("Date"), widget=DATE, initial=timezone.localdate)
    reason = forms.ChoiceField(label=_("Why"), choices=[("", _("Choose a reason")),
                                                        *Client.ReferralEndReason.choices])
    note = forms.CharField(label=_("More about it"), required=False,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("Needed when the reason is another one."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper(_("Close the referral"), attrs={"data-confirm": _(
            "Close this referral? The record becomes archived and read-only.")})


class _MatchIterator(ModelChoiceIterator):
    """The choices in the order of the matches given (best first), without a query."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for match in self.field.matches:
            yield self.choice(match.worker)

    def __len__(self):
        return len(self.field.matches) + (self.field.empty_label is not None)


class WorkerChoiceField(forms.ModelChoiceField):
    """Shows each candidate's caseload against their limit, so managers allocate fairly;
    given `matches` (clients.selectors.keyworker_matches) for one client, lists them best
    first with what matches in words."""

    def __init__(self, *args, counts=None, matches=None, **kwargs):
        self.counts = counts or {}
        self.matches = matches
        self.by_worker = {match.worker.pk: match for match in matches or ()}
        self.iterator = _MatchIterator if matches is not None else ReadOnce
        super().__init__(*args, **kwargs)

    def label_from_instance(self, worker):
        if (match := self.by_worker.get(worker.pk)) is not None:
            return _("%(name)s: %(summary)s") % {"name": worker, "summary": match.summary}
        count = self.counts.get(worker.pk, 0)
        label = _("%(name)s: %(count)s of %(limit)s clients") % {
            "name": worker, "count": count, "limit": worker.caseload_limit}
        if count >= worker.caseload_limit:
            label += " " + str(_("(full)"))
        return label


def _workers_field(candidates, counts, label, matches=None):
    return WorkerChoiceField(queryset=candidates, counts=counts, matches=matches, label=label,
                             empty_label=_("Choose a worker"))


class AllocateForm(forms.Form):
    def __init__(self, *args, candidates, matches, has_keyworker, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["worker"] = _workers_field(candidates, None, _("Keyworker"), matches)
        self.fields["reason"] = forms.CharField(
            label=_("Reason for the change"), required=has_keyworker,
            widget=forms.Textarea(attrs={"rows": 2}),
            help_text=_("Kept in the allocation history.") if has_keyworker else "",
        )
        if not has_keyworker:
            self.fields["reason"].widget = forms.HiddenInput()
        self.fields["over_limit_reason"] = forms.CharField(
            label=_("Reason to go over the caseload limit"), required=False,
            widget=forms.Textarea(attrs={"rows": 2}),
            help_text=_("Needed only if the chosen keyworker is full."),
        )
        self.helper = form_helper(_("Allocate"))


class CoKeyworkerForm(forms.Form):
    def __init__(self, *args, candidates, matches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["worker"] = _workers_field(candidates, None, _("Co-keyworker"), matches)
        self.fields["reason"] = forms.CharField(label=_("Why a co-keyworker"), required=False,
                                                widget=forms.Textarea(attrs={"rows": 2}))
        self.helper = form_helper(_("Add co-keyworker"))


class CoverForm(forms.Form):
    first_day = forms.DateField(label=_("First day of cover"), widget=DATE,
                                initial=timezone.localdate)
    last_day = forms.DateField(label=_("Last day of cover"), widget=DATE)
    handover_note = forms.CharField(
        label=_("Handover note"), widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the covering worker needs to know: current actions, risks, "
                    "appointments."),
    )

    def __init__(self, *args, candidates, matches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["worker"] = _workers_field(candidates, None, _("Covering worker"), matches)
        self.order_fields(["worker", "first_day", "last_day", "handover_note"])
        self.helper = form_helper(_("Arrange cover"))

    def clean(self):
        data = super().clean()
        first, last = data.get("first_day"), data.get("last_day")
        if first and last and last < first:
            self.add_error("last_day", _("Cover cannot end before it starts."))
        return data


class AllocationEndForm(forms.Form):
    reason = forms.CharField(label=_("Why it ends"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper(_("End it now"))


class TransferForm(forms.Form):
    """Step two of a bulk transfer: the clients to move and where to."""

    def __init__(self, *args, from_worker, clients, listed, candidates, counts, **kwargs):
        """`clients` checks what is posted; `listed`, the same clients read once, draws
        the boxes (the field would read them again for each time they are drawn)."""
        super().__init__(*args, **kwargs)
        self.fields["clients"] = forms.ModelMultipleChoiceField(
            queryset=clients, widget=forms.CheckboxSelectMultiple, label=_("Clients to move"),
            initial=listed,
        )
        self.fields["clients"].choices = [
            (client.pk, self.fields["clients"].label_from_instance(client))
            for client in listed]
        self.fields["to_worker"] = _workers_field(candidates.exclude(pk=from_worker.pk), counts,
                                                  _("Transfer to"))
        self.fields["reason"] = forms.CharField(label=_("Reason"),
                                                widget=forms.Textarea(attrs={"rows": 2}))
        self.fields["over_limit_reason"] = forms.CharField(
            label=_("Reason to go over the caseload limit"), required=False,
            widget=forms.Textarea(attrs={"rows": 2}),
            help_text=_("Needed only if the transfer takes them over their limit."),
        )
        self.helper = form_helper(_("Transfer"), attrs={"data-confirm": _(
            "Move the ticked clients to the chosen keyworker now?")})


class CaseloadLimitForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["caseload_limit"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["caseload_limit"].widget.attrs.update({"min": 0, "max": 200})
        self.fields["caseload_limit"].label = _("Limit")


class ClientFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or reference"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False,
        choices=[("", _("Current (not ended)")), ("all", _("All, including archived")),
                 *Client.Status.choices],
    )

    def __init__(self, *args, sites, keyworkers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keyworker"] = forms.ModelChoiceField(
            queryset=keyworkers, required=False, label=_("Keyworker"),
            empty_label=_("Any keyworker"))
        self.fields["site"] = forms.ModelChoiceField(
            queryset=sites, required=False, label=_("Site"), empty_label=_("All my sites"))
        self.helper = form_helper(
            None,
            Div(Field("q", placeholder=_("e.g. Smith or DC1-00042")), css_class="col-md-4"),
            Div("status", css_class="col-md-2"),
            Div("keyworker", css_class="col-md-3"),
            Div("site", css_class="col-md-2"),
            Div(HTML('<button type="submit" class="btn btn-primary mb-3 w-100">'
                     + str(_("Filter")) + "</button>"), css_class="col-md-1"),
            method="get", form_class="row g-2 align-items-end mb-3",
        )
