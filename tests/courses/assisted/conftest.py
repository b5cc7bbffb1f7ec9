import pytest

from courses.models import PublicService
from tests.accounts.factories import OrganisationUnitFactory, UserFactory
from tests.courses.factories import course_create, tutorial_create, tutorial_index_create

CITIZEN_PHONE = "0912345678"


@pytest.fixture(autouse=True)
def _no_hooks(settings):
    settings.ACCOUNTS_SIGN_IN_HOOKS = []


@pytest.fixture
def commune(db):
    province = OrganisationUnitFactory(kind="province")
    return OrganisationUnitFactory(parent=province, name="Xã Phú Bình")


@pytest.fixture
def helper(commune):
    return UserFactory(helper=True, organisation_unit=commune)


@pytest.fixture
def citizen(db):
    return UserFactory(email=None, phone=CITIZEN_PHONE, full_name="Hoàng Thị Lan")


@pytest.fixture
def learning(home_page):
    index = tutorial_index_create(home_page)
    tutorial = tutorial_create(index, "Đăng ký tài khoản định danh")
    course = course_create(home_page, lessons=(("Bài 1", []), ("Bài 2", [])))
    service = PublicService.objects.create(
        name="Cấp bản sao trích lục hộ tịch",
        agency="UBND xã",
        procedure_code="1.004884",
        official_url="https://dichvucong.gov.vn/",
    )
    return {
        "tutorial": tutorial,
        "course": course,
        "lessons": list(course.get_children().specific()),
        "service": service,
    }
