"""The writes of the profile page: name and language, and a change of e-mail address confirmed by a link.

A new address replaces the old one only when the link sent to it is opened (``email_change_confirm``);
the old address is told. Removing the address is allowed only to someone who keeps a phone number.
Nothing is written when a change is refused. Names and addresses are not copied into the auth event log
(it outlives an erased account); the events say only what kind of change was made.
"""

import datetime
import logging
from dataclasses import dataclass, field
from typing import Literal

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.clients import client_address

from ..audit.models import AuthEvent
from ..audit.services import auth_event_record
from ..backends import counter_hit
from ..models import User
from .models import EmailChange

logger = logging.getLogger(__name__)

SIGNING_SALT = "accounts.profile.email_change"  # separates these links from other signed values


class ProfileRefused(ValidationError):
    """A change the profile page refuses as a whole (nothing is written)."""


@dataclass
class ProfileSaved:
    changed: list[str] = field(default_factory=list)  # "full_name", "preferred_language", "email_removed"
    confirmation_sent_to: str = ""  # the new address a link went to (it is not in use yet)


def email_change_allowed(*, user: User, request: HttpRequest | None) -> bool:
    """Count one confirmation e-mail; False once this person or this client asked too often.

    ``EMAIL_CHANGE_RATE_LIMIT`` links per person per ``EMAIL_CHANGE_RATE_WINDOW`` seconds (nobody floods
    a mailbox through their own account), ten times as many per client address (``core.clients``).
    """
    limit, window = settings.EMAIL_CHANGE_RATE_LIMIT, settings.EMAIL_CHANGE_RATE_WINDOW
    by_person = counter_hit(f"email-change:user:{user.pk}", window)
    address = client_address(request) if request is not None else ""
    by_address = counter_hit(f"email-change:ip:{address}", window)
    return by_person <= limit and by_address <= limit * 10


def email_change_token(*, change: EmailChange) -> str:
    return signing.dumps({"c": change.pk, "u": change.user_id}, salt=SIGNING_SALT, compress=False)


def _mail(*, to: str, template: str, context: dict) -> bool:
    """Send one plain-text e-mail; False (logged) when the mail server refuses."""
    subject = " ".join(render_to_string(f"accounts/profile/{template}_subject.txt", context).split())
    body = render_to_string(f"accounts/profile/{template}_email.txt", context)
    try:
        send_mail(subject, body, None, [to])
    except Exception:  # the SMTP server's errors are of many kinds; the person is told to try again
        logger.exception("Could not send the %s e-mail", template)
        return False
    return True


def _email_taken(*, email: str, user: User) -> bool:
    return User.objects.filter(email=email).exclude(pk=user.pk).exists()


def profile_save(
    *,
    user: User,
    full_name: str,
    preferred_language: str,
    email: str | None,
    request: HttpRequest,
) -> ProfileSaved:
    """Save the profile form: name and language now; a new e-mail address only after its link is opened.

    ``email`` None or "" removes the address (only with a phone number kept); the same address changes
    nothing. Raises ``ProfileRefused`` (nothing written) when the address is someone else's, the person
    would be left with no contact, too many links were sent, or the link could not be sent.
    """
    email = (email or "").strip().lower() or None
    new_email: str = email or ""
    result = ProfileSaved()
    wants_new_email = email is not None and email != user.email
    if email is None and user.email and not user.phone:
        raise ProfileRefused(_("Keep an e-mail address, or add a phone number first."), code="no_contact")
    if wants_new_email:
        if _email_taken(email=new_email, user=user):
            raise ProfileRefused(_("This e-mail address cannot be used. Choose another one."), code="email_taken")
        if not email_change_allowed(user=user, request=request):
            raise ProfileRefused(
                _("Too many confirmation e-mails were sent. Please wait an hour and try again."), code="rate_limited"
            )
    old_email = user.email
    with transaction.atomic():
        fields = []
        if full_name != user.full_name:
            user.full_name = full_name
            fields.append("full_name")
            auth_event_record(kind=AuthEvent.Kind.NAME_CHANGED, request=request, subject=user)
        if preferred_language != user.preferred_language:
            user.preferred_language = preferred_language
            fields.append("preferred_language")
        if email is None and old_email:
            user.email = None
            fields.append("email")
            auth_event_record(kind=AuthEvent.Kind.EMAIL_REMOVED, request=request, subject=user)
        if fields:
            user.save(update_fields=fields)
        result.changed = ["email_removed" if name == "email" else name for name in fields]
        change = None
        if wants_new_email:
            # A newer request replaces one still waiting: only the last link works.
            EmailChange.objects.filter(user=user, confirmed_at__isnull=True).delete()
            change = EmailChange.objects.create(user=user, new_email=new_email)
            auth_event_record(kind=AuthEvent.Kind.EMAIL_CHANGE_REQUESTED, request=request, subject=user)
            url = request.build_absolute_uri(
                reverse("accounts:email_change_confirm", args=[email_change_token(change=change)])
            )
            context = {"user": user, "new_email": email, "url": url, "hours": settings.EMAIL_CHANGE_MAX_AGE // 3600}
            if not _mail(to=new_email, template="email_change", context=context):
                transaction.set_rollback(True)
                raise ProfileRefused(
                    _("We could not send the confirmation e-mail. Nothing was changed; please try again later."),
                    code="mail_failed",
                )
            result.confirmation_sent_to = new_email
    if email is None and old_email:
        _mail(to=old_email, template="email_removed", context={"user": user, "old_email": old_email})
    return result


EmailConfirmOutcome = Literal["done", "expired", "invalid", "used", "other_account", "taken"]


def email_change_pending(*, user: User) -> EmailChange | None:
    """The change still waiting for its link (if the link may still work)."""
    since = timezone.now() - datetime.timedelta(seconds=settings.EMAIL_CHANGE_MAX_AGE)
    return (
        EmailChange.objects.filter(user=user, confirmed_at__isnull=True, requested_at__gt=since)
        .order_by("-requested_at")
        .first()
    )


def email_change_read(*, token: str) -> tuple[EmailConfirmOutcome, EmailChange | None]:
    """What a link is: ("invalid" | "expired", None) when it cannot be trusted, else ("done", the change)."""
    try:
        payload = signing.loads(token, salt=SIGNING_SALT, max_age=settings.EMAIL_CHANGE_MAX_AGE)
    except signing.SignatureExpired:
        return "expired", None
    except signing.BadSignature:
        return "invalid", None
    if not isinstance(payload, dict) or not isinstance(payload.get("c"), int):
        return "invalid", None
    change = EmailChange.objects.filter(pk=payload["c"], user_id=payload.get("u") or 0).first()
    return ("done", change) if change is not None else ("invalid", None)


def email_change_confirm(*, token: str, user: User, request: HttpRequest) -> EmailConfirmOutcome:
    """Open a confirmation link as ``user``: their address becomes the new one, once; the old one is told.

    Only the account that asked may confirm (``other_account`` for anyone else, nothing written).
    """
    outcome, change = email_change_read(token=token)
    if change is None:
        return outcome
    if change.user_id != user.pk:
        return "other_account"
    old_email = user.email
    try:
        with transaction.atomic():
            taken = EmailChange.objects.filter(pk=change.pk, confirmed_at__isnull=True).update(
                confirmed_at=timezone.now()
            )
            if not taken:
                return "used"
            if _email_taken(email=change.new_email, user=user):
                transaction.set_rollback(True)
                return "taken"
            User.objects.filter(pk=user.pk).update(email=change.new_email)
            auth_event_record(kind=AuthEvent.Kind.EMAIL_CHANGED, request=request, subject=user)
    except IntegrityError:  # the address was taken by someone else at this very moment
        return "taken"
    user.email = change.new_email
    if old_email:
        _mail(to=old_email, template="email_changed", context={"user": user, "old_email": old_email})
    return "done"
