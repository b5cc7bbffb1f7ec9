"""Reads of the LTI tool: what an instructor may link (deep linking), and a context's members (NRPS)."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext
from lti_tool.models import LtiContext, LtiMembership

from courses.learning.models import Enrolment
from courses.learning.pages import CoursePage, LessonPage

from . import keys
from .models import LtiAccount


def linkable_courses() -> list[CoursePage]:
    """Published public courses, each with ``lessons_list`` (its published lessons, in order): two queries."""
    courses = list(CoursePage.objects.live().public().order_by("path"))
    lessons = LessonPage.objects.live().public().order_by("path")
    by_parent: dict[str, list[LessonPage]] = {}
    for lesson in lessons:
        by_parent.setdefault(lesson.path[: -LessonPage.steplen], []).append(lesson)
    for course in courses:
        course.lessons_list = by_parent.get(course.path, [])
    return courses


@dataclass(frozen=True)
class MemberRow:
    name: str
    subject: str
    roles: list[str]
    active: bool
    person_id: int | None  # our person, when they launched once
    courses_done: int
    courses_open: int


def context_members(*, context: LtiContext) -> list[MemberRow]:
    """The context's members as the platform last listed them, with who launched and their progress here."""
    memberships = list(
        LtiMembership.objects.filter(context=context).select_related("user").order_by("user__name", "user__sub")
    )
    issuer = context.deployment.registration.issuer
    subjects = [m.user.sub for m in memberships]
    people = dict(LtiAccount.objects.filter(issuer=issuer, subject__in=subjects).values_list("subject", "user_id"))
    done: dict[int, int] = {}
    open_: dict[int, int] = {}
    for user_id, completed_at in Enrolment.objects.filter(
        user_id__in=people.values(), archived_at__isnull=True
    ).values_list("user_id", "completed_at"):
        target = done if completed_at else open_
        target[user_id] = target.get(user_id, 0) + 1
    rows = []
    for membership in memberships:
        person = people.get(membership.user.sub)
        roles = [
            label
            for flag, label in (
                (membership.is_instructor, "Instructor"),
                (membership.is_learner, "Learner"),
                (membership.is_administrator, "Administrator"),
                (membership.is_content_developer, "ContentDeveloper"),
                (membership.is_mentor, "Mentor"),
            )
            if flag
        ]
        rows.append(
            MemberRow(
                name=membership.user.name or membership.user.sub,
                subject=membership.user.sub,
                roles=roles,
                active=membership.is_active,
                person_id=person,
                courses_done=done.get(person, 0) if person else 0,
                courses_open=open_.get(person, 0) if person else 0,
            )
        )
    return rows


@dataclass(frozen=True)
class ToolAddress:
    label: str
    value: str
    help: str = ""
    block: bool = False  # several lines (the PEM key)


def tool_addresses(*, base_url: str, registration_uuid: str | None = None) -> list[ToolAddress]:
    """What a platform's administrator enters to register the tool (docs/lti.md), as absolute addresses.

    ``base_url`` is the site's address (``WAGTAILADMIN_BASE_URL`` or the request's); with a
    ``registration_uuid``, the login initiation address is that registration's own.
    """
    base = base_url.rstrip("/")
    login = reverse("lti:login_registration", args=[registration_uuid]) if registration_uuid else reverse("lti:login")
    launch = base + reverse("lti:launch")
    key = keys.tool_key()
    return [
        ToolAddress(
            gettext("Tool URL"), launch, gettext("Also the target link URI: where the platform sends the learner.")
        ),
        ToolAddress(
            gettext("Initiate login URL"),
            base + login,
            gettext("This platform's own address: it works even when the platform does not send its client id.")
            if registration_uuid
            else gettext("Shared by every platform; a registration's own address is on its edit page."),
        ),
        ToolAddress(gettext("Redirection URI(s)"), launch),
        ToolAddress(gettext("Public keyset URL"), base + reverse("lti:jwks"), gettext("Public key type: Keyset URL.")),
        ToolAddress(
            gettext("Deep linking URL"), launch, gettext("Tick “Supports Deep Linking (Content-Item Message)”.")
        ),
        ToolAddress(
            gettext("Public key"),
            key.public_pem.strip() if key else "",
            "" if key else gettext("No key is configured: set LTI_TOOL_PRIVATE_KEY (docs/lti.md)."),
            block=True,
        ),
    ]
