"""What the codes are for: confirming a sign-up by phone, resetting or setting a password by code,
activating an imported account, confirming a new phone number.

Views call one of these; each runs in one transaction and writes nothing when it refuses.
"""

import datetime
import secrets
from collections.abc import Collection

from django.conf import settings
from django.contrib.auth import password_validation
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext

from ..audit.models import AuthEvent
from ..audit.services import auth_event_record
from ..backends import counter_hit, login_failures_clear
from ..consent.services import SOURCE_SIGN_UP, consent_give, consent_withdraw
from ..messaging import SMS, AccountMessage, message_send
from ..models import Consent, User
from ..phone import phone_is_mobile
from ..services import user_sign_up
from .models import OneTimeCode
from .services import CodeRefused, code_issue, code_send_allowed, code_use

Purpose = OneTimeCode.Purpose
# A code of either purpose lets its holder choose a password.
PASSWORD_PURPOSES = (Purpose.PASSWORD_RESET, Purpose.ACTIVATION)


def user_needs_activation(user: User) -> bool:
    """An account made for the person (a roster import) that they never gave a password."""
    return user.is_active and not user.has_usable_password()


# Sign-up by phone ------------------------------------------------------------------------------------


def sign_up_pending(*, phone: str) -> User | None:
    """The account of a sign-up with ``phone`` still waiting for its code (inactive, never signed in)."""
    return (
        User.objects.filter(
            phone=phone, is_active=False, last_login__isnull=True, one_time_codes__purpose=Purpose.SIGN_UP
        )
        .distinct()
        .first()
    )


def _sign_up_consent_restate(*, user: User, campaign_channels: Collection[str]) -> None:
    """A sign-up filled in again before its code was typed: its campaign boxes are the answer now."""
    purpose = Consent.Purpose.CAMPAIGNS
    given = set(Consent.objects.filter(user=user, purpose=purpose, granted=True).values_list("channel", flat=True))
    if campaign_channels:
        consent_give(user=user, purpose=purpose, channels=campaign_channels, source=SOURCE_SIGN_UP)
    if dropped := sorted(given - set(campaign_channels)):
        consent_withdraw(user=user, purpose=purpose, channels=dropped, source=SOURCE_SIGN_UP)


def phone_sign_up(
    *,
    full_name: str,
    phone: str,
    password: str,
    language: str,
    request: HttpRequest,
    campaign_channels: Collection[str] = (),
) -> User:
    """Create (or, for a sign-up never confirmed, rewrite) an inactive account and send it a code.

    ``campaign_channels``: the campaign boxes ticked on the form, recorded as for any sign-up (a rewrite records
    the second form's answer: the boxes ticked then are given, the others withdrawn if they had been given).

    The account can sign in only once the code is typed (``phone_sign_up_confirm``): nobody takes a
    number they do not hold. Raises ``CodeRefused`` (rate limits) with nothing written.
    """
    with transaction.atomic():
        user = sign_up_pending(phone=phone)
        if user is None:
            user = user_sign_up(
                full_name=full_name,
                email=None,
                phone=phone,
                password=password,
                language=language,
                active=False,
                campaign_channels=campaign_channels,
            )
        else:
            user.full_name, user.preferred_language = full_name, language
            user.privacy_consent_at = timezone.now()
            user.set_password(password)
            user.save(update_fields=["full_name", "preferred_language", "privacy_consent_at", "password"])
            _sign_up_consent_restate(user=user, campaign_channels=campaign_channels)
        code_issue(purpose=Purpose.SIGN_UP, user=user, address=phone, request=request, cooldown=False)
    return user


def phone_sign_up_resend(*, user_id: int, request: HttpRequest) -> OneTimeCode:
    user = User.objects.filter(pk=user_id, is_active=False, last_login__isnull=True).first()
    if user is None or not user.phone:
        raise CodeRefused("dead")
    return code_issue(purpose=Purpose.SIGN_UP, user=user, address=user.phone, request=request)


def phone_sign_up_confirm(*, user_id: int, code: str, request: HttpRequest) -> User:
    """The right code activates the account waiting for it; raises ``CodeRefused`` otherwise."""
    user = User.objects.filter(pk=user_id, is_active=False, last_login__isnull=True).first()
    if user is None or not user.phone:
        raise CodeRefused("dead")

    def activate(row: OneTimeCode) -> User:
        if row.user_id != user.pk:
            raise CodeRefused("wrong")
        User.objects.filter(pk=user.pk).update(is_active=True)
        user.is_active = True
        return user

    return code_use(purposes=(Purpose.SIGN_UP,), address=user.phone, code=code, request=request, then=activate)


# Password by code (reset, activation) ---------------------------------------------------------------


def phone_password_code_request(*, phone: str, request: HttpRequest) -> None:
    """Send a code to choose a password to the active account with ``phone``, if there is one.

    Whatever happens (no account, a landline, over a limit, a code sent a moment ago), the caller
    shows the same answer: nothing tells whether the number has an account.
    """
    allowed = code_send_allowed(address=phone, request=request)
    user = User.objects.filter(phone=phone, is_active=True).first()
    sent = False
    if allowed and user is not None and phone_is_mobile(phone):
        purpose = Purpose.ACTIVATION if user_needs_activation(user) else Purpose.PASSWORD_RESET
        try:
            code_issue(purpose=purpose, user=user, address=phone, request=request, count=False)
            sent = True
        except CodeRefused:
            pass  # a code was sent a moment ago: the person has it
    auth_event_record(
        kind=AuthEvent.Kind.PASSWORD_RESET_REQUESTED,
        request=request,
        subject=user,
        detail={"channel": SMS, "known_account": user is not None, "sent": sent},
    )


def password_set_by_code(*, address: str, code: str, password: str, request: HttpRequest) -> User:
    """The right code (reset or invitation) for ``address`` sets the password of its account.

    Raises ``CodeRefused`` (wrong, dead, over the limit) or ``ValidationError`` (the password does
    not suit this person); either way nothing but the wrong try is written.
    """

    def set_password(row: OneTimeCode) -> User:
        user = User.objects.select_for_update().get(pk=row.user_id)
        if not user.is_active:
            raise CodeRefused("wrong")
        password_validation.validate_password(password, user)
        user.set_password(password)
        user.save(update_fields=["password"])
        password_validation.password_changed(password, user)
        # The other ways in that this person was sent are void now.
        OneTimeCode.objects.filter(user=user, purpose__in=PASSWORD_PURPOSES, spent_at__isnull=True).update(
            spent_at=timezone.now(), outcome=OneTimeCode.Outcome.CANCELLED
        )
        auth_event_record(
            kind=AuthEvent.Kind.PASSWORD_RESET_DONE,
            request=request,
            subject=user,
            detail={"channel": "code", "purpose": row.purpose},
        )
        return user

    user = code_use(purposes=PASSWORD_PURPOSES, address=address, code=code, request=request, then=set_password)
    login_failures_clear(address, request)
    return user


# Phone change (the profile page) ---------------------------------------------------------------------


class PhoneTaken(Exception):
    """The new number belongs to another account."""


class PhoneUnchanged(Exception):
    """The new number is the one the account already has."""


def phone_change_pending(*, user: User) -> OneTimeCode | None:
    """The change of number still waiting for its code (a live phone-change code of ``user``)."""
    return (
        OneTimeCode.objects.filter(
            user=user, purpose=Purpose.PHONE_CHANGE, spent_at__isnull=True, expires_at__gt=timezone.now()
        )
        .order_by("-created_at", "-pk")
        .first()
    )


def phone_change_request(*, user: User, phone: str, request: HttpRequest) -> OneTimeCode:
    """Send a code to the new number; it replaces the old one only once the code is typed.

    A newer request replaces one still waiting (its code stops working). Raises ``PhoneUnchanged``,
    ``PhoneTaken`` or ``CodeRefused`` (cool-down, rate limits) with nothing written.
    """
    if phone == user.phone:
        raise PhoneUnchanged
    if User.objects.filter(phone=phone).exclude(pk=user.pk).exists():
        raise PhoneTaken
    # Per person too (not only per number): nobody sends codes to many numbers through their account.
    limit, window = settings.ACCOUNTS_CODE_RATE_LIMIT, settings.ACCOUNTS_CODE_RATE_WINDOW
    if counter_hit(f"phone-change:user:{user.pk}", window) > limit:
        raise CodeRefused("rate_limited")
    with transaction.atomic():
        # Only the last number asked for can be confirmed.
        OneTimeCode.objects.filter(user=user, purpose=Purpose.PHONE_CHANGE, spent_at__isnull=True).exclude(
            address=phone
        ).update(spent_at=timezone.now(), outcome=OneTimeCode.Outcome.SUPERSEDED)
        row = code_issue(purpose=Purpose.PHONE_CHANGE, user=user, address=phone, request=request)
        auth_event_record(kind=AuthEvent.Kind.PHONE_CHANGE_REQUESTED, request=request, subject=user)
    return row


def phone_change_cancel(*, user: User) -> int:
    """Forget the change waiting for its code (the number stays as it is)."""
    return OneTimeCode.objects.filter(user=user, purpose=Purpose.PHONE_CHANGE, spent_at__isnull=True).update(
        spent_at=timezone.now(), outcome=OneTimeCode.Outcome.CANCELLED
    )


def _phone_changed_notice(*, user: User, old_phone: str) -> None:
    """Tell the old number that it no longer signs in to this account (in the caller's transaction)."""
    language = user.preferred_language if user.preferred_language in dict(settings.LANGUAGES) else "vi"
    with translation.override(language):
        body = gettext(
            "Kỹ Năng Số: the phone number of your account was changed; this number no longer signs in to it. "
            "If you did not do this, contact the training office."
        )
    message_send(
        AccountMessage(
            kind="notice",
            channel=SMS,
            user_id=user.pk,
            address=old_phone,
            subject=body[:80],
            body=body,
            key=f"account-phone-changed:{user.pk}:{secrets.token_hex(8)}",
            language=language,
            context={"purpose": Purpose.PHONE_CHANGE},
        )
    )


def phone_change_confirm(*, user: User, code: str, request: HttpRequest) -> User:
    """The right code makes the number waiting for it the account's number; the old number is told.

    Raises ``CodeRefused`` (wrong, dead, nothing waiting) or ``PhoneTaken`` (someone took the number
    meanwhile); either way nothing but the wrong try is written.
    """
    pending = phone_change_pending(user=user)
    if pending is None:
        raise CodeRefused("dead")
    old_phone = user.phone

    def change(row: OneTimeCode) -> User:
        if row.user_id != user.pk:
            raise CodeRefused("wrong")
        if User.objects.filter(phone=row.address).exclude(pk=user.pk).exists():
            raise PhoneTaken
        try:
            with transaction.atomic():
                User.objects.filter(pk=user.pk).update(phone=row.address)
        except IntegrityError:  # taken by someone else at this very moment
            raise PhoneTaken from None
        auth_event_record(kind=AuthEvent.Kind.PHONE_CHANGED, request=request, subject=user)
        if old_phone:
            _phone_changed_notice(user=user, old_phone=old_phone)
        user.phone = row.address
        return user

    return code_use(purposes=(Purpose.PHONE_CHANGE,), address=pending.address, code=code, request=request, then=change)


def sign_ups_abandoned_forget(*, days: int = 7) -> int:
    """Delete the accounts of sign-ups by phone never confirmed within ``days`` (nothing is kept
    about someone who never proved the number; they can sign up again)."""
    cutoff = timezone.now() - datetime.timedelta(days=days)
    abandoned = User.objects.filter(
        is_active=False, last_login__isnull=True, date_joined__lt=cutoff, one_time_codes__purpose=Purpose.SIGN_UP
    ).exclude(one_time_codes__outcome=OneTimeCode.Outcome.USED)
    ids = list(abandoned.values_list("pk", flat=True).distinct())
    User.objects.filter(pk__in=ids).delete()
    return len(ids)
