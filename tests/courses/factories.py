"""Courses' pages for the tests: tutorials, courses with their lessons, quiz questions and answers."""

from django.http import QueryDict

from courses.models import Audience, TutorialIndexPage, TutorialPage
from tests.support.pages import page_add


def tutorial_index_create(home_page, **kwargs):
    kwargs.setdefault("title", "Hướng dẫn")
    kwargs.setdefault("slug", "huong-dan")
    return page_add(home_page, TutorialIndexPage(**kwargs))


def tutorial_create(index, title, **kwargs):
    kwargs.setdefault("summary", f"Tóm tắt: {title}")
    kwargs.setdefault("slug", f"tutorial-{TutorialPage.objects.count() + 1}")
    return page_add(index, TutorialPage(title=title, **kwargs))


def question(text="Câu hỏi?", choices=(("Đúng", True), ("Sai", False)), explanation="Giải thích.", multiple=False):
    """A quiz question block in Wagtail's raw format."""
    from courses.demo import question_block

    return question_block(text, list(choices), explanation, multiple=multiple)


def post_data(pairs):
    data = QueryDict(mutable=True)
    for key, value in pairs:
        data.appendlist(key, value)
    return data


def answers_for(questions, *, correct=True):
    """Form data answering every question right (or wrong)."""
    pairs = []
    for q in questions:
        chosen = [c for c in q.choices if c.correct == correct] or [q.choices[0]]
        if not q.multiple:
            chosen = chosen[:1]
        pairs.extend((f"q-{q.id}", c.id) for c in chosen)
    return post_data(pairs)


def course_create(home_page, *, lessons=(("Bài 1", []),), final=(), slug=None, **kwargs):
    """A published course with its lessons: ``lessons`` is [(title, body blocks), ...]."""
    from courses.models import CourseIndexPage, CoursePage, LessonPage

    index = CourseIndexPage.objects.child_of(home_page).first() or page_add(
        home_page, CourseIndexPage(title="Khóa học", slug="khoa-hoc")
    )
    kwargs.setdefault("title", "Khóa học thử")
    kwargs.setdefault("summary", "Tóm tắt khóa học")
    course = page_add(
        index, CoursePage(slug=slug or f"khoa-{CoursePage.objects.count() + 1}", final_quiz=list(final), **kwargs)
    )
    for number, (title, body) in enumerate(lessons, start=1):
        page_add(course, LessonPage(title=title, slug=f"bai-{number}", body=list(body)))
    return CoursePage.objects.get(pk=course.pk)


def public_services_course(home_page, **kwargs):
    """A citizens' course like the demo's: a lesson to read, one with a quiz, and a final test."""
    return course_create(
        home_page,
        title="Dùng dịch vụ công trực tuyến",
        slug="dung-dich-vu-cong",
        audience=Audience.CITIZENS,
        pass_mark=100,
        lessons=[
            ("Dịch vụ công trực tuyến là gì?", [{"type": "paragraph", "value": "<p>Làm thủ tục trên mạng.</p>"}]),
            (
                "Tài khoản VNeID",
                [question("Đăng ký VNeID mức 2 ở đâu?", [("Công an cấp xã", True), ("Ngân hàng", False)])],
            ),
        ],
        final=[question("Có nên chia sẻ mã OTP?", [("Không bao giờ", True), ("Có", False)])],
        **kwargs,
    )
