"""Demo assisted learning (``DEMO_SEEDERS``): a helper at Xã Phú Bình's counter and a few sessions, through
the services. Idempotent: nothing is added once the helper has sessions."""

from accounts import roles
from accounts.demo import demo_account_ensure
from accounts.models import OrganisationUnit, User

from ..learning.models import Audience, PublicService
from ..learning.pages import CoursePage, LessonPage, TutorialPage
from . import services
from .models import AssistedSession

HELPER_EMAIL = "hotro@kynangso.local"
# Citizens whose accounts the helper created at the counter, with their agreement.
DEMO_CITIZENS = [
    ("0388100201", "Hà Văn Khánh"),
    ("0388100202", "Triệu Thị Nga"),
    ("0388100203", "Lương Văn Phúc"),
    ("0388100204", "Nông Thị Quyên"),
    ("0388100205", "Mạc Văn Sơn"),
    ("0388100206", "Đinh Thị Tâm"),
]


def demo_assisted_seed() -> list[tuple[User, str]]:
    unit = OrganisationUnit.objects.get(code="TN-PB")
    helper = demo_account_ensure(
        email=HELPER_EMAIL, full_name="Trịnh Thị Hà", kind=User.Kind.CIVIL_SERVANT, unit=unit, role=roles.HELPER
    )
    if AssistedSession.objects.filter(helper=helper).exists():
        return [(helper, roles.HELPER)]
    tutorials = list(TutorialPage.objects.live().order_by("path")[:2])
    # A course citizens may take (no prerequisite); its first lessons without a quiz.
    course = (
        CoursePage.objects.live()
        .filter(audience__in=[Audience.EVERYONE, Audience.CITIZENS], prerequisites__isnull=True)
        .order_by("path")
        .first()
    )
    lessons = []
    if course is not None:
        children = LessonPage.objects.live().child_of(course).order_by("path")
        lessons = [lesson for lesson in children if not lesson.has_quiz][:2]
    service = PublicService.objects.exclude(procedure_code="").order_by("name").first()
    for index, (phone, name) in enumerate(DEMO_CITIZENS):
        if User.objects.filter(phone=phone).exists():
            continue
        session = services.session_start_with_new_account(helper=helper, full_name=name, phone=phone, agreed=True)
        for tutorial in tutorials[: 1 + index % 2]:
            services.assisted_tutorial_done(helper=helper, session=session, tutorial=tutorial)
        if index % 3 == 0:
            for lesson in lessons:
                services.assisted_lesson_complete(helper=helper, session=session, lesson=lesson)
        if index == 0 and service is not None:
            services.assisted_service_complete(helper=helper, session=session, service=service)
        services.session_end(helper=helper, session=session)
    return [(helper, roles.HELPER)]
