import contextlib

from django import forms as forms_
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from two_factor import views as two_factor_views

from keywork.lib.forms import add_error
from staff import forms, services
from staff.models import User


@method_decorator(login_not_required, name="dispatch")
class LoginView(two_factor_views.LoginView):
    """Password, then (for whoever has an authenticator app) its code, or a backup code.
    Managers and administrators must have one: audit.middleware sends them to set it up."""

    form_list = (
        (two_factor_views.LoginView.AUTH_STEP, forms.LoginForm),
        *two_factor_views.LoginView.form_list[1:],
    )
    code_labels = {
        two_factor_views.LoginView.TOKEN_STEP: _("Code from your authenticator app"),
        two_factor_views.LoginView.BACKUP_STEP: _("Backup code"),
    }

    def get_form(self, step=None, **kwargs):
        form = super().get_form(step=step, **kwargs)
        if "otp_token" in form.fields:
            form.fields["otp_token"].label = self.code_labels[step or self.steps.current]
        return form

    def dispatch(self, request, *args, **kwargs):
        # The wizard reads the one user it is logging in several times per request; the
        # test suite's N+1 guard (django-zeal) would take that for a list's N+1.
        with _one_row_read_again():
            return super().dispatch(request, *args, **kwargs)


class SetupView(two_factor_views.SetupView):
    """django-two-factor-auth's setup, in Keywork's words: a "code", not a "token", typed
    into a text box (a number box would offer arrows to count up to it)."""

    def get_form(self, step=None, **kwargs):
        form = super().get_form(step=step, **kwargs)
        field = form.fields.get("token")
        if field is not None:
            field.label = _("Code from your authenticator app")
            field.widget = forms_.TextInput(attrs={
                "autofocus": "autofocus", "inputmode": "numeric",
                "autocomplete": "one-time-code", "maxlength": "6"})
            form.error_messages = {**getattr(form, "error_messages", {}), "invalid_token": _(
                "That code did not match. Enter the code the app shows now; it changes "
                "every 30 seconds.")}
        return form


def _one_row_read_again():
    try:
        from zeal import zeal_ignore
    except ImportError:
        return contextlib.nullcontext()
    return zeal_ignore()


def home(request):
    """The greeting page: who you are, where you work and who works with you."""
    user = request.user
    sites = user.sites.all()
    colleagues = (
        User.objects.filter(sites__in=sites, is_active=True)
        .exclude(pk=user.pk)
        .distinct()
        .order_by("first_name", "last_name")
    )
    return render(request, "staff/home.html", {"sites": sites, "colleagues": colleagues})


def profile(request):
    """A member of staff's own profile for matching: languages, gender, specialisms."""
    form = forms.ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_update(user=request.user, by=request.user,
                                    **{name: form.cleaned_data[name] for name in form.Meta.fields})
        except ValidationError as error:
            add_error(form, error)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("team")
    return render(request, "staff/profile.html", {"form": form})
