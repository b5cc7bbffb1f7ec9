"""Building xAPI 1.0.3 statements from what learning announced (docs/xapi.md). No database, no network.

- ``id``: a UUID 5 of the fact (``statement_uuid``), so the same fact built twice is the same statement;
- ``actor``: an Agent identified by an ``account`` (homePage = the site, name = a pseudonym: the HMAC of
  the account id, never an e-mail address or a phone number);
- ``verb``: ADL's (``http://adlnet.gov/expapi/verbs/…``), and ``earned`` from the TinCan registry;
- ``object``: an Activity whose id is the page's address on the site;
- ``result``, ``context`` (parent course, registration = the enrolment's UUID, platform, language vi),
  ``timestamp`` in UTC.
"""

import datetime
import hashlib
import hmac
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.conf import settings

XAPI_VERSION = "1.0.3"

VERBS = {
    "experienced": ("http://adlnet.gov/expapi/verbs/experienced", "đã xem", "experienced"),
    "completed": ("http://adlnet.gov/expapi/verbs/completed", "đã hoàn thành", "completed"),
    "answered": ("http://adlnet.gov/expapi/verbs/answered", "đã trả lời", "answered"),
    "passed": ("http://adlnet.gov/expapi/verbs/passed", "đã đạt", "passed"),
    "failed": ("http://adlnet.gov/expapi/verbs/failed", "chưa đạt", "failed"),
    "progressed": ("http://adlnet.gov/expapi/verbs/progressed", "đã học tiếp", "progressed"),
    "earned": ("http://id.tincanapi.com/verb/earned", "đã nhận", "earned"),
    "voided": ("http://adlnet.gov/expapi/verbs/voided", "đã huỷ", "voided"),
}

ACTIVITY_TYPES = {
    "course": "http://adlnet.gov/expapi/activities/course",
    "lesson": "http://adlnet.gov/expapi/activities/lesson",
    "assessment": "http://adlnet.gov/expapi/activities/assessment",
    "module": "http://adlnet.gov/expapi/activities/module",
    "page": "http://activitystrea.ms/schema/1.0/page",
    "certificate": "http://id.tincanapi.com/activitytype/certificate",
}


@dataclass(frozen=True)
class Activity:
    id: str
    kind: str  # a key of ACTIVITY_TYPES
    name: str = ""

    def as_object(self) -> dict[str, Any]:
        definition: dict[str, Any] = {"type": ACTIVITY_TYPES[self.kind]}
        if self.name:
            definition["name"] = {"vi": self.name}
        return {"objectType": "Activity", "id": self.id, "definition": definition}


@dataclass(frozen=True)
class Built:
    """A statement ready to store: its id, who (``learner_id``; None for a voiding statement), what."""

    statement_id: uuid.UUID
    learner_id: int | None
    verb: str
    activity: str
    payload: dict[str, Any]


def site_url() -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/")


def namespace() -> uuid.UUID:
    """The namespace of every statement id of this site."""
    return uuid.uuid5(uuid.NAMESPACE_URL, site_url() + "/xapi/")


def statement_uuid(fact: str) -> uuid.UUID:
    return uuid.uuid5(namespace(), fact)


def registration_uuid(enrolment_id: int) -> str:
    """The enrolment's UUID (``context.registration``): stable, derived from its id."""
    return str(uuid.uuid5(namespace(), f"enrolment:{enrolment_id}"))


def actor_name(user_id: int) -> str:
    """A stable pseudonym of the account: the HMAC of its id (nothing the LRS can turn back into a person)."""
    key = (settings.XAPI_ACTOR_KEY or f"xapi-actor:{settings.SECRET_KEY}").encode()
    return hmac.new(key, str(user_id).encode(), hashlib.sha256).hexdigest()[:32]


def actor(user_id: int) -> dict[str, Any]:
    return {"objectType": "Agent", "account": {"homePage": site_url() + "/", "name": actor_name(user_id)}}


def site_agent() -> dict[str, Any]:
    """The site itself (the actor of its voiding statements)."""
    return {"objectType": "Agent", "account": {"homePage": site_url() + "/", "name": "kynangso"}}


def utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def duration(seconds: float) -> str:
    """An ISO 8601 duration (``PT1H2M3.5S``), to the hundredth of a second, as xAPI asks."""
    hundredths = round(max(0.0, seconds) * 100)
    hours, rest = divmod(hundredths, 360000)
    minutes, rest = divmod(rest, 6000)
    secs = f"{rest // 100}.{rest % 100:02d}".rstrip("0").rstrip(".")
    text = "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    return text + (f"{secs}S" if secs != "0" or text == "PT" else "")


def context(*, parent: Activity | None = None, enrolment_id: int | None = None) -> dict[str, Any]:
    value: dict[str, Any] = {"platform": settings.XAPI_PLATFORM, "language": "vi"}
    if enrolment_id is not None:
        value["registration"] = registration_uuid(enrolment_id)
    if parent is not None:
        value["contextActivities"] = {"parent": [parent.as_object()]}
    return value


def score(*, raw: float | None, minimum: float | None, maximum: float | None, scaled: float | None) -> dict | None:
    """``result.score``: scaled in -1..1, raw between min and max (what is known of them)."""
    value: dict[str, float] = {}
    if scaled is not None:
        value["scaled"] = round(max(-1.0, min(1.0, float(scaled))), 4)
    if raw is not None:
        value["raw"] = float(raw)
    if minimum is not None:
        value["min"] = float(minimum)
    if maximum is not None:
        value["max"] = float(maximum)
    return value or None


def build(
    *,
    fact: str,
    user_id: int,
    verb: str,
    activity: Activity,
    at: datetime.datetime,
    result: dict[str, Any] | None = None,
    parent: Activity | None = None,
    enrolment_id: int | None = None,
) -> Built:
    """One statement about ``user_id``; ``fact`` names it uniquely (its id is derived from it)."""
    statement_id = statement_uuid(fact)
    verb_id, vi, en = VERBS[verb]
    payload: dict[str, Any] = {
        "id": str(statement_id),
        "actor": actor(user_id),
        "verb": {"id": verb_id, "display": {"vi": vi, "en-US": en}},
        "object": activity.as_object(),
        "context": context(parent=parent, enrolment_id=enrolment_id),
        "timestamp": utc(at),
        "version": XAPI_VERSION,
    }
    if result:
        payload["result"] = result
    return Built(statement_id, user_id, verb, activity.id, payload)


def voiding(*, statement_id: uuid.UUID, at: datetime.datetime) -> Built:
    """The statement that voids ``statement_id`` (object: a StatementRef), by the site, naming no one."""
    own_id = statement_uuid(f"void:{statement_id}")
    verb_id, vi, en = VERBS["voided"]
    payload = {
        "id": str(own_id),
        "actor": site_agent(),
        "verb": {"id": verb_id, "display": {"vi": vi, "en-US": en}},
        "object": {"objectType": "StatementRef", "id": str(statement_id)},
        "timestamp": utc(at),
        "version": XAPI_VERSION,
    }
    return Built(own_id, None, "voided", str(statement_id), payload)


def package_activity(*, lesson_url: str, standard: str, package_id: str, title: str) -> Activity:
    """A SCORM package or an H5P activity inside a lesson: the lesson's address, the package named in the fragment."""
    return Activity(f"{lesson_url}#{standard}-{quote(package_id, safe='')}", "module", title)
