"""Multi-step writes of the LTI tool: accepting a launch, the hand-over, deep linking, members, scores.

A launch is validated first (``platform.launch_validate``); nothing here runs on a refused one, so a
refused launch writes nothing. A person is found by (issuer, ``sub``) only (``LtiAccount``'s unique
constraint), never by e-mail.
"""

import contextlib
import datetime
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from lti_tool.models import LtiContext, LtiDeployment, LtiMembership, LtiRegistration, LtiResourceLink, LtiUser
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.deep_link import DeepLink
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.exception import LtiException
from pylti1p3.grade import Grade
from pylti1p3.lineitem import LineItem
from pylti1p3.names_roles import NamesRolesProvisioningService
from wagtail.models import Page, Site

from accounts.models import User
from courses.learning.models import Enrolment, QuizAttempt
from courses.learning.pages import CourseIndexPage, CoursePage, LessonPage
from courses.learning.services import enrolment_create

from .models import LtiAccount, LtiEntryTicket, LtiGradeTarget, LtiScore
from .platform import CLAIM, LaunchRefused, registration_build, service_connector

AGS = "https://purl.imsglobal.org/spec/lti-ags/"
AGS_SCORE_SCOPE = AGS + "scope/score"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
DL_SETTINGS_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
DL_CACHE_PREFIX = "lti-deep-link:"
DL_SECONDS = 3600
MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
INSTITUTION = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#"
SCORE_MAXIMUM = 100.0


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _as_list(value: object) -> list:
    return value if isinstance(value, list) else []


def _as_dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _roles(data: dict) -> set[str]:
    """Role names without their vocabulary (``Instructor``…); a context role's sub-role counts as the role."""
    names = set()
    roles = data.get(CLAIM + "roles")
    for role in roles if isinstance(roles, list) else []:
        role = str(role)
        if role.startswith(MEMBERSHIP):
            names.add(role[len(MEMBERSHIP) :].split("#")[0])
        elif role.startswith(INSTITUTION):
            names.add("institution:" + role[len(INSTITUTION) :])
        elif "/" not in role:
            names.add(role)  # the short form the core spec allows for context roles
    return names


def _roles_teach(data: dict) -> bool:
    return bool(_roles(data) & {"Instructor", "Administrator", "ContentDeveloper", "institution:Administrator"})


def _roles_learn(data: dict) -> bool:
    return "Learner" in _roles(data) or not _roles_teach(data)


# People ----------------------------------------------------------------------------


def _display_name(data: dict) -> str:
    name = str(data.get("name") or " ".join(str(data.get(k) or "") for k in ("given_name", "family_name"))).strip()
    return name[:255] or _("LTI learner")


def account_for_launch(*, issuer: str, subject: str, name: str, registration: LtiRegistration) -> User:
    """The person linked to (issuer, subject), created on the first launch (with no password and no contact).

    The address is ``lti-…@lti.invalid`` (RFC 2606: never delivered): the account satisfies the site's
    "e-mail or phone" rule without trusting the platform's e-mail, which never links accounts here.
    """
    account = LtiAccount.objects.select_related("user").filter(issuer=issuer, subject=subject).first()
    if account is None:
        try:
            with transaction.atomic():
                user = User(email=f"lti-{_digest(issuer + chr(10) + subject)[:32]}@lti.invalid", full_name=name)
                user.set_unusable_password()
                user.save()
                account = LtiAccount.objects.create(
                    issuer=issuer, subject=subject, user=user, registration=registration
                )
        except IntegrityError:  # the same person's two launches at once: the other one created it
            account = LtiAccount.objects.select_related("user").get(issuer=issuer, subject=subject)
    else:
        LtiAccount.objects.filter(pk=account.pk).update(last_launch_at=timezone.now(), registration=registration)
    return account.user


def _context_sync(data: dict, deployment: LtiDeployment, lti_user: LtiUser) -> LtiContext | None:
    """django-lti's context, membership and resource link rows, from the launch's claims."""
    claim = data.get(CLAIM + "context")
    if not isinstance(claim, dict) or not claim.get("id"):
        return None
    nrps = _as_dict(data.get(NRPS_CLAIM))
    ags = _as_dict(data.get(AGS + "claim/endpoint"))
    context, _created = LtiContext.objects.update_or_create(
        deployment=deployment,
        id_on_platform=str(claim["id"])[:255],
        defaults={
            "title": str(claim.get("title") or "")[:500],
            "label": str(claim.get("label") or "")[:255],
            "memberships_url": str(nrps.get("context_memberships_url") or "")[:200],
            "lineitems_url": str(ags.get("lineitems") or "")[:200],
            "can_publish_scores": AGS_SCORE_SCOPE in _as_list(ags.get("scope")),
        },
    )
    roles = _roles(data)
    LtiMembership.objects.update_or_create(
        user=lti_user,
        context=context,
        defaults={
            "is_instructor": "Instructor" in roles,
            "is_learner": "Learner" in roles,
            "is_administrator": "Administrator" in roles,
            "is_content_developer": "ContentDeveloper" in roles,
            "is_mentor": "Mentor" in roles,
        },
    )
    link = data.get(CLAIM + "resource_link")
    if isinstance(link, dict) and link.get("id"):
        LtiResourceLink.objects.update_or_create(
            context=context, id_on_platform=str(link["id"])[:255], defaults={"title": str(link.get("title") or "")}
        )
    return context


# Launches --------------------------------------------------------------------------


@dataclass(frozen=True)
class Landing:
    ticket: str  # the one-time hand-over to a window of the site's own (LtiEntryTicket)
    page: Page
    user: User
    return_url: str


def page_for_launch(*, data: dict) -> Page | None:
    """The course or lesson the link names (its custom ``page_id``, which our deep-linking response sets)."""
    custom = data.get(CLAIM + "custom")
    raw = str(custom.get("page_id", "")) if isinstance(custom, dict) else ""
    if not raw.isdigit() or len(raw) > 12:
        return None
    page = Page.objects.live().public().type(CoursePage, LessonPage).filter(pk=int(raw)).first()
    return page.specific if page else None


def _fallback_page() -> Page:
    index = CourseIndexPage.objects.live().public().first()
    if index is not None:
        return index
    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    return site.root_page if site else Page.objects.filter(depth=1).get()


def _ticket_issue(user: User, page: Page) -> str:
    raw = secrets.token_urlsafe(32)
    LtiEntryTicket.objects.create(
        token_hash=_digest(raw),
        user=user,
        page=page,
        expires_at=timezone.now() + datetime.timedelta(seconds=settings.LTI_ENTRY_TICKET_SECONDS),
    )
    return raw


def _grade_target(data: dict, registration: LtiRegistration, user: User, course: CoursePage) -> None:
    ags = data.get(AGS + "claim/endpoint")
    if not isinstance(ags, dict) or not ags.get("lineitem") or AGS_SCORE_SCOPE not in _as_list(ags.get("scope")):
        return
    account = LtiAccount.objects.get(issuer=registration.issuer, subject=str(data["sub"]))
    LtiGradeTarget.objects.get_or_create(
        account=account,
        course=course,
        lineitem_url=str(ags["lineitem"])[:1000],
        defaults={"registration": registration},
    )


def launch_accept(*, data: dict, registration: LtiRegistration, deployment: LtiDeployment) -> Landing:
    """A validated resource-link launch: the person, their context, the course, the grade target, a ticket."""
    page = page_for_launch(data=data)
    issuer, subject = registration.issuer, str(data["sub"])
    with transaction.atomic():
        user = account_for_launch(issuer=issuer, subject=subject, name=_display_name(data), registration=registration)
        if not user.is_active:
            raise LaunchRefused(_("This account is not active."), "inactive user")
        lti_user, _created = LtiUser.objects.update_or_create(
            registration=registration,
            sub=subject[:255],
            defaults={"name": _display_name(data), "auth_user": user},
        )
        context = _context_sync(data, deployment, lti_user)
        course = page if isinstance(page, CoursePage) else page.course if isinstance(page, LessonPage) else None
        if course is not None and _roles_learn(data):
            # An audience or prerequisite rule: no enrolment, and the course page itself says why.
            with contextlib.suppress(ValidationError):
                enrolment_create(user=user, course=course)
            if isinstance(page, CoursePage):
                _grade_target(data, registration, user, page)
        ticket = _ticket_issue(user, page or _fallback_page())
        if context is not None and context.memberships_url and _roles_teach(data):
            # Imported here: tasks imports this module.
            from .tasks import context_members_enqueue

            context_members_enqueue(context.pk)
    presentation = data.get(CLAIM + "launch_presentation")
    presentation = presentation if isinstance(presentation, dict) else {}
    return Landing(
        ticket=ticket, page=page or _fallback_page(), user=user, return_url=str(presentation.get("return_url") or "")
    )


def entry_ticket_redeem(*, token: str) -> LtiEntryTicket | None:
    """Use a hand-over ticket once, before it expires; None for anything else (nothing written then)."""
    if not token or len(token) > 100:
        return None
    now = timezone.now()
    usable = LtiEntryTicket.objects.filter(token_hash=_digest(token), used_at__isnull=True, expires_at__gt=now)
    ticket = usable.select_related("user", "page").first()  # read first: a wrong token writes nothing
    if ticket is None or not usable.filter(pk=ticket.pk).update(used_at=now):  # the update claims it once
        return None
    return ticket


def entry_tickets_forget(*, older_than: datetime.timedelta = datetime.timedelta(days=1)) -> int:
    deleted, _rows = LtiEntryTicket.objects.filter(expires_at__lt=timezone.now() - older_than).delete()
    return deleted


# Deep linking (Deep Linking 2.0) ----------------------------------------------------


@dataclass(frozen=True)
class DeepLinkRequest:
    registration_id: int
    deployment_id: str
    settings: dict

    @property
    def accept_multiple(self) -> bool:
        return str(self.settings.get("accept_multiple", True)).lower() not in {"false", "0"}


def deep_link_begin(*, data: dict, registration: LtiRegistration, deployment: LtiDeployment) -> str:
    """Keep the request's settings for the picker (in the shared cache, an hour); returns the picker's token."""
    if not _roles_teach(data):
        raise LaunchRefused(_("Only the course's instructors can add activities from Kỹ Năng Số."), "not an instructor")
    dl_settings = data.get(DL_SETTINGS_CLAIM)
    if not isinstance(dl_settings, dict) or not dl_settings.get("deep_link_return_url"):
        raise LaunchRefused(_("The platform sent a launch we cannot accept."), "no deep_linking_settings")
    accept_types = dl_settings.get("accept_types")
    if not isinstance(accept_types, list) or "ltiResourceLink" not in accept_types:
        raise LaunchRefused(_("This platform does not accept LTI links here."), "ltiResourceLink not accepted")
    token = secrets.token_urlsafe(32)
    cache.set(
        DL_CACHE_PREFIX + _digest(token),
        {"registration_id": registration.pk, "deployment_id": deployment.deployment_id, "settings": dl_settings},
        DL_SECONDS,
    )
    return token


def deep_link_pending(*, token: str) -> DeepLinkRequest | None:
    if not token or len(token) > 100:
        return None
    stored = cache.get(DL_CACHE_PREFIX + _digest(token))
    return DeepLinkRequest(**stored) if isinstance(stored, dict) else None


@dataclass(frozen=True)
class DeepLinkReturn:
    return_url: str
    jwt: str


def _content_item(page: Page, launch_url: str) -> DeepLinkResource:
    resource = DeepLinkResource().set_url(launch_url).set_title(page.title).set_custom_params({"page_id": str(page.pk)})
    if isinstance(page, CoursePage):  # a course's completion is graded: the platform creates its line item
        resource.set_lineitem(
            LineItem().set_score_maximum(SCORE_MAXIMUM).set_label(page.title).set_resource_id(f"course-{page.pk}")
        )
    return resource


def deep_link_respond(*, token: str, page_ids: list[int], launch_url: str) -> DeepLinkReturn:
    """The signed LtiDeepLinkingResponse for the chosen courses and lessons (once per request)."""
    pending = deep_link_pending(token=token)
    if pending is None:
        raise LaunchRefused(_("This selection has expired. Start again from your course."), "deep link token")
    pages = [p.specific for p in Page.objects.live().public().type(CoursePage, LessonPage).filter(pk__in=page_ids)]
    if not pages or len(pages) != len(set(page_ids)):
        raise ValidationError(_("Choose at least one published course or lesson."), code="no_pages")
    if len(pages) > 1 and not pending.accept_multiple:
        raise ValidationError(_("The platform accepts one activity here: choose one."), code="one_only")
    registration = LtiRegistration.objects.active().filter(pk=pending.registration_id).first()
    if registration is None:
        raise LaunchRefused(_("This platform is not registered with Kỹ Năng Số."), "registration gone")
    pages.sort(key=lambda p: page_ids.index(p.pk))
    deep_link = DeepLink(registration_build(registration), pending.deployment_id, pending.settings)  # type: ignore[arg-type]
    jwt = deep_link.get_response_jwt([_content_item(page, launch_url) for page in pages])
    cache.delete(DL_CACHE_PREFIX + _digest(token))
    return DeepLinkReturn(return_url=str(pending.settings["deep_link_return_url"]), jwt=jwt)


# Names and roles (NRPS 2.0) ---------------------------------------------------------


def context_members_sync(*, context_id: int) -> int:
    """Fetch the context's members with the service token and keep them (django-lti's memberships)."""
    context = LtiContext.objects.select_related("deployment__registration").filter(pk=context_id).first()
    if context is None or not context.memberships_url:
        return 0
    nrps = NamesRolesProvisioningService(
        service_connector(context.deployment.registration), {"context_memberships_url": context.memberships_url}
    )
    members: list[Any] = [
        {**member, "status": member.get("status", "Active")}
        for member in nrps.get_members()
        if isinstance(member, dict) and member.get("user_id") and isinstance(member.get("roles"), list)
    ]
    with transaction.atomic():
        context.update_memberships(members)
    return len(members)


# Grade passback (AGS 2.0) -----------------------------------------------------------


def _course_score(enrolment: Enrolment) -> float:
    """The final test's best passed score (%), or full marks for a course without one."""
    best = (
        QuizAttempt.objects.filter(
            user_id=enrolment.user_id, course_id=enrolment.course_id, lesson__isnull=True, passed=True
        )
        .of_current_run()
        .aggregate(best=Max("score"))["best"]
    )
    return float(best) if best is not None else SCORE_MAXIMUM


def scores_record(*, enrolment: Enrolment) -> list[int]:
    """On a completed course: one score fact per grade target of that learner and course (ids to send)."""
    targets = list(LtiGradeTarget.objects.filter(account__user_id=enrolment.user_id, course_id=enrolment.course_id))
    if not targets:
        return []
    score = _course_score(enrolment)
    ids = []
    for target in targets:
        fact, _created = LtiScore.objects.get_or_create(
            target=target,
            enrolment=enrolment,
            defaults={
                "score_given": score,
                "score_maximum": SCORE_MAXIMUM,
                "completed_at": enrolment.completed_at or timezone.now(),
            },
        )
        ids.append(fact.pk)
    return ids


class ScoreNotSent(Exception):
    """The platform refused or could not be reached: the task tries again later."""


def score_send(*, score_id: int) -> bool:
    """POST the score to the line item's ``/scores`` once: False when it was sent already (or is gone)."""
    with transaction.atomic():
        score = (
            LtiScore.objects.select_for_update()
            .select_related("target__registration", "target__account")
            .filter(pk=score_id)
            .first()
        )
        if score is None or score.sent_at is not None:
            return False
        target = score.target
        grade = (
            Grade()
            .set_score_given(score.score_given)
            .set_score_maximum(score.score_maximum)
            .set_activity_progress("Completed")
            .set_grading_progress("FullyGraded")
            .set_timestamp(score.completed_at.astimezone(datetime.UTC).isoformat(timespec="milliseconds"))
            .set_user_id(target.account.subject)
        )
        endpoint: Any = {"scope": [AGS_SCORE_SCOPE], "lineitem": target.lineitem_url}
        service = AssignmentsGradesService(service_connector(target.registration), endpoint)
        try:
            service.put_grade(grade)
        except (LtiException, OSError, ValueError) as error:
            error_text = str(error)[:2000]
        else:
            score.sent_at = timezone.now()
            score.attempts += 1
            score.last_error = ""
            score.save(update_fields=["sent_at", "attempts", "last_error"])
            return True
        score.attempts += 1
        score.last_error = error_text
        score.save(update_fields=["attempts", "last_error"])
    raise ScoreNotSent(error_text)
