"""Login and password forms, laid out for Bootstrap with crispy-forms."""

from django import forms
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy as _

from keywork.lib.forms import form_helper
from staff.models import Skill, User


class SkillsField(forms.MultipleChoiceField):
    """Specialisms (staff.models.Skill) as tick boxes, for a list kept in a JSONField."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(choices=Skill.choices, **kwargs)


class _CrispyMixin:
    submit_label = _("Save")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper(self.submit_label)


class LoginForm(_CrispyMixin, auth_forms.AuthenticationForm):
    submit_label = _("Log in")

    # The login wizard passes `request` only to forms whose signature names it, and
    # django-axes needs it to count failures.
    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
    error_messages = {
        # Say nothing about which of the two was wrong.
        "invalid_login": _(
            "That username and password do not match an active account. "
            "Check both and try again, or reset your password."
        ),
        "inactive": _("This account is not active."),
    }


class PasswordChangeForm(_CrispyMixin, auth_forms.PasswordChangeForm):
    submit_label = _("Change my password")


class PasswordResetForm(_CrispyMixin, auth_forms.PasswordResetForm):
    submit_label = _("Send me a reset link")


class SetPasswordForm(_CrispyMixin, auth_forms.SetPasswordForm):
    submit_label = _("Set my new password")


class ProfileForm(forms.ModelForm):
    """What a member of staff records about themself for matching with clients."""

    skills = SkillsField(label=_("Specialisms"), help_text=User._meta.get_field(
        "skills").help_text)

    class Meta:
        model = User
        fields = ["languages", "gender", "skills"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper(_("Save my profile"))
