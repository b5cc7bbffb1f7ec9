"""Issuing and using one-time codes.

- **Hashed**: only ``salted_hmac(SECRET_KEY)`` of (purpose, address, code) is stored; the check
  compares in constant time. The text sent (through ``accounts.messaging``) is marked secret: the
  outbox does not keep it once sent.
- **Short-lived, few tries, once**: ``ACCOUNTS_CODE_TTL`` seconds (an invitation:
  ``ACCOUNTS_INVITATION_TTL``), ``ACCOUNTS_CODE_MAX_TRIES`` wrong tries then dead, spent when used.
- **One live code per (purpose, address)**: a new one supersedes the old (a named constraint).
- **Rate-limited**: a new code for the same purpose and address only after
  ``ACCOUNTS_CODE_RESEND_SECONDS``; at most ``ACCOUNTS_CODE_RATE_LIMIT`` codes per address and ten
  times as many per client (``core.clients``) in ``ACCOUNTS_CODE_RATE_WINDOW`` seconds; wrong codes
  per client are limited the same way (checking stops for that client until the window passes).
"""

import datetime
import hashlib
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext, gettext_lazy

from core.clients import client_address
from core.localtime import local_time

from ..backends import counter_hit
from ..messaging import EMAIL, SMS, AccountMessage, message_send
from ..models import User
from .models import OneTimeCode

T = TypeVar("T")
Purpose = OneTimeCode.Purpose

CODE_DIGITS = 6

# What the code lets the person do, as the message says it.
ACTIONS: dict[str, Any] = {
    Purpose.SIGN_UP: gettext_lazy("confirm your new account"),
    Purpose.PASSWORD_RESET: gettext_lazy("choose a new password"),
    Purpose.ACTIVATION: gettext_lazy("activate your account"),
    Purpose.PHONE_CHANGE: gettext_lazy("confirm your new phone number"),
    Purpose.ASSISTED_CONSENT: gettext_lazy("let the helper at the counter guide your learning"),
}


class CodeRefused(Exception):
    """A code was not issued or not accepted; ``reason`` says why and ``message`` says it to the person."""

    MESSAGES = {
        "cooldown": gettext_lazy("A code was sent a moment ago. Wait %(seconds)s seconds before asking for another."),
        "rate_limited": gettext_lazy("Too many codes were asked for. Please wait an hour and try again."),
        "check_limited": gettext_lazy("Too many wrong codes from here. Please wait 15 minutes and try again."),
        "wrong": gettext_lazy("That code is not right, or it has expired. Check the message and try again."),
        "dead": gettext_lazy(
            "This code can no longer be used (too many wrong tries, or it expired). Ask for a new one."
        ),
    }

    def __init__(self, reason: str, **params: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.params = params

    @property
    def message(self) -> str:
        return str(self.MESSAGES[self.reason]) % self.params if self.params else str(self.MESSAGES[self.reason])


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def code_ttl() -> int:
    return _setting("ACCOUNTS_CODE_TTL", 600)


def max_tries() -> int:
    return _setting("ACCOUNTS_CODE_MAX_TRIES", 5)


def resend_seconds() -> int:
    return _setting("ACCOUNTS_CODE_RESEND_SECONDS", 60)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def code_hash(*, purpose: str, address: str, code: str) -> str:
    """The stored form of a code: an HMAC keyed with ``SECRET_KEY`` (a leaked table gives no code)."""
    return salted_hmac("accounts.codes", f"{purpose}:{address}:{code}", algorithm="sha256").hexdigest()


def code_generate() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def _code_digits(raw: object) -> str:
    """The digits of what the person typed ("123 456" and "123-456" are "123456")."""
    return "".join(ch for ch in str(raw or "") if ch.isdigit())[:20]


# Rate limits (cache counters, shared with sign-in's) ---------------------------------------------


def code_send_allowed(*, address: str, request: HttpRequest | None) -> bool:
    """Count one code asked for ``address`` from this client; False once either is over its limit.

    Counted for every address, with or without an account, so the answer tells nothing.
    """
    limit, window = _setting("ACCOUNTS_CODE_RATE_LIMIT", 5), _setting("ACCOUNTS_CODE_RATE_WINDOW", 3600)
    by_address = counter_hit(f"code-send:id:{_digest(address)}", window)
    if request is None:  # a task on behalf of staff (invitations): only the address is limited
        return by_address <= limit
    by_client = counter_hit(f"code-send:ip:{_digest(client_address(request))}", window)
    return by_address <= limit and by_client <= limit * 10


def _check_key(request: HttpRequest | None) -> str:
    return f"code-check:ip:{_digest(client_address(request))}"


def _check_blocked(request: HttpRequest | None) -> bool:
    return (cache.get(_check_key(request)) or 0) >= max_tries() * 10


# Issuing -------------------------------------------------------------------------------------------


def _message(*, row: OneTimeCode, user: User, code: str, channel: str, kind: str) -> AccountMessage:
    language = user.preferred_language if user.preferred_language in dict(settings.LANGUAGES) else "vi"
    with translation.override(language):
        minutes = max(1, round((row.expires_at - row.created_at).total_seconds() / 60))
        if kind == "invitation":
            url = settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse("accounts:activate")
            params = {
                "code": code,
                "url": url,
                "until": local_time(row.expires_at).strftime("%d/%m/%Y"),
                "address": row.address,
            }
            subject = gettext("Your account on Kỹ Năng Số is ready")
            body = (
                gettext(
                    "Kỹ Năng Số: your organisation created your account. To choose your password, open %(url)s, "
                    "enter %(address)s and the code %(code)s (valid until %(until)s)."
                )
                % params
            )
        elif row.purpose == Purpose.ASSISTED_CONSENT:
            # The one code a person does hand over: to the helper beside them, as their agreement.
            subject = gettext("Your Kỹ Năng Số code")
            body = gettext(
                "Kỹ Năng Số: %(code)s is your code to %(action)s. It works for %(minutes)s minutes. "
                "Give it only to the helper beside you at the counter, and only if you agree."
            ) % {"code": code, "action": ACTIONS[row.purpose], "minutes": minutes}
        else:
            subject = gettext("Your Kỹ Năng Số code")
            body = gettext(
                "Kỹ Năng Số: %(code)s is your code to %(action)s. It works for %(minutes)s minutes. "
                "Never give it to anyone."
            ) % {"code": code, "action": ACTIONS[row.purpose], "minutes": minutes}
    return AccountMessage(
        kind=kind,
        channel=channel,
        user_id=user.pk,
        address=row.address,
        subject=subject,
        body=body,
        key=f"account-code:{row.pk}:{secrets.token_hex(6)}:{channel}",
        language=language,
        expires_at=row.expires_at,
        urgent=kind == "code",
        secret=True,
        context={"code_id": row.pk, "purpose": row.purpose},
        values={"code": code, "minutes": minutes},
    )


def code_issue(
    *,
    purpose: str,
    user: User,
    address: str,
    request: HttpRequest | None,
    channel: str = SMS,
    ttl: int | None = None,
    cooldown: bool = True,
    count: bool = True,
    kind: str = "code",
    sent_by: User | None = None,
    reference: str = "",
) -> OneTimeCode:
    """Make a new code for ``purpose`` and ``address`` (superseding the live one) and send it to ``user``.

    Runs in a transaction; the message is handed to ``accounts.messaging`` in it (sent after commit).
    ``cooldown``: refuse while the live code is younger than ``ACCOUNTS_CODE_RESEND_SECONDS``;
    ``count``: count it against the rate limits (callers that counted already pass False). A refusal
    raises ``CodeRefused`` with nothing written.
    """
    now = timezone.now()
    with transaction.atomic():
        live = (
            OneTimeCode.objects.select_for_update()
            .filter(purpose=purpose, address=address, spent_at__isnull=True)
            .first()
        )
        if cooldown and live is not None and live.expires_at > now:
            wait = resend_seconds() - (now - live.created_at).total_seconds()
            if wait > 0:
                raise CodeRefused("cooldown", seconds=int(wait) + 1)
        if count and not code_send_allowed(address=address, request=request):
            raise CodeRefused("rate_limited")
        if live is not None:
            OneTimeCode.objects.filter(pk=live.pk).update(spent_at=now, outcome=OneTimeCode.Outcome.SUPERSEDED)
        code = code_generate()
        row = OneTimeCode.objects.create(
            purpose=purpose,
            address=address,
            user=user,
            code_hash=code_hash(purpose=purpose, address=address, code=code),
            created_at=now,
            expires_at=now + datetime.timedelta(seconds=ttl or code_ttl()),
            sent_by=sent_by,
            reference=reference,
        )
        message_send(_message(row=row, user=user, code=code, channel=channel, kind=kind))
    return row


def code_cancel(*, user: User, purposes: tuple[str, ...]) -> int:
    """Spend the live codes of ``user`` for ``purposes`` (their reason is gone)."""
    return OneTimeCode.objects.filter(user=user, purpose__in=purposes, spent_at__isnull=True).update(
        spent_at=timezone.now(), outcome=OneTimeCode.Outcome.CANCELLED
    )


# Using -----------------------------------------------------------------------------------------------


def code_use(
    *,
    purposes: tuple[str, ...],
    address: str,
    code: str,
    request: HttpRequest | None,
    then: Callable[[OneTimeCode], T],
) -> T:
    """Check ``code`` against the live codes of ``purposes`` for ``address``; if one matches, spend it
    and run ``then(row)`` in the same transaction (both or neither), returning what it returns.

    Otherwise every live code of the address counts a wrong try (dead after ``ACCOUNTS_CODE_MAX_TRIES``;
    the count is kept) and ``CodeRefused`` is raised, with nothing else written.
    """
    if _check_blocked(request):
        raise CodeRefused("check_limited")
    code = _code_digits(code)
    now = timezone.now()
    refused = "wrong"
    with transaction.atomic():
        rows = list(
            OneTimeCode.objects.select_for_update()
            .filter(purpose__in=purposes, address=address, spent_at__isnull=True)
            .order_by("pk")
        )
        for row in rows:
            # Every row is compared (no early exit), each in constant time.
            expected = code_hash(purpose=row.purpose, address=address, code=code)
            if constant_time_compare(expected, row.code_hash) and len(code) == CODE_DIGITS:
                if row.expires_at <= now:
                    refused = "dead"
                    continue
                OneTimeCode.objects.filter(pk=row.pk).update(spent_at=now, outcome=OneTimeCode.Outcome.USED)
                row.spent_at, row.outcome = now, OneTimeCode.Outcome.USED
                return then(row)
        for row in rows:
            if row.expires_at <= now:
                continue
            tries = row.attempts + 1
            fields: dict[str, object] = {"attempts": tries}
            if tries >= max_tries():
                fields.update(spent_at=now, outcome=OneTimeCode.Outcome.TOO_MANY_TRIES)
                refused = "dead" if len(rows) == 1 else refused
            OneTimeCode.objects.filter(pk=row.pk).update(**fields)
    counter_hit(_check_key(request), _setting("ACCOUNTS_CODE_CHECK_WINDOW", 900))
    raise CodeRefused(refused)


def codes_forget(*, now: datetime.datetime | None = None, days: int = 30) -> int:
    """Delete codes spent or expired more than ``days`` ago (beat, daily)."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=days)
    deleted, _ = OneTimeCode.objects.filter(expires_at__lt=cutoff).delete()
    return deleted


__all__ = ["EMAIL", "SMS", "CodeRefused", "code_issue", "code_use"]
