"""Sign-in with an email address or a phone number, rate-limited."""

import hashlib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied

from core.clients import client_address

from .audit.models import AuthEvent
from .audit.services import auth_event_record
from .phone import phone_normalise


def _identifier_key(identifier):
    identifier = (identifier or "").strip().lower()
    identifier = phone_normalise(identifier) or identifier
    return hashlib.sha256(identifier.encode()).hexdigest()[:32]


def _keys(identifier, request):
    return (
        f"login-fail:id:{_identifier_key(identifier)}",
        f"login-fail:ip:{hashlib.sha256(client_address(request).encode()).hexdigest()[:32]}",
    )


def login_is_blocked(identifier, request):
    """True when too many failed sign-ins were made for this identifier or from this address."""
    limit = settings.LOGIN_RATE_LIMIT
    id_key, ip_key = _keys(identifier, request)
    counts = cache.get_many([id_key, ip_key])
    # An address may serve a whole commune office (shared NAT): allow it more.
    return counts.get(id_key, 0) >= limit or counts.get(ip_key, 0) >= limit * 10


def counter_hit(key, window):
    """Add one to a counter that starts at the first hit and expires ``window`` seconds later."""
    if cache.add(key, 1, window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, window)
        return 1


def login_failure_record(identifier, request):
    """Count a failed sign-in; the failure that reaches the limit for an identifier is logged as a lockout."""
    id_key, ip_key = _keys(identifier, request)
    count = counter_hit(id_key, settings.LOGIN_RATE_WINDOW)
    address_count = counter_hit(ip_key, settings.LOGIN_RATE_WINDOW)
    limit = settings.LOGIN_RATE_LIMIT
    if count == limit or address_count == limit * 10:
        User = get_user_model()
        try:
            subject = User._default_manager.get_by_identifier(identifier)
        except User.DoesNotExist:
            subject = None
        scope = "identifier" if count == limit else "client_address"
        auth_event_record(kind=AuthEvent.Kind.LOCKOUT, request=request, subject=subject, detail={"by": scope})


def password_reset_allowed(email, request):
    """Count a password-reset request; False once this address or this client asked too often.

    Per email address: ``PASSWORD_RESET_RATE_LIMIT`` links per ``PASSWORD_RESET_RATE_WINDOW``
    (nobody can flood someone's mailbox). Per client address: ten times that (a commune office
    may share one address).
    """
    limit, window = settings.PASSWORD_RESET_RATE_LIMIT, settings.PASSWORD_RESET_RATE_WINDOW
    address = hashlib.sha256(client_address(request).encode()).hexdigest()[:32]
    by_email = counter_hit(f"reset:id:{_identifier_key(email)}", window)
    by_address = counter_hit(f"reset:ip:{address}", window)
    return by_email <= limit and by_address <= limit * 10


def login_failures_clear(identifier, request):
    cache.delete(_keys(identifier, request)[0])


class EmailOrPhoneBackend(ModelBackend):
    """Authenticate by email (any case) or phone number (any common format).

    After ``LOGIN_RATE_LIMIT`` failures for one identifier within
    ``LOGIN_RATE_WINDOW`` seconds, sign-in for it is refused until the window
    passes, even with the right password.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        identifier = username if username is not None else kwargs.get(get_user_model().USERNAME_FIELD)
        if not identifier or password is None:
            return None
        if login_is_blocked(identifier, request):
            # Stops Django trying other backends; the form shows its generic error.
            raise PermissionDenied("Too many failed sign-in attempts.")
        User = get_user_model()
        try:
            user = User._default_manager.get_by_identifier(identifier)
        except User.DoesNotExist:
            User().set_password(password)  # same work as a real check: no timing oracle
            login_failure_record(identifier, request)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            login_failures_clear(identifier, request)
            return user
        login_failure_record(identifier, request)
        return None
