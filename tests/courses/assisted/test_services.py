"""Assisted learning's services: consent by code (right, wrong, expired), an account created with consent,
progress recorded once and marked assisted, a service completed at the counter, withdrawal, the log."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.codes.models import OneTimeCode
from accounts.codes.services import CodeRefused
from accounts.personal_data import personal_data_erase, personal_data_export
from courses.assisted import services
from courses.models import AssistedLogEntry, AssistedMark, AssistedSession, LessonCompletion, TutorialCompletion
from outreach.models import Delivery
from tests.accounts.codes_support import planned_code
from tests.accounts.factories import UserFactory

from .conftest import CITIZEN_PHONE

pytestmark = pytest.mark.django_db
Status = AssistedSession.Status
CONSENT_CODE_TEXT = (
    "Kỹ Năng Số: %(code)s is your code to %(action)s. It works for %(minutes)s minutes. "
    "Give it only to the helper beside you at the counter, and only if you agree."
)
OTHER_CODE_TEXT = (
    "Kỹ Năng Số: %(code)s is your code to %(action)s. It works for %(minutes)s minutes. Never give it to anyone."
)
Action = AssistedLogEntry.Action


def request_from(rf, address="203.0.113.7"):
    return rf.post("/", REMOTE_ADDR=address)


def started(helper, rf, phone=CITIZEN_PHONE):
    return services.session_start(helper=helper, phone=phone, request=request_from(rf))


def opened(helper, citizen, rf):
    session = started(helper, rf)
    return services.session_confirm(
        helper=helper, session=session, code=planned_code(citizen.phone), request=request_from(rf)
    )


def test_the_right_code_opens_the_session_with_the_consent_kept(helper, citizen, rf, settings):
    settings.ACCOUNTS_PRIVACY_NOTICE_VERSION = "2026-11"
    session = services.session_start(helper=helper, phone="+84 912 345 678", request=request_from(rf))
    assert (session.status, session.citizen, session.unit, session.phone) == (
        Status.WAITING,
        citizen,
        helper.organisation_unit,
        CITIZEN_PHONE,
    )
    code = OneTimeCode.objects.get(purpose=OneTimeCode.Purpose.ASSISTED_CONSENT, user=citizen)
    assert code.reference == f"assisted:{session.pk}"
    services.session_confirm(helper=helper, session=session, code=planned_code(CITIZEN_PHONE), request=request_from(rf))
    session.refresh_from_db()
    assert session.status == Status.OPEN
    assert session.consent_method == AssistedSession.ConsentMethod.SMS_CODE
    assert session.consent_at is not None and session.consent_text and session.notice_version == "2026-11"
    assert list(session.log_entries.values_list("action", "helper", "citizen")) == [
        (Action.CODE_SENT, helper.pk, citizen.pk),
        (Action.CONSENT_CODE, helper.pk, citizen.pk),
    ]


def _after_last_placeholder(msgid):
    with translation.override("vi"):
        return gettext(msgid).rsplit(")s", 1)[1]


def test_the_consent_code_says_whom_to_give_it_to(helper, citizen, rf):
    """Every other code says never to give it away; this one the citizen hands to the helper, as their yes."""
    started(helper, rf)
    body = Delivery.objects.filter(address=CITIZEN_PHONE).order_by("-pk").first().body
    assert body.endswith(_after_last_placeholder(CONSENT_CODE_TEXT))
    assert _after_last_placeholder(OTHER_CODE_TEXT) not in body


def test_a_wrong_code_opens_nothing_and_counts_a_try(helper, citizen, rf):
    session = started(helper, rf)
    right = planned_code(CITIZEN_PHONE)
    wrong = "000000" if right != "000000" else "111111"
    with pytest.raises(CodeRefused):
        services.session_confirm(helper=helper, session=session, code=wrong, request=request_from(rf))
    session.refresh_from_db()
    assert session.status == Status.WAITING and session.consent_at is None
    assert OneTimeCode.objects.get(user=citizen).attempts == 1
    assert session.log_entries.count() == 1  # code sent only


def test_an_expired_code_opens_nothing(helper, citizen, rf):
    session = started(helper, rf)
    OneTimeCode.objects.filter(user=citizen).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    with pytest.raises(CodeRefused):
        services.session_confirm(
            helper=helper, session=session, code=planned_code(CITIZEN_PHONE), request=request_from(rf)
        )
    session.refresh_from_db()
    assert session.status == Status.WAITING


def test_a_code_of_another_purpose_does_not_open_it(helper, citizen, rf):
    from accounts.codes.services import code_issue  # here: only this test issues a code of its own

    session = started(helper, rf)
    assisted_code = planned_code(CITIZEN_PHONE)
    code_issue(purpose=OneTimeCode.Purpose.PASSWORD_RESET, user=citizen, address=CITIZEN_PHONE, request=None)
    reset_code = planned_code(CITIZEN_PHONE)
    if reset_code != assisted_code:
        with pytest.raises(CodeRefused):
            services.session_confirm(helper=helper, session=session, code=reset_code, request=request_from(rf))
    session.refresh_from_db()
    assert session.status == Status.WAITING


def test_sending_codes_keeps_the_codes_limits(helper, citizen, rf, settings):
    started(helper, rf)
    with pytest.raises(CodeRefused) as refused:
        started(helper, rf)  # the cool-down
    assert refused.value.reason == "cooldown"
    assert AssistedSession.objects.count() == 1  # the refused start wrote nothing
    settings.ACCOUNTS_CODE_RESEND_SECONDS = 0
    settings.ACCOUNTS_CODE_RATE_LIMIT = 2
    started(helper, rf)
    with pytest.raises(CodeRefused) as refused:
        started(helper, rf)
    assert refused.value.reason == "rate_limited"
    assert AssistedSession.objects.count() == 2


def test_an_unknown_number_is_refused_and_a_landline_too(helper, rf):
    with pytest.raises(ValidationError) as refused:
        started(helper, rf, phone="0987654321")
    assert refused.value.code == "no_account"
    with pytest.raises(ValidationError):
        started(helper, rf, phone="abc")
    assert not AssistedSession.objects.exists() and not OneTimeCode.objects.exists()


def test_only_a_helper_with_a_unit_starts_a_session(citizen, rf, commune):
    for person in (UserFactory(civil_servant=True, organisation_unit=commune), UserFactory(helper=True)):
        with pytest.raises(PermissionDenied):
            started(person, rf)
    assert not AssistedSession.objects.exists()


def test_an_account_created_with_consent(helper, settings):
    settings.ACCOUNTS_PRIVACY_NOTICE_VERSION = "2026-11"
    session = services.session_start_with_new_account(
        helper=helper, full_name="  Lò  Văn Hùng ", phone="0377 246 810", agreed=True
    )
    citizen = session.citizen
    assert (citizen.full_name, citizen.phone, citizen.kind, citizen.is_active) == (
        "Lò Văn Hùng",
        "0377246810",
        "citizen",
        True,
    )
    assert not citizen.has_usable_password()  # activates with a code by SMS
    assert citizen.privacy_consent_at is not None
    assert session.status == Status.OPEN
    assert session.consent_method == AssistedSession.ConsentMethod.ACCOUNT_CREATED
    assert session.notice_version == "2026-11" and session.consent_text
    assert list(session.log_entries.values_list("action", "helper")) == [(Action.ACCOUNT_CREATED, helper.pk)]


def test_no_account_without_consent_nor_for_a_number_taken(helper, citizen):
    with pytest.raises(ValidationError):
        services.session_start_with_new_account(helper=helper, full_name="A", phone="0377246810", agreed=False)
    with pytest.raises(ValidationError):
        services.session_start_with_new_account(helper=helper, full_name="A", phone=CITIZEN_PHONE, agreed=True)
    assert not AssistedSession.objects.exists()


def test_progress_is_the_citizens_recorded_once_and_marked_assisted(helper, citizen, rf, learning):
    session = opened(helper, citizen, rf)
    assert services.assisted_tutorial_done(helper=helper, session=session, tutorial=learning["tutorial"])
    assert not services.assisted_tutorial_done(helper=helper, session=session, tutorial=learning["tutorial"])
    for lesson in learning["lessons"]:
        services.assisted_lesson_complete(helper=helper, session=session, lesson=lesson)
    services.assisted_lesson_complete(helper=helper, session=session, lesson=learning["lessons"][0])
    assert TutorialCompletion.objects.filter(user=citizen).count() == 1
    assert LessonCompletion.objects.filter(user=citizen).count() == 2
    assert citizen.enrolments.get().completed_at is not None  # the course is the citizen's, completed
    assert not TutorialCompletion.objects.filter(user=helper).exists()
    assert sorted(session.marks.values_list("kind", flat=True)) == ["lesson", "lesson", "tutorial"]
    assert session.log_entries.filter(action__in=[Action.LESSON, Action.TUTORIAL]).count() == 3


def test_a_service_completed_at_the_counter(helper, citizen, rf, learning):
    session = opened(helper, citizen, rf)
    assert services.assisted_service_complete(helper=helper, session=session, service=learning["service"])
    assert not services.assisted_service_complete(helper=helper, session=session, service=learning["service"])
    mark = session.marks.get()
    assert (mark.kind, mark.service.procedure_code) == (AssistedMark.Kind.SERVICE, "1.004884")
    assert session.log_entries.get(action=Action.SERVICE).detail.startswith("1.004884")


def test_nothing_is_marked_in_another_helpers_session_nor_once_ended(helper, citizen, rf, learning, commune):
    session = opened(helper, citizen, rf)
    other = UserFactory(helper=True, organisation_unit=commune)
    with pytest.raises(PermissionDenied):
        services.assisted_tutorial_done(helper=other, session=session, tutorial=learning["tutorial"])
    services.session_end(helper=helper, session=session)
    with pytest.raises(ValidationError):
        services.assisted_tutorial_done(helper=helper, session=session, tutorial=learning["tutorial"])
    assert not TutorialCompletion.objects.exists() and not AssistedMark.objects.exists()
    assert session.log_entries.filter(action=Action.ENDED, helper=helper).count() == 1


def test_withdrawal_ends_the_helpers_link_keeps_the_progress_and_the_log(helper, citizen, rf, learning):
    session = opened(helper, citizen, rf)
    services.assisted_tutorial_done(helper=helper, session=session, tutorial=learning["tutorial"])
    with pytest.raises(PermissionDenied):
        services.session_withdraw(citizen=UserFactory(), session=session)
    assert services.session_withdraw(citizen=citizen, session=session)
    assert not services.session_withdraw(citizen=citizen, session=session)
    session.refresh_from_db()
    assert (session.status, session.helper, session.phone) == (Status.WITHDRAWN, None, "")
    assert session.withdrawn_at is not None
    assert TutorialCompletion.objects.filter(user=citizen).exists()  # still their progress
    assert session.marks.count() == 1  # still marked as done at the counter
    assert session.log_entries.filter(action=Action.WITHDRAWN, helper=helper, citizen=citizen).count() == 1
    assert session.log_entries.filter(helper=helper).count() == 4  # the log keeps who did what


def test_the_log_is_append_only(helper, citizen, rf):
    entry = started(helper, rf).log_entries.get()
    entry.detail = "changed"
    with pytest.raises(ValueError):
        entry.save()


def test_personal_data_export_and_erasure(helper, citizen, rf, learning):
    session = opened(helper, citizen, rf)
    services.assisted_service_complete(helper=helper, session=session, service=learning["service"])
    data = personal_data_export(citizen)
    [row] = data["assisted_sessions"]
    assert row["helper"] == helper.full_name and row["consent_method"] == "sms_code"
    assert row["done_together"][0]["procedure_code"] == "1.004884"
    helper_data = personal_data_export(helper)
    assert len(helper_data["assisted_sessions_run"]) == 1
    assert CITIZEN_PHONE not in str(helper_data["assisted_sessions_run"])
    personal_data_erase(helper)
    session.refresh_from_db()
    assert session.helper is None and AssistedLogEntry.objects.filter(helper__isnull=False).count() == 0
    personal_data_erase(citizen)
    assert not AssistedSession.objects.exists() and AssistedLogEntry.objects.filter(citizen__isnull=False).count() == 0
    assert AssistedLogEntry.objects.count() == 3  # the facts stay, naming nobody
