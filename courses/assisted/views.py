"""The helper's pages at the counter and the citizen's "Who helped me" page.

Every view of a session finds it among the signed-in helper's own (``selectors.helper_session``): another
helper's session, a withdrawn one or an unknown id is a 404, and nothing is written. Writes are POST, with
Django's CSRF check; each calls one service.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.codes.services import CodeRefused
from accounts.views import privacy_notice_url

from . import selectors, services
from .forms import CodeForm, HelperGrantForm, LessonForm, NewAccountForm, PhoneForm, ServiceForm, TutorialForm


def _helper(request):
    if not services.helper_can_assist(user=request.user):
        raise PermissionDenied
    return request.user


def _session(request, session_id):
    session = selectors.helper_session(helper=_helper(request), session_id=session_id)
    if session is None:
        raise Http404
    return session


def _errors(error: ValidationError | CodeRefused) -> str:
    return error.message if isinstance(error, CodeRefused) else " ".join(error.messages)


@login_required
def helper_home(request):
    """Start a session by the citizen's phone number; the helper's sessions below."""
    helper = _helper(request)
    form = PhoneForm(request.POST or None)
    new_account = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                session = services.session_start(helper=helper, phone=form.cleaned_data["phone"], request=request)
            except (ValidationError, CodeRefused) as error:
                if isinstance(error, ValidationError) and error.code == "no_account":
                    new_account = NewAccountForm(initial={"phone": form.cleaned_data["phone"]})
                form.add_error(None, _errors(error))
            else:
                messages.success(
                    request, _("A code was sent to the citizen's phone: by Zalo if they chose Zalo, otherwise by SMS.")
                )
                return redirect("courses:assisted_confirm", session_id=session.pk)
        status = 400
    context = {
        "form": form,
        "new_account": new_account,
        "consent_text": services.ACCOUNT_CONSENT_TEXT,
        "sessions": selectors.helper_sessions(helper=helper)[:50],
    }
    return render(request, "courses/assisted/helper_home.html", context, status=status)


@login_required
def new_account(request):
    """Create the citizen's account with their consent and open the session."""
    helper = _helper(request)
    form = NewAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.session_start_with_new_account(
                helper=helper,
                full_name=form.cleaned_data["full_name"],
                phone=form.cleaned_data["phone"],
                agreed=form.cleaned_data["agreed"],
            )
        except ValidationError as error:
            form.add_error(None, _errors(error))
        else:
            messages.success(request, _("The account was created and the session is open."))
            return redirect("courses:assisted_session", session_id=session.pk)
    status = 400 if request.method == "POST" else 200
    context = {
        "form": form,
        "consent_text": services.ACCOUNT_CONSENT_TEXT,
        "privacy_notice_url": privacy_notice_url(),
    }
    return render(request, "courses/assisted/new_account.html", context, status=status)


@login_required
def confirm(request, session_id):
    """The code the citizen received: typed here, it opens the session (or a new code is sent)."""
    session = _session(request, session_id)
    if session.status != session.Status.WAITING:
        return redirect("courses:assisted_session", session_id=session.pk)
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        try:
            if "resend" in request.POST:
                services.session_code_resend(helper=request.user, session=session, request=request)
                messages.success(
                    request,
                    _("A new code was sent to the citizen's phone: by Zalo if they chose Zalo, otherwise by SMS."),
                )
                return redirect("courses:assisted_confirm", session_id=session.pk)
            if form.is_valid():
                services.session_confirm(
                    helper=request.user, session=session, code=form.cleaned_data["code"], request=request
                )
                messages.success(request, _("The citizen agreed: the session is open."))
                return redirect("courses:assisted_session", session_id=session.pk)
        except (ValidationError, CodeRefused) as error:
            form.add_error(None, _errors(error))
    context = {"session": session, "form": form, "consent_text": services.CONSENT_TEXT}
    return render(request, "courses/assisted/confirm.html", context, status=400 if request.method == "POST" else 200)


@login_required
def session_page(request, session_id):
    session = _session(request, session_id)
    context = {
        "session": session,
        "marks": selectors.session_marks(session=session),
        "tutorial_form": TutorialForm(),
        "lesson_form": LessonForm(),
        "service_form": ServiceForm(),
    }
    return render(request, "courses/assisted/session.html", context)


def _act(request, session_id, form_class, field, service, done_message):
    session = _session(request, session_id)
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(error for errors in form.errors.values() for error in errors))
        return redirect("courses:assisted_session", session_id=session.pk)
    try:
        service(helper=request.user, session=session, **{field: form.cleaned_data[field]})
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(request, done_message)
    return redirect("courses:assisted_session", session_id=session.pk)


@require_POST
@login_required
def tutorial_done(request, session_id):
    return _act(
        request,
        session_id,
        TutorialForm,
        "tutorial",
        services.assisted_tutorial_done,
        _("Marked as done for the citizen."),
    )


@require_POST
@login_required
def lesson_done(request, session_id):
    return _act(
        request,
        session_id,
        LessonForm,
        "lesson",
        services.assisted_lesson_complete,
        _("Marked as done for the citizen."),
    )


@require_POST
@login_required
def service_done(request, session_id):
    return _act(
        request,
        session_id,
        ServiceForm,
        "service",
        services.assisted_service_complete,
        _("Recorded: the service was completed at the counter."),
    )


@require_POST
@login_required
def session_end(request, session_id):
    session = _session(request, session_id)
    services.session_end(helper=request.user, session=session)
    messages.success(request, _("The session is ended."))
    return redirect("courses:assisted_home")


# The citizen's side ---------------------------------------------------------------------------------


@login_required
def my_helpers(request):
    """Who helped me at the counter, when, and what we did; withdraw."""
    return render(
        request, "courses/assisted/my_helpers.html", {"sessions": selectors.citizen_sessions(citizen=request.user)}
    )


@require_POST
@login_required
def withdraw(request, session_id):
    session = selectors.citizen_session(citizen=request.user, session_id=session_id)
    if session is None:
        raise Http404
    if services.session_withdraw(citizen=request.user, session=session):
        messages.success(request, _("Withdrawn: the helper no longer sees you or this session."))
    return redirect("courses:assisted_mine")


# The training office: who is a helper ---------------------------------------------------------------


def _office(request):
    if not request.user.has_perm("courses.manage_helpers"):
        raise PermissionDenied
    return request.user


@login_required
def helpers(request):
    """List the helpers; make a civil servant one (by e-mail or phone)."""
    office = _office(request)
    form = HelperGrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.helper_role_grant(by=office, identifier=form.cleaned_data["identifier"], request=request)
        except ValidationError as error:
            form.add_error("identifier", _errors(error))
        else:
            messages.success(request, _("%(name)s is now a helper.") % {"name": person.full_name})
            return redirect("courses:assisted_helpers")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "helpers": selectors.helpers()}
    return render(request, "courses/assisted/helpers.html", context, status=status)


@require_POST
@login_required
def helper_revoke(request, user_id):
    office = _office(request)
    person = selectors.helpers(helper_id=user_id).first()
    if person is None:
        raise Http404
    services.helper_role_revoke(by=office, person=person, request=request)
    messages.success(request, _("%(name)s is no longer a helper.") % {"name": person.full_name})
    return redirect("courses:assisted_helpers")
