"""Statements built from learning's facts (in the outbox), and what the real Ralph LRS stored of them."""

import datetime
import json
import uuid

import pytest
from django.utils import timezone

from accounts.personal_data import personal_data_erase, personal_data_export
from courses.learning import events
from courses.learning.events import PackageResult, tutorial_view_announce
from courses.learning.quiz import quiz_questions
from courses.learning.services import lesson_complete, quiz_submit
from courses.models import Certificate, Enrolment
from outreach.models import Statement
from outreach.xapi import statements as xs
from outreach.xapi.sending import statements_send
from tests.accounts.factories import UserFactory
from tests.courses.factories import answers_for, course_create, question, tutorial_create, tutorial_index_create

pytestmark = pytest.mark.django_db

ADL = "http://adlnet.gov/expapi/verbs/"
# What ``learn_all`` makes: lesson 1 completed, the quiz answered and failed, answered and passed, lesson 2
# completed, the course completed, its certificate earned.
COURSE_VERBS = ["completed", "answered", "failed", "answered", "passed", "completed", "completed", "earned"]


def agent(user):
    return {"objectType": "Agent", "account": {"homePage": xs.site_url() + "/", "name": xs.actor_name(user.pk)}}


def verbs(statements):
    return [statement["verb"]["id"].rsplit("/", 1)[-1] for statement in statements]


def a_course(home_page):
    return course_create(
        home_page,
        pass_mark=100,
        lessons=[
            ("Bài đọc", [{"type": "paragraph", "value": "<p>Đọc.</p>"}]),
            ("Bài có câu hỏi", [question("Đăng ký ở đâu?", [("Công an xã", True), ("Ngân hàng", False)])]),
        ],
    )


def learn_all(user, course):
    """Complete the course: read the first lesson, fail then pass the second's quiz."""
    first, second = course.get_children().specific()
    lesson_complete(user=user, lesson=first)
    questions = quiz_questions(second.body)
    quiz_submit(user=user, course=course, lesson=second, token=uuid.uuid4(), data=answers_for(questions, correct=False))
    quiz_submit(user=user, course=course, lesson=second, token=uuid.uuid4(), data=answers_for(questions))


def test_off_without_an_endpoint_writes_nothing(settings, home_page):
    settings.XAPI_ENDPOINT = ""
    user = UserFactory()
    learn_all(user, a_course(home_page))
    assert Enrolment.objects.get(user=user).completed_at is not None
    assert not Statement.objects.exists()


def test_stored_in_order_per_learner_with_the_xapi_properties(xapi_on, home_page, rf):
    ralph = xapi_on
    course = a_course(home_page)
    tutorial = tutorial_create(tutorial_index_create(home_page), "Nộp hồ sơ trực tuyến")
    ana, binh = UserFactory(email="ana@example.vn", phone="0912345678"), UserFactory()
    request = rf.get(tutorial.url)
    request.user = ana
    tutorial_view_announce(request, None, tutorial.pk)
    tutorial_view_announce(request, None, tutorial.pk)  # the same day: the same statement
    first = course.get_children().specific().first()
    lesson_complete(user=binh, lesson=first)
    learn_all(ana, course)
    lesson_complete(user=ana, lesson=first)  # again: the completion is once, so is its statement
    learn_all(binh, course)

    result = statements_send()
    assert result.sent == Statement.objects.count() == 17 and not result.failed
    expected_ana = ["experienced", *COURSE_VERBS]
    stored_ana = ralph.statements(agent=agent(ana))
    assert verbs(stored_ana) == expected_ana
    assert verbs(ralph.statements(agent=agent(binh))) == expected_ana[1:]
    # Ralph's "stored" follows our order, and the ids are the rows' (derived from the facts).
    rows = list(Statement.objects.filter(learner=ana).order_by("pk"))
    assert [statement["id"] for statement in stored_ana] == [str(row.statement_id) for row in rows]
    assert all(row.status == Statement.Status.SENT and row.sent_at for row in rows)

    enrolment = Enrolment.objects.get(user=ana)
    viewed, lesson_done, answered, failed, _, passed, _, course_done, earned = stored_ana
    assert "ana@example.vn" not in json.dumps(stored_ana) and "0912345678" not in json.dumps(stored_ana)
    assert viewed["actor"]["account"] == {"homePage": xs.site_url() + "/", "name": xs.actor_name(ana.pk)}
    assert viewed["object"]["id"] == xs.site_url() + tutorial.url
    assert viewed["object"]["definition"]["name"] == {"vi": "Nộp hồ sơ trực tuyến"}
    assert viewed["verb"]["id"] == ADL + "experienced"
    assert lesson_done["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/lesson"
    assert lesson_done["context"]["contextActivities"]["parent"][0]["id"] == course.get_full_url()
    assert lesson_done["context"]["registration"] == str(uuid.uuid5(xs.namespace(), f"enrolment:{enrolment.pk}"))
    assert lesson_done["context"]["language"] == "vi" and lesson_done["context"]["platform"]
    assert answered["result"]["score"] == {"scaled": 0.0, "raw": 0.0, "min": 0.0, "max": 100.0}
    assert failed["result"]["success"] is False and passed["result"]["success"] is True
    assert passed["result"]["score"]["scaled"] == 1.0
    assert course_done["object"]["id"] == course.get_full_url()
    assert course_done["result"]["duration"].startswith("PT")
    certificate = Certificate.objects.get(enrolment=enrolment)
    assert earned["verb"]["id"] == "http://id.tincanapi.com/verb/earned"
    assert earned["object"]["id"] == f"{xs.site_url()}/certificates/{certificate.code}/"
    issued = datetime.datetime.fromisoformat(earned["timestamp"])
    assert abs(issued - certificate.issued_at) < datetime.timedelta(milliseconds=1)
    # Ralph's own filter by registration finds the enrolment's statements.
    by_registration = ralph.statements(registration=lesson_done["context"]["registration"])
    assert verbs(by_registration) == expected_ana[1:]


def test_ids_stable_when_sent_again(xapi_on, home_page):
    ralph = xapi_on
    user = UserFactory()
    learn_all(user, a_course(home_page))
    assert statements_send().sent == 8
    before = ralph.statements(agent=agent(user))
    # At least once: everything planned again (a worker lost its marks) goes again with the same ids.
    Statement.objects.update(status=Statement.Status.PLANNED, sent_at=None)
    assert statements_send().sent == 8
    after = ralph.statements(agent=agent(user))
    assert [s["id"] for s in after] == [s["id"] for s in before] and len(after) == 8
    assert [s["stored"] for s in after] == [s["stored"] for s in before]  # Ralph kept the first


def test_retried_while_ralph_is_down_then_sent_in_order(xapi_on, home_page):
    ralph = xapi_on
    user = UserFactory()
    course = a_course(home_page)
    learn_all(user, course)
    ralph.stop()
    result = statements_send()
    assert result.sent == 0 and result.retry_in is not None
    assert set(Statement.objects.values_list("status", flat=True)) == {Statement.Status.PLANNED}
    head = Statement.objects.order_by("pk").first()
    assert head.attempts == 1 and head.not_before > timezone.now() - datetime.timedelta(seconds=1)
    assert "ConnectionError" in head.last_error
    ralph.start()
    early = statements_send()
    assert early.sent == 0 or early.sent == 8  # within the back-off nothing goes; after it everything
    Statement.objects.update(not_before=timezone.now())
    statements_send()
    assert verbs(ralph.statements(agent=agent(user))) == COURSE_VERBS


def test_a_conflicting_id_counts_as_sent_and_a_refused_statement_fails_alone(xapi_on, home_page):
    ralph = xapi_on
    user = UserFactory()
    learn_all(user, a_course(home_page))
    rows = list(Statement.objects.order_by("pk"))
    # The LRS holds a different statement under the third row's id: a 409.
    other = {**rows[2].payload, "timestamp": "2020-01-01T00:00:00.000Z"}
    assert ralph_post(ralph, [other]).status_code == 200
    # The fifth is malformed (no verb): the LRS refuses it, alone.
    broken = dict(rows[4].payload)
    del broken["verb"]
    Statement.objects.filter(pk=rows[4].pk).update(payload=broken)
    result = statements_send()
    assert result.failed == 1 and result.sent == 7
    statuses = dict(Statement.objects.values_list("pk", "status"))
    assert statuses[rows[4].pk] == Statement.Status.FAILED and statuses[rows[2].pk] == Statement.Status.SENT
    assert "409" in Statement.objects.get(pk=rows[2].pk).last_error
    stored = {s["id"] for s in ralph.statements(agent=agent(user))}
    assert str(rows[4].statement_id) not in stored and str(rows[6].statement_id) in stored


def ralph_post(ralph, payloads):
    import requests

    return requests.post(
        ralph.endpoint + "statements",
        json=payloads,
        auth=(ralph.username, ralph.password),
        headers={"X-Experience-API-Version": "1.0.3"},
        timeout=10,
    )


def test_erasure_voids_every_statement_in_the_lrs_and_export_lists_them(xapi_on, home_page):
    ralph = xapi_on
    user, other = UserFactory(), UserFactory()
    course = a_course(home_page)
    learn_all(user, course)
    learn_all(other, course)
    statements_send()
    lesson_complete(user=user, lesson=course.get_children().specific().first())  # nothing new
    events.package_finished.announce(
        user=user,
        lesson=course.get_children().specific().last(),
        result=PackageResult("a1", "scorm12", "pkg", "Gói", completed=True, passed=None),
    )  # planned, not sent yet: voided too
    exported = personal_data_export(user)["learning_records_xapi"]
    assert len(exported) == 9 and exported[0]["statement"]["actor"]["account"]["name"] == xs.actor_name(user.pk)
    original_ids = [row["statement_id"] for row in exported]

    personal_data_erase(user)
    assert not Statement.objects.filter(learner_id=user.pk).exists()
    voids = list(Statement.objects.filter(verb="voided").order_by("pk"))
    assert [row.activity for row in voids] == original_ids and all(row.learner_id is None for row in voids)
    statements_send()
    for original, row in zip(original_ids, voids, strict=True):
        (stored,) = ralph.statements(statementId=str(row.statement_id))
        assert stored["verb"]["id"] == ADL + "voided"
        assert stored["object"] == {"objectType": "StatementRef", "id": original}
        assert stored["actor"]["account"]["name"] == "kynangso"
    # The other learner's statements are not voided.
    assert len(ralph.statements(agent=agent(other))) == 8
    assert Statement.objects.filter(learner=other, status=Statement.Status.SENT).count() == 8


def test_a_package_result_becomes_a_statement(xapi_on, home_page):
    ralph = xapi_on
    user = UserFactory()
    lesson = a_course(home_page).get_children().specific().first()
    result = PackageResult(
        attempt_id=str(uuid.uuid4()),
        standard="h5p",
        activity_id="h5p-mc-1",
        title="Trắc nghiệm",
        completed=True,
        passed=True,
        score_scaled=0.75,
        score_raw=3,
        score_min=0,
        score_max=4,
        duration_seconds=83.5,
    )
    events.package_finished.announce(user=user, lesson=lesson, result=result)
    events.package_finished.announce(user=user, lesson=lesson, result=result)  # the same result: one statement
    statements_send()
    (stored,) = ralph.statements(agent=agent(user))
    assert stored["verb"]["id"] == ADL + "passed"
    assert stored["result"] == {
        "completion": True,
        "success": True,
        "score": {"scaled": 0.75, "raw": 3.0, "min": 0.0, "max": 4.0},
        "duration": "PT1M23.5S",
    }
    assert stored["object"]["id"] == lesson.get_full_url() + "#h5p-h5p-mc-1"
    assert stored["context"]["contextActivities"]["parent"][0]["id"] == lesson.get_full_url()


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "PT0S"), (5, "PT5S"), (83.5, "PT1M23.5S"), (3600, "PT1H"), (3725.25, "PT1H2M5.25S")]
)
def test_durations_are_iso_8601(seconds, text):
    assert xs.duration(seconds) == text


def test_the_delivery_log_lists_statements(xapi_on, home_page, client, english_interface):
    admin = UserFactory(is_superuser=True, is_staff=True)
    user = UserFactory()
    learn_all(user, a_course(home_page))
    row = Statement.objects.order_by("pk").first()
    Statement.objects.filter(pk=row.pk).update(status=Statement.Status.FAILED, last_error="HTTP 400: bad")
    client.force_login(admin)
    index = client.get("/admin/reminders/xapi/")
    assert index.status_code == 200 and "HTTP 400: bad" in index.content.decode()
    inspect = client.get(f"/admin/reminders/xapi/inspect/{row.pk}/")
    assert inspect.status_code == 200 and str(row.statement_id) in inspect.content.decode()
    assert client.post(f"/admin/reminders/xapi/resend/{row.pk}/").status_code == 302
    row.refresh_from_db()
    assert row.status == Statement.Status.PLANNED and row.attempts == 0
    citizen = UserFactory()
    client.force_login(citizen)
    assert client.post(f"/admin/reminders/xapi/resend/{row.pk}/").status_code in (302, 403)
    assert Statement.objects.get(pk=row.pk).status == Statement.Status.PLANNED


def test_a_lesson_completion_costs_one_insert_more_with_xapi_on(
    settings, home_page, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    course = course_create(home_page, lessons=[("Một", []), ("Hai", []), ("Ba", [])])
    first, second, _ = course.get_children().specific()
    user = UserFactory()
    lesson_complete(user=user, lesson=first)  # the enrolment exists from here on
    settings.XAPI_ENDPOINT = ""
    lesson_complete(user=user, lesson=second)  # what a first call loads (the course's lessons) is loaded
    with CaptureQueriesContext(connection) as off:
        lesson_complete(user=user, lesson=second)
    settings.XAPI_ENDPOINT = "http://127.0.0.1:9/xAPI/"
    lesson_complete(user=user, lesson=first)  # the site's root paths are cached (Wagtail's, for page URLs)
    with CaptureQueriesContext(connection) as on, django_capture_on_commit_callbacks() as callbacks:
        lesson_complete(user=user, lesson=second)  # the same lesson again: same work as above, and its statement
    statements = [query["sql"] for query in on.captured_queries if "outreach_statement" in query["sql"]]
    assert len(on.captured_queries) == len(off.captured_queries) + 1, [q["sql"][:80] for q in on.captured_queries]
    assert len(statements) == 1 and statements[0].startswith("INSERT INTO") and "ON CONFLICT" in statements[0]
    assert len(callbacks) == 1  # the sender, queued after commit
