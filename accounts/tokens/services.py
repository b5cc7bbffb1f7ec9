"""Making, checking and revoking personal access tokens (docs/api.md)."""

import datetime
import hashlib
import re
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import User
from .models import PersonalAccessToken
from .scopes import scope_codes

TOKEN_PREFIX = "kns_"  # noqa: S105 (a prefix, not a secret)
# "kns_" and 43 URL-safe characters: 32 random bytes.
TOKEN_PATTERN = re.compile(r"kns_[A-Za-z0-9_-]{43}")
PREFIX_SHOWN = 8  # characters of the token kept to tell tokens apart ("kns_AbCd…")
# Seconds between two writes of "last used" (a busy app would otherwise write on every request).
LAST_USED_RESOLUTION = 60


class TokenRefused(Exception):
    """Why a request's token does not let it in: ``code`` for programs, ``message`` for people."""

    MESSAGES = {
        "missing": _("Send your personal access token in the Authorization header: Authorization: Bearer kns_…"),
        "malformed": _("The Authorization header is not understood. Send: Authorization: Bearer kns_…"),
        "invalid": _(
            "This token is not valid. Check that it was copied whole, or make a new one on your account page."
        ),
        "expired": _("This token has expired. Make a new one on your account page."),
        "revoked": _("This token was revoked. Make a new one on your account page."),
    }

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code

    @property
    def message(self) -> str:
        return str(self.MESSAGES[self.code])


def token_hash(*, raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_create(
    *, user: User, name: str, scopes: list[str], days: int, now: datetime.datetime | None = None
) -> tuple[PersonalAccessToken, str]:
    """A new token for ``user``: (the row, the token itself, which is never stored and shown only now)."""
    name = " ".join(name.split())
    known = scope_codes()
    if not name:
        raise ValidationError(_("Give the token a name."), code="name")
    if not scopes or any(scope not in known for scope in scopes):
        raise ValidationError(_("Choose at least one thing the token may read."), code="scopes")
    if days not in settings.ACCOUNTS_TOKEN_DAYS:
        raise ValidationError(_("Choose how long the token works."), code="days")
    moment = now or timezone.now()
    with transaction.atomic():
        # The person's row is locked, so two forms sent at once cannot both pass the limit.
        User.objects.select_for_update().filter(pk=user.pk).first()
        active = PersonalAccessToken.objects.filter(user=user, revoked_at=None, expires_at__gt=moment).count()
        if active >= settings.ACCOUNTS_TOKEN_MAX_ACTIVE:
            raise ValidationError(
                _("You have %(count)d tokens that still work. Revoke one you no longer use first."),
                code="too_many",
                params={"count": active},
            )
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = PersonalAccessToken.objects.create(
            user=user,
            name=name,
            token_hash=token_hash(raw=raw),
            prefix=raw[:PREFIX_SHOWN],
            scopes=[code for code in known if code in scopes],
            created_at=moment,
            expires_at=moment + datetime.timedelta(days=days),
        )
    return token, raw


def token_revoke(*, token: PersonalAccessToken, now: datetime.datetime | None = None) -> bool:
    """Revoke ``token`` (the caller checked whose it is); False when it was revoked already."""
    updated = PersonalAccessToken.objects.filter(pk=token.pk, revoked_at=None).update(revoked_at=now or timezone.now())
    return bool(updated)


def bearer_token(*, header: str | None) -> str:
    """The token of an ``Authorization: Bearer …`` header (RFC 6750), or TokenRefused."""
    if header is None or not header.strip():
        raise TokenRefused("missing")
    parts = header.split()
    if len(parts) != 2 or parts[0].lower() != "bearer":
        raise TokenRefused("malformed")
    if not TOKEN_PATTERN.fullmatch(parts[1]):
        raise TokenRefused("invalid")
    return parts[1]


def token_authenticate(*, raw: str, now: datetime.datetime | None = None) -> PersonalAccessToken:
    """The active token ``raw`` is (with its person), noting when it was used; else TokenRefused."""
    moment = now or timezone.now()
    token = (
        PersonalAccessToken.objects.select_related("user", "user__organisation_unit")
        .filter(token_hash=token_hash(raw=raw))
        .first()
    )
    if token is None or not token.user.is_active:
        raise TokenRefused("invalid")
    if token.revoked_at is not None:
        raise TokenRefused("revoked")
    if token.expires_at <= moment:
        raise TokenRefused("expired")
    if token.last_used_at is None or (moment - token.last_used_at).total_seconds() >= LAST_USED_RESOLUTION:
        PersonalAccessToken.objects.filter(pk=token.pk).update(last_used_at=moment)
        token.last_used_at = moment
    return token
