from django import forms
from django.utils.translation import gettext_lazy as _

from keywork.lib.forms import form_helper
from portal.services import NOTE_LENGTH, REASON_LENGTH


class AccessForm(forms.Form):
    """The client's page: on or off, and where their sign-in codes go."""

    is_on = forms.TypedChoiceField(
        label=_("Does the client want their own page?"), widget=forms.RadioSelect,
        coerce=lambda value: value == "yes", empty_value=None,
        choices=[("yes", _("Yes: they agreed, and sign in with a code sent to them")),
                 ("no", _("No, or they want it turned off"))],
        error_messages={"required": _("Say whether the client wants their page.")})
    phone = forms.CharField(label=_("Mobile number"), required=False, max_length=40,
                            help_text=_("Codes are texted here, e.g. 07700 900123."),
                            widget=forms.TextInput(attrs={"type": "tel",
                                                          "autocomplete": "off"}))
    email = forms.EmailField(label=_("E-mail address"), required=False, max_length=254,
                             help_text=_("Or e-mailed here."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper(_("Save"))


class SignInForm(forms.Form):
    address = forms.CharField(
        label=_("Your mobile number or e-mail address"), max_length=254,
        help_text=_("The one your keyworker has. We send you a code."),
        # Mostly a mobile number: a keyboard of letters (an e-mail keyboard hides the
        # space and puts @ first).
        widget=forms.TextInput(attrs={"autocomplete": "username", "inputmode": "text"}),
        error_messages={"required": _("Enter your mobile number or e-mail address.")})


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("The 6-number code we sent you"), max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        error_messages={"required": _("Enter the code.")})


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Your message"), max_length=NOTE_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 4}),
                           error_messages={"required": _("Write something to send.")})


class CantMakeItForm(forms.Form):
    session = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)
    reason = forms.CharField(label=_("Why? (you do not have to say)"), required=False,
                             max_length=REASON_LENGTH, widget=forms.Textarea(attrs={"rows": 2}))
