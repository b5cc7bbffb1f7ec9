"""The personal API's tests' shared parts: a person with one of everything, tokens, and the independent
OpenAPI validator (openapi-core) loaded from the schema the API publishes."""

import json
import uuid

from django.test import Client
from openapi_core import OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse

from accounts.models import User
from accounts.tokens.services import token_create
from courses.learning import services
from courses.learning.quiz import quiz_questions
from courses.models import Assignment, Certificate, Enrolment, TrainingRequirement
from courses.training import services as training_services
from tests.accounts.factories import OrganisationUnitFactory, UserFactory
from tests.courses.factories import answers_for, course_create, question

ALL_SCOPES = ["profile:read", "progress:read", "training:read", "certificates:read"]
SCHEMA_URL = "/api/me/v1/openapi.json"


def learner_make(home_page, *, code: str, course=None, training_course=None) -> dict:
    """A civil servant who completed a course (certificate), took its quiz, and has mandatory training."""
    unit = OrganisationUnitFactory(name=f"Xã {code}", code=code)
    person = UserFactory(kind=User.Kind.CIVIL_SERVANT, organisation_unit=unit, position="Văn thư")
    if course is None:
        course = course_create(
            home_page,
            title="Khóa có chứng chỉ",
            lessons=[("Bài một", [question("Đúng không?", [("Đúng", True), ("Sai", False)])])],
            issues_certificate=True,
        )
    if training_course is None:
        training_course = course_create(home_page, title="Khóa bắt buộc", slug="khoa-bat-buoc")
    lesson = course.lessons().first()
    services.quiz_submit(
        user=person, course=course, lesson=lesson, token=uuid.uuid4().hex, data=answers_for(quiz_questions(lesson.body))
    )
    requirement = TrainingRequirement.objects.filter(course=training_course).first()
    if requirement is None:
        requirement = TrainingRequirement.objects.create(
            name="Bắt buộc", course=training_course, due_rule="after_assigned", due_days=30
        )
    requirement.units.add(unit)
    training_services.assignments_sync()
    return {
        "person": person,
        "course": course,
        "training_course": training_course,
        "enrolment": Enrolment.objects.get(user=person, course=course),
        "certificate": Certificate.objects.get(user=person),
        "assignment": Assignment.objects.get(user=person),
    }


def token_for(person, scopes=ALL_SCOPES, days=30) -> str:
    return token_create(user=person, name="Cổng tỉnh", scopes=list(scopes), days=days)[1]


def bearer(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


class SchemaChecked:
    """A test client whose every personal API answer is checked against the published schema."""

    def __init__(self):
        self.client = Client()
        response = self.client.get(SCHEMA_URL)
        assert response.status_code == 200
        self.schema = json.loads(response.content)
        # from_dict validates the schema itself (openapi-spec-validator) before anything else.
        self.openapi = OpenAPI.from_dict(self.schema)
        self.checked = 0

    def get(self, path, raw=None, *, check_request=True, **extra):
        headers = bearer(raw) if raw else {}
        response = self.client.get(path, **headers, **extra)
        request = DjangoOpenAPIRequest(response.wsgi_request)
        if check_request and response.status_code == 200:
            self.openapi.validate_request(request)
        self.openapi.validate_response(request, DjangoOpenAPIResponse(response))
        self.checked += 1
        return response
