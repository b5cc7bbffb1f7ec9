import factory
from wagtail.models import Page

from accounts.models import OrganisationUnit, User
from courses.models import Audience, TutorialIndexPage, TutorialPage

PASSWORD = "a-strong-test-password"


class OrganisationUnitFactory(factory.django.DjangoModelFactory):
    """Pass ``parent=`` for a child unit; without it the unit is a root (a province)."""

    class Meta:
        model = OrganisationUnit

    name = factory.Sequence(lambda n: f"Xã Thử Nghiệm {n}")
    code = factory.Sequence(lambda n: f"U{n:05d}")
    kind = OrganisationUnit.Kind.COMMUNE

    @classmethod
    def _create(cls, model_class, *args, parent=None, **kwargs):
        if parent is None:
            return model_class.add_root(**kwargs)
        parent.refresh_from_db()
        return parent.add_child(**kwargs)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"nguoi{n}@example.vn")
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn {n}")
    kind = User.Kind.CITIZEN

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])


def page_add(parent, page):
    """Add ``page`` under ``parent`` and publish it."""
    parent = Page.objects.get(pk=parent.pk)
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


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
