"""The Zalo channel: a ZNS template message to the person's phone number (docs/zalo.md).

ZNS sends only templates registered with (and approved by) Zalo. ``ZALO_TEMPLATES`` names, per
message kind, the template id and which of our placeholders fills each of its parameters; the
values were stored in the row's context when it was planned (``context["zalo"]``), so a changed
mapping applies to rows already planned.

Backends (``ZALO_BACKEND``): ``FileZaloBackend`` (development and tests: JSON lines in
``ZALO_FILE_PATH``; numbers ending in one of ``ZALO_FILE_NOT_ON_ZALO`` are "not on Zalo") and
``HttpZaloBackend`` (``POST ZALO_API_URL``, header ``access_token``, JSON
``{phone, template_id, template_data, tracking_id}``; Zalo answers HTTP 200 with ``error`` 0 or a
negative code). Each answer is one of our outcomes: sent, temporary (retried), permanent (failed),
or ``FallbackDeliveryError`` (the number is not on Zalo or cannot receive, the template was
refused: the sender hands the message to SMS, ``fallback.py``).
"""

import fcntl
import hashlib
import json
import logging
import os
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import TextIO

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from accounts.phone import phone_is_mobile

from ..channels import (
    Channel,
    DeliveryError,
    FallbackDeliveryError,
    OutgoingMessage,
    PermanentDeliveryError,
    TemporaryDeliveryError,
)

log = logging.getLogger(__name__)

# Zalo's error codes (its table "Cách xử lý mã lỗi", zalo.cloud/zns/guidelines/handle-error-code)
# and what each means for us. A code not listed is permanent (failed, visible, resendable).
TEMPORARY_CODES = {
    -100: "unknown error (Zalo says: try again later)",
    -115: "out of quota",
    -124: "access token invalid (refresh it)",
}
FALLBACK_CODES = {
    -109: "template id invalid",
    -110: "Zalo version unsupported",
    -111: "template data empty",
    -112: "template data invalid",
    -114: "user inactive, refused the message, or an outdated Zalo",
    -117: "OA or app has no permission for the template",
    -118: "Zalo account not existed",
    -119: "account cannot receive ZNS",
}
PERMANENT_CODES = {-108: "phone number invalid"}


def zalo_available() -> bool:
    return bool(getattr(settings, "ZALO_BACKEND", ""))


def zalo_phone(number: str) -> str:
    """A stored national number ("0912345678") as ZNS wants it ("84912345678")."""
    return "84" + number[1:] if number.startswith("0") else number


def tracking_id(*, pk: int | None, key: str) -> str:
    """The ``tracking_id`` of a delivery: its id and a digest of its idempotency key (at most 48
    characters whatever the key). The same row always sends the same one; the webhook finds the row
    by the id and checks the digest."""
    return f"{pk or 0}.{hashlib.sha256(key.encode()).hexdigest()[:24]}"


def zalo_error(code: int, message: str) -> DeliveryError:
    """Our outcome for Zalo's ``error`` code (non-zero)."""
    text = f"zalo {code}: {message}"
    if code in TEMPORARY_CODES:
        return TemporaryDeliveryError(text)
    if code in FALLBACK_CODES:
        return FallbackDeliveryError(text)
    return PermanentDeliveryError(text)


def template_for(kind: str) -> dict | None:
    """The registered template of ``kind``: {"template_id": ..., "params": {zns name: placeholder},
    "lengths": {zns name: max}} (None: the kind has none, its messages go by SMS)."""
    template = (getattr(settings, "ZALO_TEMPLATES", {}) or {}).get(kind)
    return template if template and template.get("template_id") else None


def template_data(template: dict, values: dict) -> dict:
    """The template's parameters from our placeholders' values (each cut to its length, 200 by default)."""
    lengths = template.get("lengths") or {}
    return {
        name: str(values.get(placeholder, ""))[: int(lengths.get(name, 200))]
        for name, placeholder in (template.get("params") or {}).items()
    }


class ZaloBackend:
    """Sends one ZNS message; returns Zalo's ``msg_id``; raises a DeliveryError."""

    def send(self, *, phone: str, template_id: str, data: dict, tracking: str) -> str:
        raise NotImplementedError


class FileZaloBackend(ZaloBackend):
    """Development and tests: one JSON line per message in ``ZALO_FILE_PATH``, a tracking id recorded
    once (several processes share the file under a lock). A number ending in one of
    ``ZALO_FILE_NOT_ON_ZALO`` answers -118 (not on Zalo), a template id starting ``refused`` -109."""

    def __init__(self, path: str | None = None) -> None:
        self.path = Path(path or settings.ZALO_FILE_PATH)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.not_on_zalo = tuple(getattr(settings, "ZALO_FILE_NOT_ON_ZALO", ()) or ())
        self.seen: dict[str, str] = {}
        self.offset = 0

    def _catch_up(self, handle: TextIO) -> None:
        handle.seek(self.offset)
        for line in handle:
            if line.endswith("\n"):
                entry = json.loads(line)
                self.seen[entry["tracking_id"]] = entry["msg_id"]
                self.offset += len(line.encode())

    def send(self, *, phone: str, template_id: str, data: dict, tracking: str) -> str:
        if self.not_on_zalo and phone.endswith(self.not_on_zalo):
            raise zalo_error(-118, "Zalo account not existed")
        if template_id.startswith("refused"):
            raise zalo_error(-109, "Template ID invalid")
        with open(self.path, "a+", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                self._catch_up(handle)
                if tracking in self.seen:
                    return self.seen[tracking]
                msg_id = hashlib.sha256(tracking.encode()).hexdigest()[:20]
                line = json.dumps(
                    {
                        "phone": phone,
                        "template_id": template_id,
                        "template_data": data,
                        "tracking_id": tracking,
                        "msg_id": msg_id,
                        "at": timezone.now().isoformat(),
                    },
                    ensure_ascii=False,
                )
                handle.seek(0, os.SEEK_END)
                handle.write(line + "\n")
                handle.flush()
                self.seen[tracking] = msg_id
                self.offset += len(line.encode()) + 1
                return msg_id
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


class HttpZaloBackend(ZaloBackend):
    """ZNS over HTTPS: ``POST ZALO_API_URL`` (``https://business.openapi.zalo.me/message/template``)
    with the header ``access_token: ZALO_ACCESS_TOKEN``. HTTP 200 carries Zalo's answer: ``error`` 0
    (``data.msg_id``) or a negative code (``zalo_error``). Timeouts, connection errors, 408, 429 and
    5xx are temporary; another HTTP status, or an answer that is not Zalo's JSON, is permanent."""

    def __init__(self, url: str | None = None, token: str | None = None, timeout: float | None = None) -> None:
        self.url = url or settings.ZALO_API_URL
        self.token = token if token is not None else settings.ZALO_ACCESS_TOKEN
        self.timeout = timeout or settings.ZALO_TIMEOUT
        if not self.url:
            raise PermanentDeliveryError("ZALO_API_URL is not set")

    def send(self, *, phone: str, template_id: str, data: dict, tracking: str) -> str:
        payload = {"phone": phone, "template_id": template_id, "template_data": data, "tracking_id": tracking}
        request = urllib.request.Request(  # noqa: S310 (the URL is the operator's setting)
            self.url,
            data=json.dumps(payload, ensure_ascii=False).encode(),
            method="POST",
            headers={"Content-Type": "application/json", "Accept": "application/json", "access_token": self.token},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                raw = response.read(65536)
        except urllib.error.HTTPError as error:
            detail = error.read(500).decode("utf-8", "replace")
            if error.code in (408, 429) or error.code >= 500:
                raise TemporaryDeliveryError(f"zalo HTTP {error.code}: {detail}") from error
            raise PermanentDeliveryError(f"zalo HTTP {error.code}: {detail}") from error
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            raise TemporaryDeliveryError(f"zalo unreachable: {error}") from error
        try:
            answer = json.loads(raw)
            code = int(answer.get("error", -1))
        except (ValueError, TypeError, AttributeError) as error:
            raise PermanentDeliveryError(f"zalo answered no JSON: {raw[:200]!r}") from error
        if code != 0:
            raise zalo_error(code, str(answer.get("message", ""))[:300])
        return str((answer.get("data") or {}).get("msg_id", ""))


_backend: tuple | None = None
_backend_lock = threading.Lock()


def zalo_backend() -> ZaloBackend:
    """The configured backend (one per process: the file backend keeps what it has seen)."""
    global _backend
    config = (settings.ZALO_BACKEND, getattr(settings, "ZALO_FILE_PATH", ""), getattr(settings, "ZALO_API_URL", ""))
    with _backend_lock:
        if _backend is None or _backend[0] != config:
            _backend = (config, import_string(config[0])())
        return _backend[1]


class ZaloChannel(Channel):
    name = "zalo"

    def address_error(self, address: str) -> str:
        return "" if phone_is_mobile(address) else f"not a mobile number: {address!r}"

    def _send_one(self, backend: ZaloBackend, message: OutgoingMessage) -> None:
        template = template_for(message.kind)
        if template is None:
            raise FallbackDeliveryError(f"no Zalo template for {message.kind!r}")
        values = (message.context or {}).get("zalo") or {}
        backend.send(
            phone=zalo_phone(message.to),
            template_id=str(template["template_id"]),
            data=template_data(template, values),
            tracking=tracking_id(pk=message.pk, key=message.key),
        )

    def send_many(self, messages: list[OutgoingMessage]) -> list[DeliveryError | None]:
        try:
            backend = zalo_backend()
        except DeliveryError as error:
            return [error for _message in messages]
        outcomes: list[DeliveryError | None] = []
        for message in messages:
            try:
                self._send_one(backend, message)
            except DeliveryError as error:
                outcomes.append(error)
            except SoftTimeLimitExceeded:
                raise
            except Exception as error:  # a backend's own bug or network error: try again later
                log.warning("Zalo backend error", exc_info=True)
                outcomes.append(TemporaryDeliveryError(f"{type(error).__name__}: {error}"))
            else:
                outcomes.append(None)
        return outcomes
