"""Courses, lessons, quizzes and progress: the rules of the game."""

import uuid

import pytest
from django.core.exceptions import ValidationError

from accounts.models import User
from courses.learning import services
from courses.learning.quiz import answers_from_post, quiz_grade, quiz_questions
from courses.models import Audience, Enrolment, LessonCompletion, LessonPage, QuizAttempt, TutorialCompletion
from tests.accounts.codes_support import planned_code
from tests.accounts.factories import UserFactory
from tests.courses.factories import (
    answers_for,
    course_create,
    post_data,
    question,
    tutorial_create,
    tutorial_index_create,
)

pytestmark = pytest.mark.django_db


def form(data):
    """A QueryDict as the test client posts it (every value of every key)."""
    return dict(data.lists())


@pytest.fixture
def quiz_course(home_page):
    return course_create(
        home_page,
        lessons=[
            ("Đọc", [{"type": "paragraph", "value": "<p>Nội dung</p>"}]),
            (
                "Kiểm tra",
                [
                    question("Câu một?", [("A", True), ("B", False)], explanation="Vì A đúng."),
                    question("Câu hai?", [("C", True), ("D", True), ("E", False)], multiple=True),
                ],
            ),
        ],
        final=[question("Câu cuối?", [("X", True), ("Y", False)])],
        pass_mark=80,
    )


def lessons_of(course):
    return list(course.lessons())


class TestGrading:
    def test_questions_keep_block_ids(self, quiz_course):
        questions = quiz_questions(lessons_of(quiz_course)[1].body)
        assert [q.text for q in questions] == ["Câu một?", "Câu hai?"]
        assert all(len(q.id) == 36 for q in questions)
        assert questions[1].multiple and len(questions[1].correct_ids) == 2

    def test_all_correct_passes(self, quiz_course):
        questions = quiz_questions(lessons_of(quiz_course)[1].body)
        grade = quiz_grade(questions, answers_from_post(questions, answers_for(questions)), 80)
        assert (grade.score, grade.passed, grade.correct_count) == (100, True, 2)

    def test_multiple_choice_needs_exactly_the_right_set(self, quiz_course):
        questions = quiz_questions(lessons_of(quiz_course)[1].body)
        first, second = questions
        right_first = next(c for c in first.choices if c.correct)
        one_of_two = next(c for c in second.choices if c.correct)
        data = post_data([(f"q-{first.id}", right_first.id), (f"q-{second.id}", one_of_two.id)])
        grade = quiz_grade(questions, answers_from_post(questions, data), 80)
        assert (grade.score, grade.passed) == (50, False)

    @pytest.mark.parametrize("tamper", ["unknown_question", "foreign_choice", "two_for_single", "missing"])
    def test_tampered_answers_are_refused(self, quiz_course, tamper):
        questions = quiz_questions(lessons_of(quiz_course)[1].body)
        first, second = questions
        data = answers_for(questions)
        if tamper == "unknown_question":
            data.appendlist(f"q-{uuid.uuid4()}", "x")
        elif tamper == "foreign_choice":
            data.setlist(f"q-{first.id}", [second.choices[0].id])
        elif tamper == "two_for_single":
            data.setlist(f"q-{first.id}", [c.id for c in first.choices])
        else:
            data.pop(f"q-{second.id}")
        with pytest.raises(ValidationError):
            answers_from_post(questions, data)


class TestProgress:
    def test_lesson_without_quiz_completes_once(self, quiz_course):
        user = UserFactory()
        reading = lessons_of(quiz_course)[0]
        services.lesson_complete(user=user, lesson=reading)
        services.lesson_complete(user=user, lesson=reading)
        assert LessonCompletion.objects.filter(user=user, lesson=reading).count() == 1
        enrolment = Enrolment.objects.get(user=user, course=quiz_course)
        assert enrolment.last_lesson_id == reading.pk
        assert enrolment.completed_at is None

    def test_lesson_with_quiz_needs_a_pass(self, quiz_course):
        user = UserFactory()
        quiz_lesson = lessons_of(quiz_course)[1]
        with pytest.raises(ValidationError):
            services.lesson_complete(user=user, lesson=quiz_lesson)
        assert not LessonCompletion.objects.filter(user=user).exists()

    def test_failed_then_passed_attempts_are_all_kept(self, quiz_course):
        user = UserFactory()
        quiz_lesson = lessons_of(quiz_course)[1]
        questions = quiz_questions(quiz_lesson.body)
        failed, grade = services.quiz_submit(
            user=user,
            course=quiz_course,
            lesson=quiz_lesson,
            token=uuid.uuid4(),
            data=answers_for(questions, correct=False),
        )
        assert not grade.passed and not failed.passed
        assert not LessonCompletion.objects.filter(user=user, lesson=quiz_lesson).exists()
        passed, grade = services.quiz_submit(
            user=user, course=quiz_course, lesson=quiz_lesson, token=uuid.uuid4(), data=answers_for(questions)
        )
        assert grade.passed and passed.score == 100
        assert QuizAttempt.objects.filter(user=user, lesson=quiz_lesson).count() == 2
        assert LessonCompletion.objects.filter(user=user, lesson=quiz_lesson).exists()
        stored = QuizAttempt.objects.get(pk=failed.pk).answers
        assert set(stored) == {q.id for q in questions}

    def test_double_submitted_quiz_records_one_attempt(self, quiz_course):
        user = UserFactory()
        quiz_lesson = lessons_of(quiz_course)[1]
        questions = quiz_questions(quiz_lesson.body)
        token = uuid.uuid4()
        first, _ = services.quiz_submit(
            user=user, course=quiz_course, lesson=quiz_lesson, token=token, data=answers_for(questions)
        )
        again, grade = services.quiz_submit(
            user=user,
            course=quiz_course,
            lesson=quiz_lesson,
            token=str(token),
            data=answers_for(questions, correct=False),
        )
        assert again.pk == first.pk and grade.passed  # graded as recorded
        assert QuizAttempt.objects.filter(user=user).count() == 1

    def test_bad_token_writes_nothing(self, quiz_course):
        user = UserFactory()
        quiz_lesson = lessons_of(quiz_course)[1]
        questions = quiz_questions(quiz_lesson.body)
        with pytest.raises(ValidationError):
            services.quiz_submit(
                user=user, course=quiz_course, lesson=quiz_lesson, token="nope", data=answers_for(questions)
            )
        assert not QuizAttempt.objects.exists() and not Enrolment.objects.exists()

    def test_course_completes_only_after_the_final_test_is_passed(self, quiz_course):
        user = UserFactory()
        reading, quiz_lesson = lessons_of(quiz_course)
        final_questions = quiz_questions(quiz_course.final_quiz)
        with pytest.raises(ValidationError):  # lessons first
            services.quiz_submit(user=user, course=quiz_course, token=uuid.uuid4(), data=answers_for(final_questions))
        services.lesson_complete(user=user, lesson=reading)
        services.quiz_submit(
            user=user,
            course=quiz_course,
            lesson=quiz_lesson,
            token=uuid.uuid4(),
            data=answers_for(quiz_questions(quiz_lesson.body)),
        )
        enrolment = Enrolment.objects.get(user=user, course=quiz_course)
        assert enrolment.completed_at is None
        services.quiz_submit(
            user=user, course=quiz_course, token=uuid.uuid4(), data=answers_for(final_questions, correct=False)
        )
        enrolment.refresh_from_db()
        assert enrolment.completed_at is None  # a failed final test does not complete the course
        services.quiz_submit(user=user, course=quiz_course, token=uuid.uuid4(), data=answers_for(final_questions))
        enrolment.refresh_from_db()
        completed_at = enrolment.completed_at
        assert completed_at is not None
        # Recorded once: doing more does not move the completion time.
        services.quiz_submit(user=user, course=quiz_course, token=uuid.uuid4(), data=answers_for(final_questions))
        services.lesson_complete(user=user, lesson=reading)
        enrolment.refresh_from_db()
        assert enrolment.completed_at == completed_at

    def test_course_without_final_test_completes_with_its_last_lesson(self, home_page):
        course = course_create(home_page, lessons=[("Một", []), ("Hai", [])], issues_certificate=False)
        user = UserFactory()
        first, second = lessons_of(course)
        services.lesson_complete(user=user, lesson=first)
        assert Enrolment.objects.get(user=user).completed_at is None
        services.lesson_complete(user=user, lesson=second)
        assert Enrolment.objects.get(user=user).completed_at is not None

    def test_civil_servant_course_is_refused_to_citizens(self, home_page):
        course = course_create(home_page, audience=Audience.CIVIL_SERVANTS)
        citizen = UserFactory(kind=User.Kind.CITIZEN)
        with pytest.raises(ValidationError):
            services.lesson_complete(user=citizen, lesson=lessons_of(course)[0])
        assert not Enrolment.objects.exists()
        servant = UserFactory(kind=User.Kind.CIVIL_SERVANT)
        services.lesson_complete(user=servant, lesson=lessons_of(course)[0])
        assert Enrolment.objects.filter(user=servant).exists()

    def test_prerequisites_must_be_completed_first(self, home_page):
        basics = course_create(home_page, title="Cơ bản", slug="co-ban", lessons=[("Một", [])])
        advanced = course_create(home_page, title="Nâng cao", slug="nang-cao")
        advanced.prerequisites.add(basics)
        advanced.save_revision().publish()
        user = UserFactory()
        with pytest.raises(ValidationError) as error:
            services.enrolment_create(user=user, course=advanced)
        assert "Cơ bản" in str(error.value)
        services.lesson_complete(user=user, lesson=lessons_of(basics)[0])
        services.enrolment_create(user=user, course=advanced)


class TestViews:
    def test_pages_never_send_correct_answers_before_submission(self, client, quiz_course):
        quiz_lesson = lessons_of(quiz_course)[1]
        html = client.get(quiz_lesson.url).content.decode()
        assert "Câu một?" in html
        assert "Vì A đúng." not in html  # the explanation comes after answering
        assert '"correct"' not in html and "correct=" not in html

    def test_complete_lesson_through_the_site(self, client, quiz_course):
        user = UserFactory()
        client.force_login(user)
        reading = lessons_of(quiz_course)[0]
        response = client.post(f"/learn/lessons/{reading.pk}/complete/")
        assert response.status_code == 302
        assert LessonCompletion.objects.filter(user=user, lesson=reading).exists()

    @pytest.mark.usefixtures("english_interface")
    def test_quiz_through_the_site_shows_explanations(self, client, quiz_course):
        user = UserFactory()
        client.force_login(user)
        quiz_lesson = lessons_of(quiz_course)[1]
        questions = quiz_questions(quiz_lesson.body)
        data = answers_for(questions, correct=False)
        data["token"] = str(uuid.uuid4())
        response = client.post(f"/learn/lessons/{quiz_lesson.pk}/quiz/", form(data))
        html = response.content.decode()
        assert response.status_code == 200
        assert "Vì A đúng." in html and "Not passed yet" in html
        assert QuizAttempt.objects.filter(user=user, passed=False).count() == 1

    @pytest.mark.parametrize(
        "data", [{}, {"token": "x"}, {"token": str(uuid.uuid4()), "q-zzz": "1"}], ids=["empty", "token", "question"]
    )
    def test_tampered_quiz_form_gets_a_message_and_writes_nothing(self, client, quiz_course, data):
        client.force_login(UserFactory())
        quiz_lesson = lessons_of(quiz_course)[1]
        response = client.post(f"/learn/lessons/{quiz_lesson.pk}/quiz/", data, follow=True)
        assert response.status_code == 200
        assert list(response.context["messages"])
        assert not QuizAttempt.objects.exists()

    def test_unknown_or_unpublished_lesson_is_404(self, client, quiz_course):
        client.force_login(UserFactory())
        assert client.post("/learn/lessons/999999/complete/").status_code == 404
        lesson = lessons_of(quiz_course)[0]
        lesson.unpublish()
        assert client.post(f"/learn/lessons/{lesson.pk}/complete/").status_code == 404
        assert client.get(f"/learn/lessons/{lesson.pk}/complete/").status_code == 405

    def test_citizen_cannot_complete_a_civil_servant_lesson_by_changing_the_id(self, client, home_page):
        course = course_create(home_page, audience=Audience.CIVIL_SERVANTS)
        client.force_login(UserFactory(kind=User.Kind.CITIZEN))
        response = client.post(f"/learn/lessons/{lessons_of(course)[0].pk}/complete/", follow=True)
        assert response.status_code == 200
        assert not LessonCompletion.objects.exists()

    def test_enrol_requires_sign_in(self, client, quiz_course):
        response = client.post(f"/learn/courses/{quiz_course.pk}/enrol/")
        assert response.status_code == 302
        assert "next=" in response["Location"]
        assert not Enrolment.objects.exists()

    def test_anonymous_progress_is_kept_on_sign_in(self, client, quiz_course, rf):
        reading, quiz_lesson = lessons_of(quiz_course)
        index = tutorial_index_create(quiz_course.get_parent().get_parent())
        tutorial = tutorial_create(index, "Hướng dẫn")
        client.post(f"/learn/lessons/{reading.pk}/complete/")
        questions = quiz_questions(quiz_lesson.body)
        client.post(f"/learn/lessons/{quiz_lesson.pk}/quiz/", form(answers_for(questions)))
        client.post(f"/learn/tutorials/{tutorial.pk}/done/")
        assert not LessonCompletion.objects.exists()

        user = UserFactory()
        request = rf.get("/")
        request.session = client.session
        services.session_progress_claim(request, user)
        assert set(LessonCompletion.objects.filter(user=user).values_list("lesson_id", flat=True)) == {
            reading.pk,
            quiz_lesson.pk,
        }
        assert QuizAttempt.objects.filter(user=user, lesson=quiz_lesson, passed=True).count() == 1
        assert TutorialCompletion.objects.filter(user=user, tutorial=tutorial).exists()
        assert services.SESSION_KEY not in request.session

    def test_my_learning_shows_only_my_own_progress(self, client, quiz_course):
        me, other = UserFactory(), UserFactory()
        services.lesson_complete(user=other, lesson=lessons_of(quiz_course)[0])
        client.force_login(me)
        html = client.get("/learn/my-learning/").content.decode()
        assert quiz_course.title not in html
        services.lesson_complete(user=me, lesson=lessons_of(quiz_course)[0])
        html = client.get("/learn/my-learning/").content.decode()
        assert quiz_course.title in html

    def test_feedback_is_recorded_once_per_browser(self, client, home_page):
        from courses.models import Feedback

        index = tutorial_index_create(home_page)
        tutorial = tutorial_create(index, "Hướng dẫn")
        client.post(f"/learn/feedback/{tutorial.pk}/", {"helpful": "no", "comment": "Khó hiểu"})
        client.post(f"/learn/feedback/{tutorial.pk}/", {"helpful": "yes"})
        assert list(Feedback.objects.values_list("helpful", "comment")) == [(False, "Khó hiểu")]
        assert client.post(f"/learn/feedback/{tutorial.pk}/", {"helpful": "maybe"}).status_code == 400
        assert client.post(f"/learn/feedback/{home_page.pk}/", {"helpful": "yes"}).status_code == 404


class TestQueryCounts:
    def test_my_learning_query_count_does_not_grow(self, client, home_page, django_assert_max_num_queries):
        user = UserFactory()
        client.force_login(user)
        for number in range(4):
            course = course_create(home_page, title=f"Khóa {number}", lessons=[("Một", []), ("Hai", [])])
            services.lesson_complete(user=user, lesson=lessons_of(course)[0])
        index = tutorial_index_create(home_page)
        for number in range(3):
            services.tutorial_mark_done(user=user, tutorial=tutorial_create(index, f"HD {number}"))
        client.get("/learn/my-learning/")
        # 9th: the header asks whether the person manages a unit; 10th: help at the counter (courses.assisted).
        with django_assert_max_num_queries(10):
            response = client.get("/learn/my-learning/")
        assert response.context["in_progress"][0].next_lesson is not None

    def test_lesson_page_query_count_does_not_grow_with_lessons(self, client, home_page):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client.force_login(UserFactory())
        small = course_create(home_page, slug="nho", lessons=[("Một", []), ("Hai", [question()])])
        large = course_create(home_page, slug="lon", lessons=[(f"Bài {n}", [question()]) for n in range(8)])
        counts = []
        for course in (small, large):
            lesson = lessons_of(course)[1]
            client.get(lesson.url)
            with CaptureQueriesContext(connection) as queries:
                assert client.get(lesson.url).status_code == 200
            counts.append(len(queries))
        # Session, user, the editor's userbar (two), the learner's progress, the header's "manages a unit?";
        # none depend on the course's size.
        assert counts[0] == counts[1] <= 9

    def test_tutorial_index_with_filters(self, client, home_page, django_assert_max_num_queries, settings):
        settings.PAGE_CACHE_SECONDS = 0
        from courses.models import PublicService

        service = PublicService.objects.create(name="Cổng DVC", agency="VPCP", official_url="https://example.vn")
        index = tutorial_index_create(home_page)
        tagged = tutorial_create(index, "Có thẻ", public_service=service, audience=Audience.CITIZENS)
        tagged.tags.add("VNeID")
        tagged.save_revision().publish()
        tutorial_create(index, "Không thẻ", audience=Audience.CIVIL_SERVANTS)
        for params, expected in [
            ({"tag": "vneid"}, ["Có thẻ"]),
            ({"service": service.pk}, ["Có thẻ"]),
            ({"audience": "civil_servants"}, ["Không thẻ"]),
            ({"audience": "bogus", "service": "abc", "page": "x"}, ["Có thẻ", "Không thẻ"]),
            # Unicode digits and a number past 64 bits were a ValueError and an OverflowError (500s).
            ({"service": "99999999999999999999"}, ["Có thẻ", "Không thẻ"]),
            ({"service": "\u00b2"}, ["Có thẻ", "Không thẻ"]),
            ({"service": "\u2460"}, ["Có thẻ", "Không thẻ"]),
            ({"service": "-1"}, ["Có thẻ", "Không thẻ"]),
            ({"tag": "vneid\x00"}, ["Có thẻ"]),
        ]:
            response = client.get(index.url, params)
            titles = sorted(t.title for t in response.context["page_obj"])
            assert titles == sorted(expected), params
        with django_assert_max_num_queries(5):
            client.get(index.url, {"tag": "vneid"})


def test_lesson_page_model_rules():
    assert LessonPage.allowed_parent_page_models()[0].__name__ == "CoursePage"


class TestFeedbackReport:
    def test_staff_with_permission_see_results_per_page(self, client, home_page):

        from courses.models import Feedback

        index = tutorial_index_create(home_page)
        tutorial = tutorial_create(index, "Hướng dẫn nộp hồ sơ")
        Feedback.objects.create(page=tutorial, helpful=False, comment="Thiếu ảnh chụp màn hình")
        Feedback.objects.create(page=tutorial, helpful=True)
        staff = UserFactory(officer=True)
        client.force_login(staff)
        report = client.get("/admin/feedback/")
        assert report.status_code == 200
        html = report.content.decode()
        assert "Hướng dẫn nộp hồ sơ" in html and "50%" in html
        detail = client.get(f"/admin/feedback/{tutorial.pk}/").content.decode()
        assert "Thiếu ảnh chụp màn hình" in detail

    def test_people_without_permission_cannot(self, client, home_page):
        from accounts import roles

        user = UserFactory(role=roles.CITIZEN)
        client.force_login(user)
        assert client.get("/admin/feedback/").status_code in {302, 403}


@pytest.mark.usefixtures("english_interface")
def test_progress_before_sign_up_is_kept_by_the_sign_up_form(client, home_page):
    course = course_create(home_page, lessons=[("Một", []), ("Hai", [])], issues_certificate=False)
    first = course.lessons().first()
    client.post(f"/learn/lessons/{first.pk}/complete/")
    response = client.post(
        "/account/sign-up/",
        {
            "full_name": "Lò Thị Mai",
            "identifier": "0977 000 111",
            "password1": "mat-khau-dai-2026!",
            "password2": "mat-khau-dai-2026!",
            "consent": "on",
        },
    )
    assert response.status_code == 302
    # By phone the account waits for its SMS code; the progress is kept through the confirmation.
    response = client.post("/account/sign-up/confirm/", {"code": planned_code("0977000111")})
    assert response.status_code == 302
    user = User.objects.get(phone="0977000111")
    assert list(LessonCompletion.objects.filter(user=user).values_list("lesson_id", flat=True)) == [first.pk]
    assert Enrolment.objects.get(user=user, course=course).last_lesson_id == first.pk
