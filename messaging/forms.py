from django import forms
from django.utils.translation import gettext_lazy as _

from keywork.lib.forms import form_helper
from messaging.models import Channel


class ConsentForm(forms.Form):
    """The client's consent to reminders: yes or no, by text or e-mail, and where to."""

    consents = forms.TypedChoiceField(
        label=_("Does the client want reminders?"), widget=forms.RadioSelect,
        coerce=lambda value: value == "yes", empty_value=None,
        choices=[("yes", _("Yes: they agreed to reminders of their sessions and plan "
                           "review")),
                 ("no", _("No, or they have asked to stop"))],
        error_messages={"required": _("Say whether the client wants reminders.")})
    channel = forms.ChoiceField(label=_("Send them by"), choices=Channel.choices,
                                widget=forms.RadioSelect, initial=Channel.SMS)
    phone = forms.CharField(label=_("Mobile number"), required=False, max_length=40,
                            help_text=_("For texts, e.g. 07700 900123."),
                            widget=forms.TextInput(attrs={"type": "tel",
                                                          "autocomplete": "off"}))
    email = forms.EmailField(label=_("E-mail address"), required=False, max_length=254)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper(_("Save"))
