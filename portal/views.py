"""The client's own page (/me/, no staff login: a code or a one-time link is the way in)
and the staff's side of it on the client file: turning it on or off, sending a sign-in
link, and reading what the client sent."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clients.access import client_for, client_page, not_a_client_page, require_client, require_open
from keywork.lib.forms import add_error
from messaging.words import language_of, speaking
from portal import selectors, services, sessions
from portal.forms import AccessForm, CantMakeItForm, CodeForm, NoteForm, SignInForm
from portal.models import ClientNote
from portal.sessions import before_sign_in, client_signed_in

# Staff: the client file's side ----------------------------------------------------------------


@client_page()
def access_edit(request, pk):
    client = client_for(request, pk)
    access = selectors.access_of(client)
    # A client who has left may have their page turned off (access_set refuses "on").
    if not (access and access.is_on) and (response := require_open(request, client)):
        return response
    if access is not None:
        initial = {"is_on": "yes" if access.is_on else "no", "phone": access.phone,
                   "email": access.email}
    else:
        consent = getattr(client, "reminder_consent", None)
        initial = {"phone": consent.phone, "email": consent.email} if consent else {}
    form = AccessForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.access_set(client=client, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_error(form, error)
        else:
            messages.success(request, _("The client's page is on.") if form.cleaned_data["is_on"]
                             else _("The client's page is off; they are signed out."))
            return redirect(client)
    return render(request, "portal/access_form.html",
                  {"client": client, "form": form, "access": access})


@client_page()
def link_send(request, pk):
    client = client_for(request, pk)
    if response := require_open(request, client):
        return response
    access = selectors.access_of(client)
    if access is None or not access.is_on:
        messages.error(request, _("Turn the client's page on first."))
        return redirect(client)
    if request.method == "POST":
        try:
            services.link_send(access=access, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Sign-in link sent to %(to)s.") % {
                "to": access.channels[0][1]})
            return redirect(client)
    return render(request, "portal/link_form.html", {"client": client, "access": access})


@client_page("portal.ClientNote")
def note_detail(request, pk):
    note = get_object_or_404(ClientNote.objects.select_related("client__site", "session",
                                                               "read_by"), pk=pk)
    require_client(request, note.client)
    if request.method == "POST":
        services.note_read(note=note, by=request.user)
        messages.success(request, _("Marked as read."))
        return redirect(note.client)
    return render(request, "portal/note_detail.html", {"note": note, "client": note.client})


# The client: signing in -------------------------------------------------------------------------


def _client_page(response):
    add_never_cache_headers(response)
    return response


def _ip(request):
    """The client's address as the login's lockouts read it (AXES_CLIENT_IP_CALLABLE,
    audit.network.client_ip: behind the proxy, the address it saw), so that a limit
    per address is not one limit for everyone behind the proxy."""
    return import_string(settings.AXES_CLIENT_IP_CALLABLE)(request)


@login_not_required
@not_a_client_page
@before_sign_in
def sign_in(request):
    """Ask for the number or address on record; whatever it is, the answer is the same.
    In English, or the language its links chose (the code goes in the client's own)."""
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        found = services.address_of(form.cleaned_data["address"])
        if found is None:
            form.add_error("address", _("Enter a mobile number such as 07700 900123, or an "
                                        "e-mail address."))
        else:
            channel, address = found
            why = services.limited(address=address, ip=_ip(request))
            if why:
                form.add_error(None, why)
            else:
                services.code_send(channel=channel, address=address)
                request.session[sessions.PENDING] = address
                return redirect("portal:code")
    return _client_page(render(request, "portal/sign_in.html", {
        "form": form, "languages": sessions.language_links()}))


@login_not_required
@not_a_client_page
@before_sign_in
def code(request):
    address = request.session.get(sessions.PENDING)
    if not isinstance(address, str):
        return redirect("portal:sign_in")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        access = services.code_check(address=address, code=form.cleaned_data["code"])
        if access is not None:
            sessions.sign_in(request, access)
            services.signed_in(access=access)
            return redirect("portal:home")
        form.add_error("code", _("That code is not right, or it has run out. Check it, or "
                                 "ask for a new one."))
    return _client_page(render(request, "portal/code.html", {
        "form": form, "languages": sessions.language_links()}))


@login_not_required
@not_a_client_page
def link(request, token):
    """The one-time link a keyworker sent. Opening it signs nobody in (a phone that looks
    at links before they are tapped would spend it): the button does. In the language
    of the client it was sent to, as the text that brought it."""
    row = services.link_from_token(token)
    if row is None:
        return _link_gone(request)
    with speaking(language_of(row.access.client)):
        return _link(request, row)


def _link_gone(request):
    """A link used, run out, made void or made up: "not found", on a page of the client's
    kind (not the staff's), pointing to the sign-in by code."""
    return _client_page(render(request, "portal/link_gone.html", {}, status=404))


def _link(request, row):
    if request.method == "POST":
        access = services.link_use(row=row)
        if access is None:
            return _link_gone(request)
        sessions.sign_in(request, access)
        services.signed_in(access=access)
        return redirect("portal:home")
    return _client_page(render(request, "portal/link.html", {}))


@login_not_required
@not_a_client_page
@require_POST
def sign_out(request):
    """To the sign-in page, which then speaks the language of the client who left."""
    sessions.sign_out(request)
    with speaking(sessions.language(request)):
        messages.info(request, _("You are signed out."))
    return redirect("portal:sign_in")


# The client's page --------------------------------------------------------------------------------


def _home(request, *, note_form=None, cant_form=None, status=200):
    client = request.portal_access.client
    data = selectors.my_page(client)
    session = data["session"]
    data["note_form"] = note_form or NoteForm()
    data["cant_form"] = cant_form or CantMakeItForm(
        initial={"session": session.pk} if session else None)
    return render(request, "portal/home.html", data, status=status)


@login_not_required
@not_a_client_page
@client_signed_in
def home(request):
    return _home(request)


@login_not_required
@not_a_client_page
@client_signed_in
def tell(request):
    if request.method != "POST":
        return redirect("portal:home")
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.note_send(client=request.portal_access.client,
                               text=form.cleaned_data["text"])
        except ValidationError as error:
            add_error(form, error)
        else:
            messages.success(request, _("Sent. Your keyworker will read it."))
            return redirect("portal:home")
    return _home(request, note_form=form)


@login_not_required
@not_a_client_page
@client_signed_in
def cant_make_it(request):
    if request.method != "POST":
        return redirect("portal:home")
    client = request.portal_access.client
    form = CantMakeItForm(request.POST)
    if form.is_valid():
        try:
            services.cant_make_it(client=client, session_id=form.cleaned_data["session"],
                                  reason=form.cleaned_data["reason"])
        except services.SessionChanged as error:
            # The form again, for the session the page shows now.
            if upcoming := selectors.next_session(client):
                form = CantMakeItForm({"session": upcoming.pk,
                                       "reason": form.cleaned_data["reason"]})
                form.is_valid()
            add_error(form, error)
        except ValidationError as error:
            add_error(form, error)
        else:
            messages.success(request, _("Thank you for telling us. Your keyworker will be in "
                                        "touch to find another time."))
            return redirect("portal:home")
    return _home(request, cant_form=form)
