"""Mandatory training: due dates, assignment generation, completion, renewal, extensions, corrections."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from accounts.models import User
from core.localtime import months_add
from courses.learning import services
from courses.learning.quiz import quiz_questions
from courses.models import (
    Assignment,
    AssignmentEvent,
    AssignmentState,
    Enrolment,
    ExtensionRequest,
    LessonCompletion,
    TrainingRequirement,
)
from courses.training import services as training_services
from courses.training.services import Correction, assignments_sync, due_date_for
from tests.accounts.factories import OrganisationUnitFactory, UserFactory
from tests.courses.factories import answers_for, course_create, question

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def tree():
    """Province → commune → division, and a second commune."""
    province = OrganisationUnitFactory(name="Tỉnh A", code="P1", kind="province")
    commune = OrganisationUnitFactory(name="Xã B", code="C1", parent=province)
    division = OrganisationUnitFactory(name="Phòng C", code="D1", parent=commune)
    other = OrganisationUnitFactory(name="Xã D", code="C2", parent=province)
    return {"province": province, "commune": commune, "division": division, "other": other}


def servant(unit, **kwargs):
    kwargs.setdefault("kind", User.Kind.CIVIL_SERVANT)
    return UserFactory(organisation_unit=unit, **kwargs)


@pytest.fixture
def course(home_page):
    return course_create(
        home_page,
        title="An toàn thông tin cơ bản",
        lessons=[("Mật khẩu", [{"type": "paragraph", "value": "<p>Dùng mật khẩu mạnh.</p>"}])],
    )


def requirement_for(course, units, **kwargs):
    kwargs.setdefault("name", "An toàn thông tin hằng năm")
    kwargs.setdefault("due_rule", TrainingRequirement.DueRule.AFTER_ASSIGNED)
    kwargs.setdefault("due_days", 30)
    requirement = TrainingRequirement.objects.create(course=course, **kwargs)
    requirement.units.set(units)
    return requirement


def complete_course(user, course):
    for lesson in course.lessons():
        services.lesson_complete(user=user, lesson=lesson, course=course)
    return Enrolment.objects.get(user=user, course=course, archived_at__isnull=True)


# Due dates ---------------------------------------------------------------------------


def test_fixed_due_date_is_the_requirements_date(course):
    requirement = TrainingRequirement(course=course, due_rule="fixed", due_on=D(2026, 12, 31))
    assert due_date_for(requirement=requirement, assigned_on=D(2026, 3, 1)) == D(2026, 12, 31)


def test_relative_due_date_counts_from_the_assignment(course):
    requirement = TrainingRequirement(course=course, due_rule="after_assigned", due_days=30)
    assert due_date_for(requirement=requirement, assigned_on=D(2026, 3, 1), started_on=D(2020, 1, 1)) == D(2026, 3, 31)


def test_due_date_after_start_counts_from_the_later_of_start_and_assignment(course):
    requirement = TrainingRequirement(course=course, due_rule="after_start", due_days=60)
    # A newcomer who starts after being assigned: 60 days after the start.
    assert due_date_for(requirement=requirement, assigned_on=D(2026, 3, 1), started_on=D(2026, 4, 1)) == D(2026, 5, 31)
    # Someone who started years ago is not overdue on the day the requirement reaches them.
    assert due_date_for(requirement=requirement, assigned_on=D(2026, 3, 1), started_on=D(2019, 1, 1)) == D(2026, 4, 30)
    # No start date known: from the assignment.
    assert due_date_for(requirement=requirement, assigned_on=D(2026, 3, 1)) == D(2026, 4, 30)


def test_months_add_keeps_the_day_or_takes_the_last_of_the_month():
    assert months_add(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert months_add(D(2027, 12, 31), 2) == D(2028, 2, 29)
    assert months_add(D(2026, 5, 15), 12) == D(2027, 5, 15)


def test_requirement_needs_the_data_of_its_due_rule(course):
    with pytest.raises(ValidationError):
        TrainingRequirement(name="x", course=course, due_rule="fixed").full_clean()
    with pytest.raises(ValidationError):
        TrainingRequirement(name="x", course=course, due_rule="after_assigned").full_clean()


# Who is assigned -------------------------------------------------------------------------


def test_assigns_everyone_in_the_units_and_sub_units_once(tree, course):
    inside = [servant(tree["commune"]), servant(tree["division"])]
    outside = servant(tree["other"])
    requirement = requirement_for(course, [tree["commune"]])

    counts = assignments_sync(today=D(2026, 3, 1))
    assert counts["created"] == 2
    assigned = Assignment.objects.filter(requirement=requirement)
    assert {a.user_id for a in assigned} == {p.pk for p in inside}
    assert outside.pk not in {a.user_id for a in assigned}
    assert all(a.due_on == D(2026, 3, 31) and a.cycle == 1 and a.is_current for a in assigned)
    division_assignment = assigned.get(user=inside[1])
    assert division_assignment.unit_path == tree["division"].path

    # Idempotent: a second (and third) run creates and changes nothing.
    assert assignments_sync(today=D(2026, 3, 2)) == dict.fromkeys(counts, 0)
    assert assignments_sync(today=D(2026, 3, 3)) == dict.fromkeys(counts, 0)
    assert Assignment.objects.count() == 2


def test_without_sub_units_positions_and_kind_narrow_the_match(tree, course):
    head = servant(tree["commune"], position="Chủ tịch")
    clerk = servant(tree["commune"], position="Văn thư")
    servant(tree["division"], position="Chủ tịch")  # a sub-unit: excluded
    UserFactory(organisation_unit=tree["commune"], position="Chủ tịch")  # a citizen: excluded
    servant(tree["commune"], position="Chủ tịch", is_active=False)  # deactivated: excluded
    requirement_for(
        course,
        [tree["commune"]],
        include_sub_units=False,
        positions="Chủ tịch\nPhó Chủ tịch\n",
        learner_kind=User.Kind.CIVIL_SERVANT,
    )
    assignments_sync(today=D(2026, 3, 1))
    assert set(Assignment.objects.values_list("user_id", flat=True)) == {head.pk}
    assert clerk.pk not in set(Assignment.objects.values_list("user_id", flat=True))


def test_moving_out_cancels_an_open_assignment_and_moving_within_follows_the_person(tree, course):
    leaver, mover = servant(tree["commune"]), servant(tree["commune"])
    requirement_for(course, [tree["commune"]])
    assignments_sync(today=D(2026, 3, 1))

    User.objects.filter(pk=leaver.pk).update(organisation_unit=tree["other"])
    User.objects.filter(pk=mover.pk).update(organisation_unit=tree["division"])
    counts = assignments_sync(user_ids=[leaver.pk, mover.pk], today=D(2026, 3, 5))
    assert counts["cancelled"] == 1 and counts["moved"] == 1

    cancelled = Assignment.objects.get(user=leaver)
    assert cancelled.status == Assignment.Status.CANCELLED and not cancelled.is_current
    event = cancelled.events.get()
    assert event.kind == AssignmentEvent.Kind.CANCELLED and event.new_status == "cancelled"
    moved = Assignment.objects.get(user=mover)
    assert moved.unit_id == tree["division"].pk and moved.unit_path == tree["division"].path
    assert moved.status == Assignment.Status.OPEN and moved.is_current

    # Coming back later opens a new cycle; the cancelled one stays as history.
    User.objects.filter(pk=leaver.pk).update(organisation_unit=tree["commune"])
    assignments_sync(today=D(2026, 4, 1))
    cycles = list(Assignment.objects.filter(user=leaver).order_by("cycle").values_list("cycle", "status", "is_current"))
    assert cycles == [(1, "cancelled", False), (2, "open", True)]


def test_deactivated_people_lose_open_assignments_but_keep_completed_ones(tree, course):
    done, idle = servant(tree["commune"]), servant(tree["commune"])
    requirement_for(course, [tree["commune"]])
    assignments_sync(today=D(2026, 3, 1))
    complete_course(done, course)
    User.objects.filter(pk__in=[done.pk, idle.pk]).update(is_active=False)
    assignments_sync()
    kept = Assignment.objects.get(user=done)
    assert kept.status == Assignment.Status.COMPLETED and not kept.is_current
    assert Assignment.objects.get(user=idle).status == Assignment.Status.CANCELLED


def test_unit_tree_renumbering_is_followed(tree, course):
    person = servant(tree["division"])
    requirement_for(course, [tree["province"]])
    assignments_sync()
    Assignment.objects.update(unit_path="XXXX")  # as if a sibling insertion renumbered the tree
    assert training_services.assignment_unit_paths_refresh() == 1
    assert Assignment.objects.get(user=person).unit_path == tree["division"].path
    assert training_services.assignment_unit_paths_refresh() == 0


# Progress and completion ---------------------------------------------------------------------


def test_enrolling_starts_and_completing_the_course_completes_the_assignment(tree, course):
    person = servant(tree["commune"])
    requirement_for(course, [tree["commune"]])
    assignments_sync()
    assignment = Assignment.objects.get(user=person)
    assert assignment.state_on() == AssignmentState.NOT_STARTED

    services.enrolment_create(user=person, course=course)
    assignment.refresh_from_db()
    assert assignment.started_at is not None and assignment.state_on() == AssignmentState.IN_PROGRESS

    enrolment = complete_course(person, course)
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.COMPLETED
    assert assignment.completed_at == enrolment.completed_at
    assert assignment.events.get().kind == AssignmentEvent.Kind.COMPLETED
    # Completing again (a second tab) changes nothing.
    services.course_completion_check(enrolment=enrolment)
    assert assignment.events.count() == 1


def test_a_valid_earlier_completion_counts_and_an_expired_one_reopens_the_course(tree, home_page):
    course = course_create(home_page, title="Khóa có hạn", lessons=[("Bài", [])], certificate_validity_months=12)
    recent, old = servant(tree["commune"]), servant(tree["commune"])
    complete_course(recent, course)
    old_enrolment = complete_course(old, course)
    Enrolment.objects.filter(pk=old_enrolment.pk).update(completed_at=timezone.now() - datetime.timedelta(days=800))
    requirement_for(course, [tree["commune"]], recertify_months=12)

    counts = assignments_sync()
    assert counts["completed_already"] == 1
    assert Assignment.objects.get(user=recent).status == Assignment.Status.COMPLETED
    reopened = Assignment.objects.get(user=old)
    assert reopened.status == Assignment.Status.OPEN and reopened.started_at is None
    # The expired run is archived with its certificate; the learner starts afresh.
    assert Enrolment.objects.get(pk=old_enrolment.pk).archived_at is not None
    assert not LessonCompletion.objects.filter(user=old, course=course).exists()
    assert Enrolment.objects.get(pk=old_enrolment.pk).certificate is not None


def test_recertification_opens_the_next_cycle_and_keeps_the_history(tree, home_page):
    final = [question("Mật khẩu mạnh?", [("Dài và khó đoán", True), ("Ngày sinh", False)])]
    course = course_create(home_page, title="Bảo mật", lessons=[("Bài", [])], final=final, pass_mark=100)
    person = servant(tree["commune"])
    requirement = requirement_for(course, [tree["commune"]], recertify_months=12, renewal_window_days=30)
    assignments_sync()

    services.lesson_complete(user=person, lesson=course.lessons().first(), course=course)
    questions = quiz_questions(course.final_quiz)
    services.quiz_submit(user=person, course=course, token="0" * 32, data=answers_for(questions))
    first = Assignment.objects.get(user=person, cycle=1)
    completed_on = timezone.localdate(first.completed_at)
    assert first.status == "completed"
    assert first.expires_on == months_add(completed_on, 12)
    assert first.renews_on == first.expires_on - datetime.timedelta(days=30)

    # Before the window: nothing. From the first day of the window: cycle 2, due when cycle 1 expires.
    assert assignments_sync(today=first.renews_on - datetime.timedelta(days=1))["renewed"] == 0
    assert assignments_sync(today=first.renews_on)["renewed"] == 1
    assert assignments_sync(today=first.renews_on)["renewed"] == 0  # idempotent
    first.refresh_from_db()
    second = Assignment.objects.get(user=person, is_current=True)
    assert (first.is_current, first.status) == (False, "completed")
    assert (second.cycle, second.status, second.due_on) == (2, "open", first.expires_on)
    assert second.events.get().kind == AssignmentEvent.Kind.RENEWED

    # The course is taken again: the old final-test pass does not count for the new run.
    services.lesson_complete(user=person, lesson=course.lessons().first(), course=course)
    second.refresh_from_db()
    assert second.status == "open" and second.started_at is not None
    services.quiz_submit(user=person, course=course, token="1" * 32, data=answers_for(questions))
    second.refresh_from_db()
    assert second.status == "completed"
    assert Enrolment.objects.filter(user=person, course=course).count() == 2
    assert requirement.assignments.filter(user=person).count() == 2


# Overdue ------------------------------------------------------------------------------------


def test_overdue_from_the_day_after_the_due_date(tree, course):
    person = servant(tree["commune"])
    requirement_for(course, [tree["commune"]], due_rule="fixed", due_on=D(2026, 6, 30), due_days=None)
    assignments_sync(today=D(2026, 6, 1))
    assignment = Assignment.objects.get(user=person)
    assert assignment.state_on(D(2026, 6, 30)) == AssignmentState.NOT_STARTED
    assert assignment.state_on(D(2026, 7, 1)) == AssignmentState.OVERDUE
    # The database's view agrees with the model's, and the filters with both.
    assert Assignment.objects.with_state(D(2026, 6, 30)).get().state == "not_started"
    assert Assignment.objects.with_state(D(2026, 7, 1)).get().state == "overdue"
    assert Assignment.objects.state_filter("overdue", D(2026, 7, 1)).count() == 1
    assert Assignment.objects.state_filter("overdue", D(2026, 6, 30)).count() == 0
    assert Assignment.objects.state_filter("not_started", D(2026, 6, 30)).count() == 1


# Extensions ---------------------------------------------------------------------------------


@pytest.fixture
def assigned(tree, course):
    person = servant(tree["division"])
    manager = servant(tree["commune"])
    tree["commune"].managers.add(manager)
    requirement_for(course, [tree["commune"]])
    assignments_sync(today=D(2026, 3, 1))
    return {"person": person, "manager": manager, "assignment": Assignment.objects.get(user=person)}


def test_extension_moves_the_due_date_only_when_a_manager_approves(assigned, tree):
    person, manager, assignment = assigned["person"], assigned["manager"], assigned["assignment"]
    request = training_services.extension_request_create(
        user=person, assignment=assignment, requested_due_on=D(2026, 5, 15), reason="Đi công tác"
    )
    with pytest.raises(ValidationError) as pending:
        training_services.extension_request_create(
            user=person, assignment=assignment, requested_due_on=D(2026, 6, 1), reason="Lần 2"
        )
    assert pending.value.code == "pending"
    assignment.refresh_from_db()
    assert assignment.due_on == D(2026, 3, 31)

    # A manager of another unit cannot decide; neither can the person themself.
    stranger = servant(tree["other"])
    tree["other"].managers.add(stranger)
    with pytest.raises(PermissionDenied):
        training_services.extension_decide(manager=stranger, extension=request, approve=True)
    with pytest.raises(PermissionDenied):
        training_services.extension_decide(manager=person, extension=request, approve=True)

    training_services.extension_decide(manager=manager, extension=request, approve=True, note="Đồng ý")
    assignment.refresh_from_db()
    assert assignment.due_on == D(2026, 5, 15)
    request.refresh_from_db()
    assert (request.status, request.decided_by, request.decision_note) == ("approved", manager, "Đồng ý")
    event = assignment.events.get(kind=AssignmentEvent.Kind.EXTENDED)
    assert (event.actor, event.old_due_on, event.new_due_on) == (manager, D(2026, 3, 31), D(2026, 5, 15))
    with pytest.raises(ValidationError):
        training_services.extension_decide(manager=manager, extension=request, approve=False)


def test_refused_extension_leaves_the_due_date(assigned):
    person, manager, assignment = assigned["person"], assigned["manager"], assigned["assignment"]
    request = training_services.extension_request_create(
        user=person, assignment=assignment, requested_due_on=D(2026, 4, 30), reason="Bận"
    )
    training_services.extension_decide(manager=manager, extension=request, approve=False, note="Không đủ lý do")
    assignment.refresh_from_db()
    assert assignment.due_on == D(2026, 3, 31)
    assert ExtensionRequest.objects.get().status == "refused"
    assert not assignment.events.exists()
    # Refused: a new request may be made.
    training_services.extension_request_create(
        user=person, assignment=assignment, requested_due_on=D(2026, 4, 15), reason="Lần 2"
    )


@pytest.mark.parametrize(
    ("requested", "code"),
    [(D(2026, 3, 31), "not_later"), (D(2026, 3, 1), "not_later"), (D(2027, 6, 1), "too_long")],
)
def test_extension_request_refuses_bad_dates(assigned, requested, code):
    with pytest.raises(ValidationError) as error:
        training_services.extension_request_create(
            user=assigned["person"], assignment=assigned["assignment"], requested_due_on=requested, reason="Lý do"
        )
    assert error.value.code == code
    assert not ExtensionRequest.objects.exists()


def test_nobody_asks_for_someone_elses_extension(assigned, tree):
    other = servant(tree["division"])
    with pytest.raises(PermissionDenied):
        training_services.extension_request_create(
            user=other, assignment=assigned["assignment"], requested_due_on=D(2026, 5, 1), reason="x"
        )


# Corrections ----------------------------------------------------------------------------------


def test_corrections_need_a_reason_and_are_kept_with_who_and_why(assigned):
    admin = UserFactory(training_admin=True)
    assignment = assigned["assignment"]
    with pytest.raises(ValidationError):
        training_services.assignment_correct(actor=admin, assignment=assignment, action=Correction.EXEMPT, reason="  ")
    with pytest.raises(ValidationError) as no_evidence:
        training_services.assignment_correct(
            actor=admin, assignment=assignment, action=Correction.MARK_COMPLETE, reason="Học ngoài"
        )
    assert no_evidence.value.code == "no_evidence"

    training_services.assignment_correct(
        actor=admin,
        assignment=assignment,
        action=Correction.MARK_COMPLETE,
        reason="Học tại trường chính trị",
        evidence="Chứng chỉ số 123/2026",
        completed_on=D(2026, 3, 10),
    )
    assignment.refresh_from_db()
    assert assignment.status == "completed" and timezone.localdate(assignment.completed_at) == D(2026, 3, 10)

    training_services.assignment_correct(
        actor=admin,
        assignment=assignment,
        action=Correction.REOPEN,
        reason="Chứng chỉ không hợp lệ",
        due_on=D(2026, 9, 30),
    )
    training_services.assignment_correct(
        actor=admin, assignment=assignment, action=Correction.EXEMPT, reason="Nghỉ thai sản"
    )
    assignment.refresh_from_db()
    assert assignment.status == "exempt" and assignment.exempt_reason == "Nghỉ thai sản"
    history = list(assignment.events.values_list("kind", "actor", "old_status", "new_status", "reason"))
    assert history == [
        ("marked_complete", admin.pk, "open", "completed", "Học tại trường chính trị"),
        ("reopened", admin.pk, "completed", "open", "Chứng chỉ không hợp lệ"),
        ("exempted", admin.pk, "open", "exempt", "Nghỉ thai sản"),
    ]
    assert assignment.events.get(kind="marked_complete").evidence == "Chứng chỉ số 123/2026"
    assert assignment.events.get(kind="reopened").new_due_on == D(2026, 9, 30)


# Pages ------------------------------------------------------------------------------------------


def test_my_training_lists_overdue_first_with_a_fixed_number_of_queries(
    client, tree, course, home_page, django_assert_max_num_queries
):
    person = servant(tree["commune"])
    later = requirement_for(course, [tree["commune"]], name="Yêu cầu sau", due_days=90)
    assignments_sync()
    other_course = course_create(home_page, title="Khóa khác", slug="khoa-khac")
    requirement_for(other_course, [tree["commune"]], name="Yêu cầu quá hạn", due_rule="fixed", due_on=D(2020, 1, 1))
    assignments_sync()
    client.force_login(person)
    with django_assert_max_num_queries(13):  # 13th: the header asks whether the person manages a unit
        response = client.get(reverse("courses:my_training"))
    assert response.status_code == 200
    text = response.content.decode()
    assert text.index("Yêu cầu quá hạn") < text.index(later.name)
    assert "Quá hạn" in text or "Overdue" in text

    for index in range(3):
        extra = course_create(home_page, title=f"Khóa {index}", slug=f"khoa-them-{index}")
        requirement_for(extra, [tree["commune"]], name=f"Thêm {index}")
    assignments_sync()
    with django_assert_max_num_queries(13):
        assert client.get(reverse("courses:my_training")).status_code == 200


def test_my_training_needs_a_sign_in(client):
    response = client.get(reverse("courses:my_training"))
    assert response.status_code == 302 and "/account/" in response["Location"]


def test_extension_request_page_for_ones_own_assignment_only(client, assigned, tree):
    assignment = assigned["assignment"]
    url = reverse("courses:extension_request", args=[assignment.pk])
    client.force_login(servant(tree["division"]))
    assert client.get(url).status_code == 404
    assert client.post(url, {"requested_due_on": "30/04/2026", "reason": "x"}).status_code == 404
    assert not ExtensionRequest.objects.exists()

    client.force_login(assigned["person"])
    response = client.post(url, {"requested_due_on": "31/02/2026", "reason": ""})
    assert response.status_code == 200
    assert not ExtensionRequest.objects.exists()
    response = client.post(url, {"requested_due_on": "01/03/2026", "reason": "Đi học"})
    assert response.status_code == 200 and not ExtensionRequest.objects.exists()
    response = client.post(url, {"requested_due_on": "30/04/2026", "reason": "Đi học"})
    assert response.status_code == 302
    assert ExtensionRequest.objects.get().requested_due_on == D(2026, 4, 30)


def test_extension_decisions_only_by_managers_of_the_persons_units(client, assigned, tree):
    request = training_services.extension_request_create(
        user=assigned["person"], assignment=assigned["assignment"], requested_due_on=D(2026, 4, 30), reason="Ốm"
    )
    decide = reverse("courses:extension_decide", args=[request.pk])
    listing = reverse("courses:extension_decisions")

    client.force_login(assigned["person"])  # not a manager
    assert client.get(listing).status_code == 403
    assert client.post(decide, {"decision": "approve"}).status_code == 404

    stranger = servant(tree["other"])
    tree["other"].managers.add(stranger)
    client.force_login(stranger)
    response = client.get(listing)
    assert response.status_code == 200 and "Ốm" not in response.content.decode()
    assert client.post(decide, {"decision": "approve"}).status_code == 404

    client.force_login(assigned["manager"])
    assert "Ốm" in client.get(listing).content.decode()
    assert client.post(decide, {"decision": "maybe"}).status_code == 302  # bad input: a message, nothing written
    assert ExtensionRequest.objects.get().status == "pending"
    client.post(decide, {"decision": "approve", "note": "OK"})
    assert ExtensionRequest.objects.get().status == "approved"
    assigned["assignment"].refresh_from_db()
    assert assigned["assignment"].due_on == D(2026, 4, 30)


# Admin --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (roles.TRAINING_ADMINISTRATOR, 200),
        ("superuser", 200),
        (roles.COMMUNICATIONS_STAFF, 302),
        (roles.UNIT_MANAGER, 302),
        (roles.CIVIL_SERVANT, 302),
        (roles.CITIZEN, 302),
    ],
)
def test_training_admin_pages_per_role(client, assigned, role, expected):
    user = UserFactory(role=role)
    if role != roles.TRAINING_ADMINISTRATOR and role != "superuser":
        user.is_staff = False
    client.force_login(user)
    pk = assigned["assignment"].pk
    urls = [
        reverse("training_requirements:index"),
        reverse("training_requirements:add"),
        reverse("training_assignments:index"),
        reverse("training_assignments:inspect", args=[pk]),
        reverse("training_assignments:correct", args=[pk]),
    ]
    for url in urls:
        response = client.get(url)
        # Without admin access Wagtail redirects to its dashboard or the sign-in page.
        assert response.status_code == expected, url


def test_admin_correction_form_writes_the_history(client, assigned):
    admin = UserFactory(training_admin=True)
    client.force_login(admin)
    url = reverse("training_assignments:correct", args=[assigned["assignment"].pk])
    response = client.post(url, {"action": "exempt", "reason": ""})
    assert response.status_code == 200
    assert not AssignmentEvent.objects.exists()
    response = client.post(url, {"action": "exempt", "reason": "Nghỉ hưu tháng sau"})
    assert response.status_code == 302
    assigned["assignment"].refresh_from_db()
    assert assigned["assignment"].status == "exempt"
    event = AssignmentEvent.objects.get()
    assert (event.actor, event.reason) == (admin, "Nghỉ hưu tháng sau")
    inspect = client.get(reverse("training_assignments:inspect", args=[assigned["assignment"].pk]))
    assert "Nghỉ hưu tháng sau" in inspect.content.decode()


def test_saving_a_requirement_in_the_admin_queues_its_assignment(
    client, tree, course, django_capture_on_commit_callbacks
):
    servant(tree["commune"])
    client.force_login(UserFactory(training_admin=True))
    data = {
        "name": "Chuyển đổi số cơ bản",
        "course": course.pk,
        "units": [tree["commune"].pk],
        "include_sub_units": "on",
        "positions": "",
        "learner_kind": "",
        "due_rule": "after_assigned",
        "due_days": "45",
        "renewal_window_days": "30",
        "is_active": "on",
    }
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("training_requirements:add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert len(callbacks) == 1  # the assignment task, enqueued after the commit

    bad = {**data, "due_rule": "fixed", "due_on": ""}
    response = client.post(reverse("training_requirements:add"), bad)
    assert response.status_code == 200
    assert TrainingRequirement.objects.count() == 1


@override_settings(ACCOUNTS_PEOPLE_CHANGED_HOOKS=["tests.courses.training.test_training.record_people_changed"])
def test_moving_a_person_in_the_admin_reports_the_change(client, tree):
    recorded_changes.clear()
    person = servant(tree["commune"])
    superuser = UserFactory(superuser=True)
    client.force_login(superuser)
    response = client.post(
        reverse("wagtailusers_users:edit", args=[person.pk]),
        {
            "email": person.email,
            "phone": "",
            "full_name": person.full_name,
            "kind": "civil_servant",
            "organisation_unit": tree["other"].pk,
            "employee_code": "",
            "position": "",
            "started_on": "",
            "preferred_language": "vi",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert recorded_changes == [[person.pk]]


recorded_changes = []


def record_people_changed(user_ids):
    recorded_changes.append(list(user_ids))


def test_renamed_training_tasks_keep_their_old_names_routable():
    """The tasks had implicit names (courses.tasks.<function>): a message still queued under one runs the new task."""
    from celery import current_app

    from core.tasks import RENAMED_TASKS
    from courses.training import tasks

    renamed = {
        "courses.tasks.training_assign_people": tasks.assign_people,
        "courses.tasks.training_assign_requirement": tasks.assign_requirement,
        "courses.tasks.training_sync_all": tasks.sync_all,
        "courses.tasks.training_unit_paths_refresh": tasks.unit_paths_refresh,
    }
    for old_name, task in renamed.items():
        assert RENAMED_TASKS[old_name] == task.name
        assert old_name in current_app.tasks and task.name in current_app.tasks
    assert {task.name for task in renamed.values()} == {
        "courses.training.assign_people",
        "courses.training.assign_requirement",
        "courses.training.sync_all",
        "courses.training.unit_paths_refresh",
    }


@pytest.mark.usefixtures("english_interface")  # the msgids (tests/conftest.py)
def test_my_training_puts_due_soon_right_after_overdue_and_says_so(client, tree, home_page, settings):
    settings.TRAINING_DUE_SOON_DAYS = 14
    today = timezone.localdate()
    person = servant(tree["commune"])
    for name, days in (("Còn lâu", 90), ("Sắp đến hạn", 5), ("Quá hạn rồi", -3), ("Hạn hôm nay", 0)):
        other = course_create(home_page, title=f"Khóa {name}", slug=f"khoa-{days + 100}")
        requirement_for(other, [tree["commune"]], name=name, due_rule="fixed", due_on=today + datetime.timedelta(days))
    assignments_sync()
    # Started (in progress) but not due for months: after what is due soon.
    far = Assignment.objects.get(user=person, requirement__name="Còn lâu")
    Assignment.objects.filter(pk=far.pk).update(started_at=timezone.now())
    client.force_login(person)
    html = client.get(reverse("courses:my_training")).content.decode()
    order = [html.index(name) for name in ("Quá hạn rồi", "Hạn hôm nay", "Sắp đến hạn", "Còn lâu")]
    assert order == sorted(order)
    assert "Due soon: 5 days left" in html and "Due today" in html
    assert html.count("status-due-soon") == 2
