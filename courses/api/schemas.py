"""What the personal API answers, as pydantic schemas: they are also its OpenAPI schema's components."""

import datetime
from typing import Literal

from ninja import Field, Schema

# A page of a list: ?offset=&limit= (at most LIMIT_MAX a page).
LIMIT_DEFAULT = 50
LIMIT_MAX = 100
OFFSET_MAX = 1_000_000


class ErrorField(Schema):
    name: str
    message: str


class ErrorDetail(Schema):
    code: str = Field(
        description="Stable, for programs: missing, malformed, invalid, expired, revoked, "
        "insufficient_scope, rate_limited, invalid_request, not_found."
    )
    message: str = Field(description="For people, in the site's language (Vietnamese).")
    fields: list[ErrorField] | None = None


class ErrorOut(Schema):
    error: ErrorDetail


class PageRef(Schema):
    id: int
    title: str
    url: str | None = Field(description="The page on the site; null when it is no longer published.")


class ProfileOut(Schema):
    full_name: str
    email: str | None
    phone: str | None
    kind: Literal["citizen", "civil_servant"]
    organisation_unit: str | None
    position: str | None
    preferred_language: str
    date_joined: datetime.datetime
    courses_in_progress: int
    courses_completed: int
    training_open: int
    training_overdue: int
    certificates_valid: int


class EnrolmentOut(Schema):
    id: int
    course: PageRef
    enrolled_at: datetime.datetime
    last_activity_at: datetime.datetime
    completed_at: datetime.datetime | None
    archived: bool = Field(description="A run closed by renewed training (its certificate stays).")
    lessons_total: int
    lessons_done: int
    percent: int = Field(ge=0, le=100)
    next_lesson: PageRef | None
    certificate_id: int | None


class LessonProgressOut(PageRef):
    done: bool
    completed_at: datetime.datetime | None


class FinalTestOut(Schema):
    required: bool
    passed: bool


class EnrolmentDetailOut(EnrolmentOut):
    lessons: list[LessonProgressOut]
    final_test: FinalTestOut


class EnrolmentList(Schema):
    count: int
    items: list[EnrolmentOut]


class LessonCompletionOut(Schema):
    id: int
    lesson: PageRef
    course: PageRef
    completed_at: datetime.datetime


class LessonCompletionList(Schema):
    count: int
    items: list[LessonCompletionOut]


class QuizSummaryOut(Schema):
    course: PageRef
    lesson: PageRef | None = Field(description="null: the course's final test.")
    attempts: int
    best_score: int = Field(ge=0, le=100)
    last_score: int = Field(ge=0, le=100)
    passed: bool
    last_submitted_at: datetime.datetime


class QuizSummaryList(Schema):
    items: list[QuizSummaryOut]


class AssignmentOut(Schema):
    id: int
    requirement: str
    course: PageRef
    cycle: int
    current: bool
    state: Literal["overdue", "not_started", "in_progress", "completed", "exempt", "cancelled"]
    assigned_at: datetime.datetime
    due_on: datetime.date
    completed_at: datetime.datetime | None
    expires_on: datetime.date | None
    renews_on: datetime.date | None


class AssignmentList(Schema):
    items: list[AssignmentOut]


class CertificateOut(Schema):
    id: int
    code: str
    course: PageRef
    learner_name: str
    issued_at: datetime.datetime
    expires_at: datetime.datetime | None
    status: Literal["valid", "expired", "revoked", "superseded"]
    verification_url: str = Field(description="The public verification page (anyone with the code).")
    pdf_url: str = Field(description="The PDF, with this API's token (certificates:read).")


class CertificateList(Schema):
    items: list[CertificateOut]


class PageParams(Schema):
    offset: int = Field(0, ge=0, le=OFFSET_MAX)
    limit: int = Field(LIMIT_DEFAULT, ge=1, le=LIMIT_MAX)
