"""Zalo (ZNS) templates: per message kind, the template registered with Zalo and which of our
placeholders fills each of its parameters (docs/zalo.md).

Template ids belong to the Official Account and are approved by Zalo one by one, with their
parameter names and lengths: an operator's setting, like the SMS sender name, not something staff
edit in the admin. ``ZALO_TEMPLATES_FILE`` (JSON, the same shape as ``ZALO_TEMPLATES_DEFAULT``)
replaces these defaults, whose ids are the development stubs'. A kind without a template goes by
SMS (the fallback rules apply).
"""

import json
import os
from pathlib import Path

__all__ = [
    "ZALO_ACCESS_TOKEN",
    "ZALO_API_URL",
    "ZALO_APP_ID",
    "ZALO_BACKEND",
    "ZALO_FILE_NOT_ON_ZALO",
    "ZALO_OA_SECRET_KEY",
    "ZALO_TEMPLATES",
    "ZALO_TIMEOUT",
    "ZALO_WEBHOOK_MAX_AGE_SECONDS",
]

_NAME = {"customer_name": "name"}
_LENGTHS = {"customer_name": 30}


def _template(template_id: str, **params: str) -> dict:
    return {"template_id": template_id, "params": {**_NAME, **params}, "lengths": dict(_LENGTHS)}


_TRAINING = {"course_name": "course", "due_date": "due_date", "link": "link"}

ZALO_TEMPLATES_DEFAULT = {
    "training_due_soon": _template("kns-dev-training-due", **_TRAINING, days="days"),
    "training_due_today": _template("kns-dev-training-due", **_TRAINING),
    "training_overdue": _template("kns-dev-training-overdue", **_TRAINING, days="days"),
    "manager_digest": _template("kns-dev-digest", link="link"),
    "certificate_expiring": _template(
        "kns-dev-certificate", course_name="course", code="code", expiry_date="expiry_date", link="link"
    ),
    "certificate_issued": _template("kns-dev-certificate", course_name="course", code="code", link="link"),
    "certificate_revoked": _template("kns-dev-certificate-revoked", course_name="course", code="code", link="link"),
    "course_nudge": _template("kns-dev-course-nudge", course_name="course", days="days", link="link"),
    "extension_requested": _template("kns-dev-extension", course_name="course", link="link"),
    "extension_approved": _template("kns-dev-extension", course_name="course", due_date="due_date", link="link"),
    "extension_refused": _template("kns-dev-extension", course_name="course", due_date="due_date", link="link"),
    "campaign": _template("kns-dev-campaign", campaign="campaign", link="link", unsubscribe="unsubscribe"),
    # A ZNS authentication (OTP) template: the code and how long it works.
    "account_code": {"template_id": "kns-dev-otp", "params": {"otp": "code", "minutes": "minutes"}},
}


def zalo_templates(path: str) -> dict:
    """The templates of ``path`` (JSON), or the defaults when no file is named."""
    if not path:
        return ZALO_TEMPLATES_DEFAULT
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


# Imported by base.py after the environment (and .env) is read. Backends: FileZaloBackend (JSON lines;
# numbers ending in ZALO_FILE_NOT_ON_ZALO are "not on Zalo"), HttpZaloBackend (ZALO_API_URL with
# ZALO_ACCESS_TOKEN); empty: no Zalo (people who chose only Zalo are skipped).
ZALO_BACKEND = _env("ZALO_BACKEND", "outreach.delivery.zalo.channel.FileZaloBackend")
ZALO_FILE_NOT_ON_ZALO = tuple(item.strip() for item in _env("ZALO_FILE_NOT_ON_ZALO", "99").split(",") if item.strip())
ZALO_API_URL = _env("ZALO_API_URL", "https://business.openapi.zalo.me/message/template")
ZALO_ACCESS_TOKEN = _env("ZALO_ACCESS_TOKEN", "")
ZALO_TIMEOUT = float(_env("ZALO_TIMEOUT", "10"))
# The delivery webhook (/hooks/zalo/): X-ZEvent-Signature is sha256(app id + body + timestamp + OA secret key).
ZALO_APP_ID = _env("ZALO_APP_ID", "")
ZALO_OA_SECRET_KEY = _env("ZALO_OA_SECRET_KEY", "")
# An event older than this is refused (Zalo retries a failed call for up to 12 hours).
ZALO_WEBHOOK_MAX_AGE_SECONDS = int(_env("ZALO_WEBHOOK_MAX_AGE_SECONDS", str(12 * 3600)))
ZALO_TEMPLATES = zalo_templates(_env("ZALO_TEMPLATES_FILE", ""))
