"""Personal data: a person downloads everything held about them and can have it erased."""

import datetime
import json

import pytest
from django.apps import apps
from django.urls import reverse

from accounts.models import User
from accounts.personal_data import personal_data_erase, personal_data_export
from courses.learning import services
from courses.learning.quiz import quiz_questions
from courses.models import Assignment, Certificate, Feedback, TrainingRequirement
from courses.training import services as training_services
from tests.accounts.factories import PASSWORD, OrganisationUnitFactory, UserFactory
from tests.courses.factories import answers_for, course_create, question

pytestmark = pytest.mark.django_db


@pytest.fixture
def learner_with_everything(home_page):
    """A civil servant with progress, a quiz attempt, a certificate, feedback, an assignment and an extension."""
    unit = OrganisationUnitFactory(name="Xã Riêng Tư", code="PRIV")
    person = UserFactory(
        kind=User.Kind.CIVIL_SERVANT, organisation_unit=unit, employee_code="NV-777", position="Văn thư"
    )
    manager = UserFactory(kind=User.Kind.CIVIL_SERVANT, organisation_unit=unit)
    unit.managers.add(manager)
    course = course_create(
        home_page,
        title="Khóa riêng tư",
        lessons=[("Bài", [question("Đúng không?", [("Đúng", True), ("Sai", False)])])],
        issues_certificate=True,
    )
    other_course = course_create(home_page, title="Khóa thứ hai", slug="khoa-thu-hai")
    lesson = course.lessons().first()
    services.quiz_submit(
        user=person, course=course, lesson=lesson, token="a" * 32, data=answers_for(quiz_questions(lesson.body))
    )
    feedback_page = course.lessons().first()
    services.feedback_record(page=feedback_page, user=person, helpful=False, comment="Tôi là Nguyễn Văn Riêng")
    requirement = TrainingRequirement.objects.create(
        name="Bắt buộc riêng", course=other_course, due_rule="after_assigned", due_days=30
    )
    requirement.units.set([unit])
    training_services.assignments_sync()
    assignment = Assignment.objects.get(user=person)
    extension = training_services.extension_request_create(
        user=person,
        assignment=assignment,
        requested_due_on=assignment.due_on + datetime.timedelta(days=10),
        reason="Ốm",
    )
    training_services.extension_decide(manager=manager, extension=extension, approve=True)
    return {"person": person, "manager": manager, "course": course}


def test_export_holds_every_kind_of_record(client, learner_with_everything):
    person = learner_with_everything["person"]
    client.force_login(person)
    response = client.get(reverse("accounts:my_data_export"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["account"]["employee_code"] == "NV-777"
    assert data["account"]["email"] == person.email
    assert data["enrolments"][0]["course"] == "Khóa riêng tư"
    assert data["lessons_completed"] and data["quiz_attempts"][0]["passed"] is True
    # Answers in words, not block ids.
    assert data["quiz_attempts"][0]["answers"] == [{"question": "Đúng không?", "answers": ["Đúng"], "correct": True}]
    assert data["certificates"][0]["code"] == Certificate.objects.get(user=person).code
    assert data["feedback"][0]["comment"] == "Tôi là Nguyễn Văn Riêng"
    assert data["training_assignments"][0]["requirement"] == "Bắt buộc riêng"
    assert data["training_assignments"][0]["history"][0]["kind"] == "extended"
    assert data["extension_requests"][0]["reason"] == "Ốm"
    # Nothing of the manager's in the person's export, and the export is of the signed-in person only.
    assert learner_with_everything["manager"].email not in response.content.decode()


def test_export_needs_a_sign_in(client):
    response = client.get(reverse("accounts:my_data_export"))
    assert response.status_code == 302 and "sign-in" in response["Location"]


def _rows_pointing_at(user_pk):
    """Every row, in every model, with a foreign key to this user id."""
    found = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if not (field.concrete and field.related_model is User):
                continue
            lookup = field.attname if field.many_to_one else field.name if field.many_to_many else None
            if lookup and model.objects.filter(**{lookup: user_pk}).exists():
                found.append(f"{model._meta.label}.{field.name}")
    return found


def test_erasure_leaves_nothing_pointing_at_the_person(learner_with_everything):
    person, manager = learner_with_everything["person"], learner_with_everything["manager"]
    code = Certificate.objects.get(user=person).code
    assert _rows_pointing_at(person.pk)  # the fixture really holds data
    personal_data_erase(person)
    assert not User.objects.filter(pk=person.pk).exists()
    assert _rows_pointing_at(person.pk) == []
    assert not Certificate.objects.filter(code=code).exists()
    assert not Feedback.objects.filter(comment__contains="Riêng").exists()
    # The manager who decided keeps their account; erasing them detaches their decisions.
    personal_data_erase(manager)
    assert _rows_pointing_at(manager.pk) == []


def test_a_person_deletes_their_own_account_with_their_password(client, learner_with_everything):
    person = learner_with_everything["person"]
    client.force_login(person)
    assert client.get(reverse("accounts:my_data")).status_code == 200
    response = client.post(reverse("accounts:account_delete"), {"password": "wrong", "confirm": "on"})
    assert response.status_code == 400
    response = client.post(reverse("accounts:account_delete"), {"password": PASSWORD})
    assert response.status_code == 400  # not confirmed
    assert User.objects.filter(pk=person.pk).exists()
    response = client.post(reverse("accounts:account_delete"), {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=person.pk).exists()
    assert "_auth_user_id" not in client.session


def test_a_superuser_deletes_a_person_with_a_certificate_in_the_admin(client, learner_with_everything):
    person = learner_with_everything["person"]
    client.force_login(UserFactory(superuser=True))
    response = client.post(reverse("wagtailusers_users:delete", args=[person.pk]))
    assert response.status_code == 302
    assert not User.objects.filter(pk=person.pk).exists()
    assert not Certificate.objects.filter(user_id=person.pk).exists()


def test_export_function_matches_the_download(learner_with_everything):
    data = personal_data_export(learner_with_everything["person"])
    assert set(data) >= {
        "account",
        "enrolments",
        "lessons_completed",
        "quiz_attempts",
        "tutorials_done",
        "certificates",
        "feedback",
        "training_assignments",
        "extension_requests",
    }
