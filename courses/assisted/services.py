"""The writes of assisted learning: a helper opens a session with a citizen who agrees, walks them through
lessons and tutorials (the progress is the citizen's, marked "assisted"), records a service completed at
the counter, ends the session; the citizen can withdraw.

Every write runs in one transaction with its ``AssistedLogEntry`` (the helper's identity); a refusal
raises ``ValidationError`` (or the codes' ``CodeRefused``) with nothing written (a wrong code counts a
wrong try on the code's row, as every code does).
"""

import secrets
from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import roles
from accounts.audit.services import role_change_record, role_snapshot
from accounts.codes.models import OneTimeCode
from accounts.codes.services import CodeRefused, code_issue, code_use
from accounts.consent.services import notice_version
from accounts.models import User
from accounts.phone import phone_is_mobile, phone_normalise
from accounts.services import user_sign_up

from ..learning.models import PublicService
from ..learning.pages import LessonPage, TutorialPage
from ..learning.services import lesson_complete, tutorial_mark_done
from .models import AssistedLogEntry, AssistedMark, AssistedSession

PURPOSE = OneTimeCode.Purpose.ASSISTED_CONSENT
Action = AssistedLogEntry.Action
Status = AssistedSession.Status

# What the citizen agrees to, read out at the counter and kept on the session (in the language shown).
CONSENT_TEXT = gettext_lazy(
    "I agree that the helper at this counter guides my learning on Kỹ Năng Số today: they see my name, "
    "my progress in what we do together and what we complete, until the session ends or I withdraw."
)
ACCOUNT_CONSENT_TEXT = gettext_lazy(
    "I agree that the helper at this counter creates my Kỹ Năng Số account with my name and phone number, "
    "under the privacy notice, and guides my learning today."
)


def helper_can_assist(*, user: User) -> bool:
    """A helper: the permission (the ``Hỗ trợ viên`` group) and a unit, whose counter the sessions belong to."""
    return bool(user.is_authenticated and user.is_active and user.organisation_unit_id) and user.has_perm(
        "courses.assist_citizens"
    )


def _helper_checked(helper: User) -> None:
    if not helper_can_assist(user=helper):
        raise PermissionDenied


def _log(*, session: AssistedSession, action: str, helper: User | None, detail: str = "") -> AssistedLogEntry:
    return AssistedLogEntry.objects.create(
        session=session, action=action, helper=helper, citizen_id=session.citizen_id, detail=detail[:200]
    )


def _phone(raw: str) -> str:
    phone = phone_normalise(raw)
    if phone is None:
        raise ValidationError(_("Enter a Vietnamese phone number, for example 0912 345 678."), code="invalid_phone")
    return phone


def session_start(*, helper: User, phone: str, request: HttpRequest | None) -> AssistedSession:
    """Open a session waiting for the citizen with ``phone`` and send them a consent code by SMS.

    ValidationError ``no_account`` when no active account has the number (the helper may then create one
    with the citizen's consent, ``session_start_with_new_account``); the codes' limits apply (per number,
    per client, the cool-down): ``CodeRefused``. Nothing is written on a refusal.
    """
    _helper_checked(helper)
    phone = _phone(phone)
    if not phone_is_mobile(phone):
        raise ValidationError(_("This number cannot receive an SMS. Enter a mobile number."), code="landline")
    citizen = User.objects.filter(phone=phone).first()
    if citizen is None:
        raise ValidationError(_("No account has this number yet."), code="no_account")
    if not citizen.is_active:
        raise ValidationError(
            _("The account with this number is not in use (not confirmed or closed)."), code="inactive"
        )
    if citizen.pk == helper.pk:
        raise ValidationError(_("You cannot start a session with yourself."), code="self")
    with transaction.atomic():
        session = AssistedSession.objects.create(
            helper=helper, citizen=citizen, unit_id=helper.organisation_unit_id, phone=phone
        )
        code_issue(purpose=PURPOSE, user=citizen, address=phone, request=request, reference=f"assisted:{session.pk}")
        _log(session=session, action=Action.CODE_SENT, helper=helper)
    return session


def session_code_resend(*, helper: User, session: AssistedSession, request: HttpRequest | None) -> None:
    """A new consent code for a session still waiting (the codes' cool-down and limits apply)."""
    _session_checked(helper=helper, session=session, status=Status.WAITING)
    with transaction.atomic():
        code_issue(
            purpose=PURPOSE,
            user=session.citizen,
            address=session.phone,
            request=request,
            reference=f"assisted:{session.pk}",
        )
        _log(session=session, action=Action.CODE_SENT, helper=helper)


def session_confirm(
    *, helper: User, session: AssistedSession, code: str, request: HttpRequest | None
) -> AssistedSession:
    """The citizen's code (typed by them or read out to the helper) opens the session, recording their consent.

    ``CodeRefused`` for a wrong, expired or used code (nothing written but the code's wrong try).
    """
    _session_checked(helper=helper, session=session, status=Status.WAITING)

    def agree(row: OneTimeCode) -> AssistedSession:
        if row.user_id != session.citizen_id or row.reference != f"assisted:{session.pk}":
            raise CodeRefused("wrong")
        now = timezone.now()
        updated = AssistedSession.objects.filter(pk=session.pk, status=Status.WAITING).update(
            status=Status.OPEN,
            consent_method=AssistedSession.ConsentMethod.SMS_CODE,
            consent_at=now,
            consent_text=str(CONSENT_TEXT),
            notice_version=notice_version(),
        )
        if not updated:
            raise CodeRefused("dead")
        session.refresh_from_db()
        _log(session=session, action=Action.CONSENT_CODE, helper=helper)
        return session

    return code_use(purposes=(PURPOSE,), address=session.phone, code=code, request=request, then=agree)


def session_start_with_new_account(*, helper: User, full_name: str, phone: str, agreed: bool) -> AssistedSession:
    """Create the citizen's account at the counter with their consent (who, when, what, the notice version)
    and open the session. The account has no password: the citizen activates it with a code by SMS
    (``/account/activate/by-sms/``). ValidationError when the number has an account, or without consent.
    """
    _helper_checked(helper)
    if not agreed:
        raise ValidationError(_("The citizen must agree before the account is created."), code="no_consent")
    phone = _phone(phone)
    full_name = " ".join(str(full_name or "").split())[:150]
    if not full_name:
        raise ValidationError(_("Enter the citizen's full name."), code="no_name")
    taken = ValidationError(_("An account already has this number: start the session with it."), code="taken")
    if User.objects.filter(phone=phone).exists():
        raise taken
    try:
        with transaction.atomic():
            # No password of the helper's choosing: a random one, made unusable at once (activation by SMS).
            citizen = user_sign_up(
                full_name=full_name, email=None, phone=phone, password=secrets.token_urlsafe(24), language="vi"
            )
            citizen.set_unusable_password()
            citizen.save(update_fields=["password"])
            session = AssistedSession.objects.create(
                helper=helper,
                citizen=citizen,
                unit_id=helper.organisation_unit_id,
                phone=phone,
                status=Status.OPEN,
                consent_method=AssistedSession.ConsentMethod.ACCOUNT_CREATED,
                consent_at=timezone.now(),
                consent_text=str(ACCOUNT_CONSENT_TEXT),
                notice_version=notice_version(),
            )
            _log(session=session, action=Action.ACCOUNT_CREATED, helper=helper)
    except IntegrityError:  # the same number signed up at the same moment
        raise taken from None
    return session


def _session_checked(*, helper: User, session: AssistedSession, status: str | None = Status.OPEN) -> None:
    """Only the helper who runs the session, and only in ``status`` (None: any)."""
    _helper_checked(helper)
    if session.helper_id != helper.pk:
        raise PermissionDenied
    if status is not None and session.status != status:
        raise ValidationError(_("This session is not open any more."), code="not_open")


def _mark(*, helper: User, session: AssistedSession, action: str, detail: str, **target: Any) -> bool:
    """The mark (once per session and thing) and its log entry; False when it was marked already."""
    try:
        with transaction.atomic():
            _row, created = AssistedMark.objects.get_or_create(session=session, kind=action, **target)
            if created:
                _log(session=session, action=action, helper=helper, detail=detail)
    except IntegrityError:  # the same mark from two tabs at once: one is kept
        return False
    return created


def assisted_lesson_complete(*, helper: User, session: AssistedSession, lesson: LessonPage) -> bool:
    """The citizen completes ``lesson`` (their progress, through learning's service), marked assisted.

    Learning's refusals (a quiz not passed, a course they may not take) are raised as they are."""
    _session_checked(helper=helper, session=session)
    with transaction.atomic():
        lesson_complete(user=session.citizen, lesson=lesson)
        return _mark(helper=helper, session=session, action=Action.LESSON, detail=lesson.title, lesson=lesson)


def assisted_tutorial_done(*, helper: User, session: AssistedSession, tutorial: TutorialPage) -> bool:
    """The citizen has done ``tutorial`` (their progress), marked assisted."""
    _session_checked(helper=helper, session=session)
    with transaction.atomic():
        tutorial_mark_done(user=session.citizen, tutorial=tutorial)
        return _mark(helper=helper, session=session, action=Action.TUTORIAL, detail=tutorial.title, tutorial=tutorial)


def assisted_service_complete(*, helper: User, session: AssistedSession, service: PublicService) -> bool:
    """The citizen completed the public service's procedure at the counter, with the helper."""
    _session_checked(helper=helper, session=session)
    detail = f"{service.procedure_code} {service.name}".strip()
    return _mark(helper=helper, session=session, action=Action.SERVICE, detail=detail, service=service)


def session_end(*, helper: User, session: AssistedSession) -> None:
    """The helper ends the session: nothing more is marked in it (they still see what was done)."""
    _session_checked(helper=helper, session=session, status=None)
    if session.status not in (Status.WAITING, Status.OPEN):
        return
    with transaction.atomic():
        if AssistedSession.objects.filter(pk=session.pk, status__in=[Status.WAITING, Status.OPEN]).update(
            status=Status.ENDED, ended_at=timezone.now()
        ):
            _log(session=session, action=Action.ENDED, helper=helper)
    session.refresh_from_db()


def session_withdraw(*, citizen: User, session: AssistedSession) -> bool:
    """The citizen withdraws: the helper's access to them through this session ends.

    What was done stays the citizen's progress and stays marked as done at the counter (of the unit), but
    the session no longer names the helper (``helper`` and the number typed are emptied). The log keeps
    the fact, with the helper's identity (an audit of what they did). False when already withdrawn.
    """
    if session.citizen_id != citizen.pk:
        raise PermissionDenied
    with transaction.atomic():
        locked = AssistedSession.objects.select_for_update().filter(pk=session.pk).exclude(status=Status.WITHDRAWN)
        row = locked.first()
        if row is None:
            return False
        helper_id = row.helper_id
        now = timezone.now()
        AssistedSession.objects.filter(pk=row.pk).update(
            status=Status.WITHDRAWN, withdrawn_at=now, ended_at=row.ended_at or now, helper=None, phone=""
        )
        AssistedLogEntry.objects.create(session=row, action=Action.WITHDRAWN, helper_id=helper_id, citizen=citizen)
    session.refresh_from_db()
    return True


# The role, given and taken away by the training office ------------------------------------------------


def helper_role_grant(*, by: User, identifier: str, request: HttpRequest | None) -> User:
    """``by`` (``courses.manage_helpers``: the training office) makes the civil servant with ``identifier``
    (e-mail or phone number) a helper. Only an active civil servant with a unit; the change of role is in
    the auth event log. ValidationError otherwise, nothing written."""
    if not by.has_perm("courses.manage_helpers"):
        raise PermissionDenied
    text = str(identifier or "").strip()[:254]
    person = User.objects.filter(email__iexact=text).first() if "@" in text else None
    if person is None and "@" not in text:
        phone = phone_normalise(text)
        person = User.objects.filter(phone=phone).first() if phone else None
    if person is None or not person.is_active or person.kind != User.Kind.CIVIL_SERVANT:
        raise ValidationError(_("No active civil servant has this e-mail address or phone number."), code="unknown")
    if not person.organisation_unit_id:
        raise ValidationError(_("This civil servant has no unit: a helper works at a unit's counter."), code="no_unit")
    with transaction.atomic():
        before = role_snapshot(user=person)
        person.groups.add(Group.objects.get(name=roles.HELPER))
        role_change_record(request=request, user=person, before=before, actor=by)
    return person


def helper_role_revoke(*, by: User, person: User, request: HttpRequest | None) -> bool:
    """Take the helper role away (their sessions stay, closed to them only by losing the role)."""
    if not by.has_perm("courses.manage_helpers"):
        raise PermissionDenied
    group = Group.objects.get(name=roles.HELPER)
    with transaction.atomic():
        before = role_snapshot(user=person)
        person.groups.remove(group)
        return role_change_record(request=request, user=person, before=before, actor=by) is not None
