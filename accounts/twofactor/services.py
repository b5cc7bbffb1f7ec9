"""The writes of two-step verification: set up a device, verify a code, recovery codes, a superuser's reset.

Every attempt is counted per person and per client (``core.clients``) and written to the auth event log.
"""

import base64
import hashlib
import math
import time
from urllib.parse import quote, urlencode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from core.clients import client_address

from ..audit.models import AuthEvent
from ..audit.services import auth_event_record
from ..backends import counter_hit
from ..models import User

DEVICE_NAME = "authenticator"
RECOVERY_DEVICE_NAME = "recovery"
RECOVERY_CODE_COUNT = 10
# The secret being set up lives in the session until a right code confirms it: a refused code writes nothing.
SETUP_KEY_SESSION = "kns_two_factor_setup_key"


def _limit() -> tuple[int, int]:
    return int(getattr(settings, "TWO_FACTOR_RATE_LIMIT", 5)), int(getattr(settings, "TWO_FACTOR_RATE_WINDOW", 900))


def _keys(*, user: User, request: HttpRequest) -> tuple[str, str]:
    address = hashlib.sha256(client_address(request).encode()).hexdigest()[:32]
    return f"2fa-fail:user:{user.pk}", f"2fa-fail:ip:{address}"


def two_factor_blocked(*, user: User, request: HttpRequest) -> bool:
    """True once this person, or this client, entered ``TWO_FACTOR_RATE_LIMIT`` wrong codes in the window."""
    limit, _window = _limit()
    user_key, ip_key = _keys(user=user, request=request)
    counts = cache.get_many([user_key, ip_key])
    return counts.get(user_key, 0) >= limit or counts.get(ip_key, 0) >= limit * 10


def _failure_record(*, user: User, request: HttpRequest, step: str) -> None:
    limit, window = _limit()
    user_key, ip_key = _keys(user=user, request=request)
    count = counter_hit(user_key, window)
    counter_hit(ip_key, window)
    auth_event_record(kind=AuthEvent.Kind.TWO_FACTOR_FAILED, request=request, subject=user, detail={"step": step})
    if count == limit:  # the attempt that locks: once per window
        auth_event_record(kind=AuthEvent.Kind.LOCKOUT, request=request, subject=user, detail={"step": "two_factor"})


def two_factor_wait_seconds(*, user: User) -> int:
    """Seconds before the person's app device accepts another code (django-otp doubles it after each wrong one)."""
    device = confirmed_totp_device(user=user)
    if device is None:
        return 0
    allowed, detail = device.verify_is_allowed()
    if allowed or not detail or not detail.get("locked_until"):
        return 0
    return max(1, math.ceil((detail["locked_until"] - timezone.now()).total_seconds()))


def confirmed_totp_device(*, user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def setup_device(*, request: HttpRequest, user: User) -> TOTPDevice:
    """The device being set up, not saved: its key is made on the first visit and kept in the session,
    so every later visit shows the same QR code, and only a right code saves the device."""
    key = request.session.get(SETUP_KEY_SESSION)
    if not isinstance(key, str) or len(key) != 40:
        key = default_key()
        request.session[SETUP_KEY_SESSION] = key
    return TOTPDevice(user=user, name=DEVICE_NAME, key=key, confirmed=False)


def _setup_code_right(*, device: TOTPDevice, token: str) -> bool:
    """A code from the app matches the unsaved device (django-otp's check, without its save)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if not totp.verify(int(token), device.tolerance):
        return False
    device.last_t = totp.t()
    device.drift = totp.drift
    return True


def manual_key(*, device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for typing into an app by hand."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def config_url(*, device: TOTPDevice) -> str:
    """The otpauth:// address the QR code holds (label: the site and the person's email or phone)."""
    issuer = str(getattr(settings, "OTP_TOTP_ISSUER", "") or settings.WAGTAIL_SITE_NAME).replace(":", "")
    account = device.user.email or device.user.phone or str(device.user.pk)
    params = urlencode(
        {
            "secret": base64.b32encode(device.bin_key).decode().rstrip("="),
            "digits": device.digits,
            "period": device.step,
        }
    )
    return f"otpauth://totp/{quote(issuer)}:{quote(account)}?{params}&issuer={quote(issuer)}"


def qr_svg(*, data: str) -> str:
    """The QR code of ``data`` as an inline SVG (drawn on the server: the page needs no JavaScript)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    svg = image.to_string(encoding="unicode")
    return svg[svg.index("<svg") :] if "<svg" in svg else svg


def code_normalised(*, code: str) -> str:
    return "".join(char for char in (code or "").lower() if char.isalnum())


def recovery_codes_new(*, user: User) -> list[str]:
    """Replace the person's recovery codes with new single-use ones; returns them (shown once)."""
    with transaction.atomic():
        device, _created = StaticDevice.objects.get_or_create(
            user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
        )
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
        StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def _session_verified(*, request: HttpRequest, device: Device) -> None:
    # A new session key once the second step is passed, as Django does after the first.
    request.session.cycle_key()
    otp_login(request, device)


def two_factor_set_up(*, request: HttpRequest, user: User, code: str) -> list[str] | None:
    """Confirm the device being set up with a code from the app; returns the new recovery codes, None if refused.

    On success the session is verified at once (the person just proved they hold the device).
    """
    if confirmed_totp_device(user=user) is not None:
        return None  # a device exists: only a superuser's reset allows a new one
    device = setup_device(request=request, user=user)
    token = code_normalised(code=code)
    if not token.isdigit() or not _setup_code_right(device=device, token=token):
        _failure_record(user=user, request=request, step="set_up")
        return None
    with transaction.atomic():
        device.confirmed = True
        device.save()
        codes = recovery_codes_new(user=user)
        auth_event_record(kind=AuthEvent.Kind.TWO_FACTOR_SET_UP, request=request, subject=user)
    request.session.pop(SETUP_KEY_SESSION, None)
    _session_verified(request=request, device=device)
    cache.delete(_keys(user=user, request=request)[0])
    return codes


def two_factor_verify(*, request: HttpRequest, user: User, code: str) -> bool:
    """Check a code from the app or a recovery code (used up on success); verifies the session when right."""
    token = code_normalised(code=code)
    device = None
    method = ""
    totp = confirmed_totp_device(user=user)
    looks_like_app_code = token.isdigit() and len(token) == (totp.digits if totp else 6)
    if looks_like_app_code and totp is not None and totp.verify_token(token):
        device, method = totp, "app"
    elif token and not looks_like_app_code:
        with transaction.atomic():
            for recovery in StaticDevice.objects.filter(user=user, confirmed=True).select_for_update():
                if recovery.verify_token(token):
                    device, method = recovery, "recovery_code"
                    break
    if device is None:
        _failure_record(user=user, request=request, step="verify")
        return False
    _session_verified(request=request, device=device)
    cache.delete(_keys(user=user, request=request)[0])
    detail = {"method": method}
    if method == "recovery_code":
        detail["recovery_codes_left"] = StaticToken.objects.filter(device=device).count()
    auth_event_record(kind=AuthEvent.Kind.TWO_FACTOR_VERIFIED, request=request, subject=user, detail=detail)
    return True


def recovery_codes_regenerate(*, request: HttpRequest, user: User) -> list[str]:
    codes = recovery_codes_new(user=user)
    auth_event_record(kind=AuthEvent.Kind.RECOVERY_CODES_REGENERATED, request=request, subject=user)
    return codes


def two_factor_reset(*, request: HttpRequest, user: User) -> int:
    """A superuser removes ``user``'s devices: at their next request they set up again. Returns devices removed."""
    with transaction.atomic():
        removed = TOTPDevice.objects.filter(user=user).count() + StaticDevice.objects.filter(user=user).count()
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()  # with its recovery codes
        auth_event_record(
            kind=AuthEvent.Kind.TWO_FACTOR_RESET, request=request, subject=user, detail={"devices": removed}
        )
    return removed


def recovery_codes_left(*, user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
