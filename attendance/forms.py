from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from keywork.lib.forms import form_helper

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class VisitorForm(forms.Form):
    """Someone new at the door: a name is enough; anything else only if they give it."""

    name = forms.CharField(label=_("Name they give"), max_length=160,
                           error_messages={"required": _("Write the name they give, even a "
                                                         "first name only.")})
    description = forms.CharField(label=_("Description (optional)"), max_length=300,
                                  required=False)
    date_of_birth = forms.DateField(label=_("Date of birth (if they give it)"),
                                    required=False, widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper(None, form_tag=False)

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Write the name they give, even a first name only."))
        return name

    def clean_date_of_birth(self):
        born = self.cleaned_data["date_of_birth"]
        if born and born > timezone.localdate():
            raise forms.ValidationError(_("The date of birth cannot be in the future."))
        if born and born.year < 1900:
            raise forms.ValidationError(_("Check the year of birth."))
        return born
