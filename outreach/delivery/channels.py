"""Channels: how a planned message leaves the site. One interface we own, three channels.

``Channel.send_many(messages)`` takes ``OutgoingMessage``s and returns one outcome per
message: ``None`` (accepted by the provider) or a ``TemporaryDeliveryError`` (try again
later: timeouts, 5xx, 429) or ``PermanentDeliveryError`` (retrying cannot help: 4xx,
refused recipient). Every message carries its idempotency key, which goes to the
provider as a client reference (SMS) or as the Message-ID (e-mail), so that a message
re-sent after a crash can be recognised as the same one. See docs/delivery.md
("Reminders and delivery") for what that does and does not guarantee.

- ``EmailChannel``: Django's e-mail backend (``EMAIL_BACKEND``; any provider through
  django-anymail later), one connection per batch.
- ``SmsChannel``: the backend named by ``SMS_BACKEND``: ``ConsoleSmsBackend`` (prints),
  ``FileSmsBackend`` (JSON lines; ignores a key it already holds, like a provider that
  de-duplicates by client reference), ``HttpGatewaySmsBackend`` (a JSON-over-HTTPS gateway).
- ``InAppChannel``: nothing leaves the site; the delivery row is the inbox entry.
"""

import fcntl
import functools
import hashlib
import json
import logging
import os
import smtplib
import sys
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from typing import TextIO

from anyascii import anyascii
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.module_loading import import_string

from accounts.phone import phone_is_mobile

log = logging.getLogger(__name__)


class DeliveryError(Exception):
    """The provider did not take the message."""


class TemporaryDeliveryError(DeliveryError):
    """Try again later (timeout, connection refused, 5xx, 429)."""


class PermanentDeliveryError(DeliveryError):
    """Retrying cannot help (unknown recipient, rejected content, 4xx)."""


class FallbackDeliveryError(DeliveryError):
    """This channel cannot carry the message (the number is not on Zalo, the template was refused):
    the sender hands it to SMS where the person may be reached there (``zalo.zalo_fallback``)."""


@dataclass
class OutgoingMessage:
    key: str  # the delivery's idempotency key
    to: str  # e-mail address or phone number ("" for the inbox)
    subject: str
    body: str
    language: str = "vi"
    headers: dict | None = None  # extra e-mail headers (List-Unsubscribe for campaign messages)
    kind: str = ""  # the delivery's kind (Zalo: which registered template)
    context: dict | None = None  # the delivery's context (Zalo: the template's values)
    pk: int | None = None  # the delivery's id (Zalo: part of the tracking id the webhook names)


def message_id_for(key: str) -> str:
    """A stable Message-ID for an idempotency key: the same message always has the same id."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}@{_message_id_domain(settings.DEFAULT_FROM_EMAIL)}>"


@functools.lru_cache(maxsize=4)
def _message_id_domain(from_email: str) -> str:
    return parseaddr(from_email)[1].rpartition("@")[2] or "kynangso.local"


class Channel:
    """``open()``, then ``send_many()`` as often as needed, then ``close()`` (one batch)."""

    name = ""

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def address_error(self, address: str) -> str:
        """Why ``address`` can never receive a message on this channel ("" when it may): checked
        before sending, a permanent failure at once."""
        return ""

    def send_many(self, messages: list[OutgoingMessage]) -> list[DeliveryError | None]:
        """One outcome per message, in order: None (accepted) or a DeliveryError.

        Never swallows what must stop the batch: ``SoftTimeLimitExceeded`` and anything that is
        not an ``Exception`` (``KeyboardInterrupt``, ``SystemExit``) go up to the sender, which
        hands back what it has not sent.
        """
        raise NotImplementedError


# E-mail ------------------------------------------------------------------------------------


def _email_error(error: Exception) -> DeliveryError:
    """Classify what Django's (or anymail's) backend raised."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        if codes and all(500 <= code < 600 for code in codes):
            return PermanentDeliveryError(f"recipient refused: {error.recipients}")
        return TemporaryDeliveryError(f"recipient deferred: {error.recipients}")
    if isinstance(error, smtplib.SMTPResponseException):
        if 500 <= error.smtp_code < 600:
            return PermanentDeliveryError(f"SMTP {error.smtp_code}: {error.smtp_error!r}")
        return TemporaryDeliveryError(f"SMTP {error.smtp_code}: {error.smtp_error!r}")
    # django-anymail: AnymailRecipientsRefused, AnymailAPIError(status_code=...)
    if isinstance(error, ValueError | UnicodeError):  # an address Django cannot even encode ("a@b@c")
        return PermanentDeliveryError(f"invalid address: {error}")
    if type(error).__name__ == "AnymailRecipientsRefused":
        return PermanentDeliveryError(str(error))
    status = getattr(error, "status_code", None)
    if isinstance(status, int) and 400 <= status < 500 and status not in (408, 429):
        return PermanentDeliveryError(f"{type(error).__name__} {status}: {error}")
    return TemporaryDeliveryError(f"{type(error).__name__}: {error}")


class EmailChannel(Channel):
    """Plain-text e-mail through Django's e-mail backend, one connection per batch."""

    name = "email"

    def __init__(self) -> None:
        self.connection = None
        self.open_error = None

    def open(self) -> None:
        try:
            self.connection = get_connection(fail_silently=False)
            self.connection.open()
        except (OSError, smtplib.SMTPException) as error:
            self.connection, self.open_error = None, TemporaryDeliveryError(f"cannot connect: {error}")

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.close()
            except (OSError, smtplib.SMTPException):
                log.warning("Closing the e-mail connection failed", exc_info=True)
            self.connection = None

    def address_error(self, address: str) -> str:
        try:
            validate_email(address)
        except ValidationError:
            return f"invalid e-mail address: {address!r}"
        return ""

    def send_many(self, messages: list[OutgoingMessage]) -> list[DeliveryError | None]:
        if self.connection is None and self.open_error is None:
            self.open()
        if self.open_error is not None:
            return [self.open_error for _message in messages]
        outcomes = []
        for message in messages:
            email = EmailMessage(
                subject=message.subject,
                body=message.body,
                to=[message.to],
                connection=self.connection,
                headers={
                    **(message.headers or {}),
                    "Message-ID": message_id_for(message.key),
                    "X-Idempotency-Key": message.key,
                },
            )
            try:
                sent = email.send()
            except SoftTimeLimitExceeded:
                raise
            except Exception as error:  # SMTP, network, anymail and other providers' errors
                outcomes.append(_email_error(error))
            else:
                outcomes.append(None if sent else TemporaryDeliveryError("the backend sent nothing"))
        return outcomes


# SMS ----------------------------------------------------------------------------------------


class SmsBackend:
    """Sends one SMS; raises TemporaryDeliveryError or PermanentDeliveryError."""

    def send(self, *, to: str, text: str, reference: str) -> None:
        raise NotImplementedError


class ConsoleSmsBackend(SmsBackend):
    """Development: prints the SMS to the worker's console."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self.lock = threading.Lock()

    def send(self, *, to: str, text: str, reference: str) -> None:
        with self.lock:
            self.stream.write(f"--- SMS to {to} (ref {reference}) ---\n{text}\n")
            self.stream.flush()


class FileSmsBackend(SmsBackend):
    """Development and tests: appends one JSON line per SMS to ``SMS_FILE_PATH``.

    Like a provider that de-duplicates by client reference, it records a reference
    only once: a second send with a known reference is accepted and ignored. Several
    processes share the file under an exclusive lock; each keeps the references it
    has seen and reads only what others appended since.
    """

    def __init__(self, path: str | None = None) -> None:
        self.path = Path(path or settings.SMS_FILE_PATH)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.seen = set()
        self.offset = 0

    def _catch_up(self, handle: TextIO) -> None:
        handle.seek(self.offset)
        for line in handle:
            if line.endswith("\n"):
                self.seen.add(json.loads(line)["reference"])
                self.offset += len(line.encode())

    def send(self, *, to: str, text: str, reference: str) -> None:
        with open(self.path, "a+", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                self._catch_up(handle)
                if reference in self.seen:
                    return
                line = json.dumps(
                    {"to": to, "text": text, "reference": reference, "at": timezone.now().isoformat()},
                    ensure_ascii=False,
                )
                handle.seek(0, os.SEEK_END)
                handle.write(line + "\n")
                handle.flush()
                self.seen.add(reference)
                self.offset += len(line.encode()) + 1
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


class HttpGatewaySmsBackend(SmsBackend):
    """An SMS gateway over HTTPS, JSON in and out.

    ``POST SMS_GATEWAY_URL`` with ``Authorization: Bearer SMS_GATEWAY_TOKEN`` and the body
    ``{"to": "0912345678", "text": "...", "sender": SMS_GATEWAY_SENDER, "client_reference": key}``.
    The gateway must treat a repeated ``client_reference`` as the same message (accept it,
    send nothing): that is what makes a re-send after a crash harmless. Any 2xx is
    accepted. 408, 429, 5xx, timeouts and connection errors are temporary (retried with
    back-off); any other 4xx is permanent (the message is marked failed, staff may resend).
    Timeouts: ``SMS_GATEWAY_TIMEOUT`` seconds for connecting and for the answer.
    """

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        sender: str | None = None,
        timeout: float | None = None,
    ) -> None:
        self.url = url or settings.SMS_GATEWAY_URL
        self.token = token if token is not None else settings.SMS_GATEWAY_TOKEN
        self.sender = sender or settings.SMS_GATEWAY_SENDER
        self.timeout = timeout or settings.SMS_GATEWAY_TIMEOUT
        if not self.url:
            raise PermanentDeliveryError("SMS_GATEWAY_URL is not set")

    def send(self, *, to: str, text: str, reference: str) -> None:
        payload = json.dumps({"to": to, "text": text, "sender": self.sender, "client_reference": reference})
        request = urllib.request.Request(  # noqa: S310 (the URL is the operator's setting)
            self.url,
            data=payload.encode(),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                **({"Authorization": f"Bearer {self.token}"} if self.token else {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                response.read(65536)
        except urllib.error.HTTPError as error:
            detail = error.read(500).decode("utf-8", "replace")
            if error.code in (408, 429) or error.code >= 500:
                raise TemporaryDeliveryError(f"gateway {error.code}: {detail}") from error
            raise PermanentDeliveryError(f"gateway {error.code}: {detail}") from error
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            raise TemporaryDeliveryError(f"gateway unreachable: {error}") from error


_sms_backend = None
_sms_backend_lock = threading.Lock()
# The backends' module before the outreach app was split into sub-packages: a configured
# SMS_BACKEND that still names it keeps working.
_OLD_MODULE = "outreach.channels."


def _backend_path(path: str) -> str:
    return __name__ + "." + path.removeprefix(_OLD_MODULE) if path.startswith(_OLD_MODULE) else path


def sms_backend() -> SmsBackend:
    """The configured SMS backend (one per process: the file backend keeps what it has seen)."""
    global _sms_backend
    config = (settings.SMS_BACKEND, getattr(settings, "SMS_FILE_PATH", ""))
    with _sms_backend_lock:
        if _sms_backend is None or _sms_backend[0] != config:
            _sms_backend = (config, import_string(_backend_path(config[0]))())
        return _sms_backend[1]


def sms_text(text: str) -> str:
    """Fold to ASCII when ``SMS_ASCII`` is on: carriers bill Vietnamese with marks at 70 characters a part."""
    return anyascii(text) if settings.SMS_ASCII else text


class SmsChannel(Channel):
    name = "sms"

    def address_error(self, address: str) -> str:
        return "" if phone_is_mobile(address) else f"not a mobile number: {address!r}"

    def send_many(self, messages: list[OutgoingMessage]) -> list[DeliveryError | None]:
        try:
            backend = sms_backend()
        except DeliveryError as error:
            return [error for _message in messages]
        outcomes = []
        for message in messages:
            try:
                backend.send(to=message.to, text=sms_text(message.body), reference=message.key)
            except DeliveryError as error:
                outcomes.append(error)
            except SoftTimeLimitExceeded:
                raise
            except Exception as error:  # a backend's own bug or network error: try again later
                log.warning("SMS backend error", exc_info=True)
                outcomes.append(TemporaryDeliveryError(f"{type(error).__name__}: {error}"))
            else:
                outcomes.append(None)
        return outcomes


class InAppChannel(Channel):
    """The site's inbox: the delivery row is the notification, so sending is marking it sent."""

    name = "in_app"

    def send_many(self, messages: list[OutgoingMessage]) -> list[DeliveryError | None]:
        return [None for _message in messages]


CHANNELS = {"email": EmailChannel, "sms": SmsChannel, "in_app": InAppChannel}


def channel_for(name: str) -> Channel:
    if name == "zalo":
        # The Zalo channel builds on this module's interface (it imports this module).
        from .zalo.channel import ZaloChannel

        return ZaloChannel()
    return CHANNELS[name]()


def sms_available() -> bool:
    return bool(getattr(settings, "SMS_BACKEND", ""))
