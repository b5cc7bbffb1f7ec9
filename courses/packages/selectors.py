"""Learning packages' reads: the player a lesson shows, a learner's open attempt, the content's signed address.

The content of a learner's package is served under ``/learn/package-content/<token>/…``: the token,
signed and short-lived, names the person, the lesson and the package (docs/packages.md, "Sandbox").
"""

import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.http import HttpRequest
from django.urls import reverse
from wagtail.models import Page, ReferenceIndex

from accounts.models import User

from . import cmi
from .models import LearningPackage, PackageAttempt, Standard

_CONTENT_SALT = "courses.packages.content"
_ATTEMPT_SALT = "courses.packages.attempt"


@dataclass(frozen=True)
class ContentGrant:
    user_id: int
    lesson_id: int
    package_id: int


@dataclass(frozen=True)
class Player:
    """What a lesson's package block shows: a sign-in prompt, or the frame and where it commits."""

    package: LearningPackage
    signed_in: bool
    launch_url: str = ""
    commit_url: str = ""


def content_token(*, user_id: int, lesson_id: int, package_id: int) -> str:
    return signing.TimestampSigner(salt=_CONTENT_SALT).sign(f"{user_id}.{lesson_id}.{package_id}")


def content_grant(*, token: str) -> ContentGrant | None:
    """The person, lesson and package a content token names; None if forged or expired."""
    try:
        value = signing.TimestampSigner(salt=_CONTENT_SALT).unsign(
            token, max_age=settings.PACKAGES_CONTENT_TOKEN_MAX_AGE
        )
        user_id, lesson_id, package_id = (int(part) for part in value.split("."))
    except (signing.BadSignature, ValueError):
        return None
    return ContentGrant(user_id=user_id, lesson_id=lesson_id, package_id=package_id)


def attempt_token(*, grant: ContentGrant, attempt_uuid: str) -> str:
    """The signed name of the attempt a launch plays: commits must bring it back (no chosen ids)."""
    value = f"{grant.user_id}.{grant.lesson_id}.{grant.package_id}.{attempt_uuid}"
    return signing.Signer(salt=_ATTEMPT_SALT).sign(value)


def attempt_token_read(*, token: str, user_id: int, lesson_id: int, package_id: int) -> str | None:
    """The attempt's uuid if ``token`` was signed for this person, lesson and package; else None."""
    try:
        value = signing.Signer(salt=_ATTEMPT_SALT).unsign(token)
    except (signing.BadSignature, TypeError):
        return None
    parts = value.split(".")
    if len(parts) != 4 or parts[:3] != [str(user_id), str(lesson_id), str(package_id)]:
        return None
    return parts[3]


def lesson_package_ids(*, lesson: Any) -> set[int]:
    """The packages a lesson's body plays that still exist (the raw blocks' ids, then one query).

    A block whose package was deleted plays nothing: the lesson is then completed by its button.
    """
    ids = set()
    for block in lesson.body.raw_data:
        if block.get("type") == "package":
            package_id = (block.get("value") or {}).get("package")
            if isinstance(package_id, int):
                ids.add(package_id)
    if not ids:
        return ids
    return set(LearningPackage.objects.filter(pk__in=ids).values_list("pk", flat=True))


def package_live_lessons(*, package: LearningPackage) -> list[Any]:
    """The live lessons whose body plays ``package`` (Wagtail's reference index)."""
    page_ids = [
        int(object_id)
        for object_id in ReferenceIndex.get_references_to(package)
        .filter(base_content_type__model="page", base_content_type__app_label="wagtailcore")
        .values_list("object_id", flat=True)
        if str(object_id).isdigit()
    ]
    return list(Page.objects.live().filter(pk__in=page_ids).order_by("title"))


def packages_same_identifier(*, package: LearningPackage) -> list[LearningPackage]:
    """The other uploads with the same identifier and standard (the same zip uploaded again, or a new version)."""
    return list(
        LearningPackage.objects.filter(identifier=package.identifier, standard=package.standard).exclude(pk=package.pk)
    )


def attempt_open(*, user_id: int, lesson_id: int, package_id: int) -> PackageAttempt | None:
    return PackageAttempt.objects.filter(
        user_id=user_id, lesson_id=lesson_id, package_id=package_id, closed_at__isnull=True
    ).first()


def package_player(*, request: HttpRequest | None, lesson: Any, package: LearningPackage | None) -> Player | None:
    """The player of ``package`` in ``lesson`` for the person asking (None: nothing to show)."""
    if package is None or lesson is None or not getattr(lesson, "pk", None):
        return None
    if package.pk not in lesson_package_ids(lesson=lesson):  # deleted since the body was read
        return None
    user: User | None = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return Player(package=package, signed_in=False)
    token = content_token(user_id=user.pk, lesson_id=lesson.pk, package_id=package.pk)
    commit_url = reverse("courses:package_commit", kwargs={"lesson_id": lesson.pk, "package_id": package.pk})
    if package.standard == Standard.H5P:  # H5P's player page plays it (courses/packages/h5p/views.py)
        launch = reverse("courses:package_h5p_player", kwargs={"token": token})
        return Player(package=package, signed_in=True, launch_url=launch, commit_url=commit_url)
    path = package.launch_path
    return Player(
        package=package,
        signed_in=True,
        launch_url=reverse("courses:package_content", kwargs={"token": token, "path": path.split("?")[0].split("#")[0]})
        + path[len(path.split("?")[0].split("#")[0]) :],
        commit_url=reverse("courses:package_commit", kwargs={"lesson_id": lesson.pk, "package_id": package.pk}),
    )


def _read_only(*, standard: str, user: User, package: LearningPackage, entry: str, total: float) -> dict[str, str]:
    name = (user.get_full_name() or user.get_username())[:255]
    if standard == Standard.SCORM12:
        return {
            "cmi.core.student_id": str(user.pk),
            "cmi.core.student_name": name,
            "cmi.core.credit": "credit",
            "cmi.core.entry": entry,
            "cmi.core.total_time": cmi.timespan_format(standard, total),
            "cmi.core.lesson_mode": "normal",
            "cmi.launch_data": "",
            "cmi.comments_from_lms": "",
            "cmi.student_data.mastery_score": str(package.manifest.get("mastery_score") or ""),
            "cmi.core.lesson_status": "not attempted",  # until the content sets it
        }
    return {
        "cmi._version": "1.0",
        "cmi.learner_id": str(user.pk),
        "cmi.learner_name": name,
        "cmi.credit": "credit",
        "cmi.entry": entry,
        "cmi.mode": "normal",
        "cmi.total_time": cmi.timespan_format(standard, total),
        "cmi.launch_data": "",
        "cmi.completion_status": "unknown",  # until the content sets them
        "cmi.success_status": "unknown",
    }


def launch_state(*, grant: ContentGrant, user: User, package: LearningPackage, origin: str) -> dict[str, Any]:
    """What the adapter starts with: the data model, the read-only values, the attempt's stored values
    (so the learner resumes) and the signed attempt its commits name."""
    attempt = attempt_open(user_id=grant.user_id, lesson_id=grant.lesson_id, package_id=grant.package_id)
    standard = package.standard
    session = cmi.SESSION_ELEMENTS[standard]
    if attempt is None:
        attempt_uuid, stored, entry, total = str(uuid.uuid4()), {}, "ab-initio", 0.0
    else:
        attempt_uuid, total = str(attempt.uuid), attempt.session_seconds
        stored = {key: value for key, value in attempt.cmi.items() if key not in session}
        entry = "resume" if attempt.cmi.get(session[0]) == "suspend" else ""
    return {
        "standard": standard,
        "origin": origin,
        "attempt": attempt_token(grant=grant, attempt_uuid=attempt_uuid),
        "model": cmi.model_for_browser(standard),
        "children": cmi.CHILDREN[standard],
        "values": {
            **_read_only(standard=standard, user=user, package=package, entry=entry, total=total),
            **stored,
        },
    }
