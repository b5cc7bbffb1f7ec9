"""The Wagtail admin, per role: who reaches what, and the forms for people and units."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts import roles
from accounts.models import OrganisationUnit, User
from tests.accounts.factories import PASSWORD, OrganisationUnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def status(client, user, url):
    client.force_login(user)
    response = client.get(url)
    client.logout()
    return response.status_code


ADMIN_HOME = "/admin/"


@pytest.mark.parametrize(
    ("role", "home", "pages", "units", "users"),
    [
        ("superuser", 200, 200, 200, 200),
        (roles.COMMUNICATIONS_STAFF, 200, 200, 302, 302),
        (roles.COMMUNICATIONS_LEAD, 200, 302, 302, 302),
        (roles.TRAINING_ADMINISTRATOR, 200, 302, 200, 302),
        (roles.UNIT_MANAGER, 200, 302, 302, 302),  # the admin, for the operations dashboard only
        (roles.CIVIL_SERVANT, 302, 302, 302, 302),
        (roles.CITIZEN, 302, 302, 302, 302),
    ],
)
def test_role_access_matrix(client, home_page, role, home, pages, units, users):
    user = UserFactory(role=role)
    assert status(client, user, ADMIN_HOME) == home
    assert status(client, user, reverse("wagtailadmin_pages:edit", args=[home_page.pk])) == pages
    assert status(client, user, reverse("organisation_units:index")) == units
    assert status(client, user, reverse("wagtailusers_users:index")) == users


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("organisation_units:index"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_sign_in_to_admin_with_phone_number(client):
    UserFactory(officer=True, email=None, phone="0987654321")
    response = client.post("/admin/login/", {"username": "0987 654 321", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(ADMIN_HOME).status_code == 200


class TestOrganisationUnitAdmin:
    @pytest.fixture
    def admin_client(self, client):
        client.force_login(UserFactory(training_admin=True))
        return client

    def test_create_a_child_unit(self, admin_client):
        province = OrganisationUnitFactory(name="Tỉnh A", code="A")
        response = admin_client.post(
            reverse("organisation_units:add"),
            {"name": "Xã Mới", "code": "A-01", "kind": "commune", "parent": province.pk},
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        unit = OrganisationUnit.objects.get(code="A-01")
        assert unit.get_parent() == province
        assert unit.depth == 2

    def test_create_a_root_unit(self, admin_client):
        response = admin_client.post(
            reverse("organisation_units:add"), {"name": "Tỉnh B", "code": "B", "kind": "province", "parent": ""}
        )
        assert response.status_code == 302
        assert OrganisationUnit.objects.get(code="B").is_root()

    def test_move_a_unit_with_its_sub_units(self, admin_client):
        province = OrganisationUnitFactory(code="A")
        old_parent = OrganisationUnitFactory(parent=province, code="A-OLD")
        new_parent = OrganisationUnitFactory(parent=province, code="A-NEW")
        unit = OrganisationUnitFactory(parent=old_parent, code="A-UNIT", name="Phòng X")
        child = OrganisationUnitFactory(parent=unit, code="A-CHILD")
        response = admin_client.post(
            reverse("organisation_units:edit", args=[unit.pk]),
            {"name": "Phòng X", "code": "A-UNIT", "kind": "division", "parent": new_parent.pk},
        )
        assert response.status_code == 302
        unit.refresh_from_db()
        child.refresh_from_db()
        assert unit.get_parent() == new_parent
        assert child.get_parent() == unit
        assert child.path.startswith(new_parent.path)

    def test_cannot_move_a_unit_under_its_own_sub_unit(self, admin_client):
        unit = OrganisationUnitFactory(code="A")
        child = OrganisationUnitFactory(parent=unit, code="A-1")
        response = admin_client.post(
            reverse("organisation_units:edit", args=[unit.pk]),
            {"name": unit.name, "code": "A", "kind": "province", "parent": child.pk},
        )
        assert response.status_code == 200  # the form again, with an error
        unit.refresh_from_db()
        assert unit.is_root()

    def test_duplicate_code_is_a_form_error(self, admin_client):
        OrganisationUnitFactory(code="A")
        response = admin_client.post(
            reverse("organisation_units:add"), {"name": "Trùng", "code": "A", "kind": "other", "parent": ""}
        )
        assert response.status_code == 200
        assert OrganisationUnit.objects.filter(code="A").count() == 1

    def test_listing_shows_the_tree(self, admin_client):
        province = OrganisationUnitFactory(name="Tỉnh A", code="A")
        OrganisationUnitFactory(parent=province, name="Xã B", code="B")
        html = admin_client.get(reverse("organisation_units:index")).content.decode()
        assert html.index("Tỉnh A") < html.index("Xã B")


class TestUserAdmin:
    @pytest.fixture
    def admin_client(self, client):
        client.force_login(UserFactory(superuser=True))
        return client

    def test_forms_render(self, admin_client):
        user = UserFactory()
        assert admin_client.get(reverse("wagtailusers_users:add")).status_code == 200
        html = admin_client.get(reverse("wagtailusers_users:edit", args=[user.pk])).content.decode()
        assert 'name="full_name"' in html and 'name="phone"' in html
        assert 'name="first_name"' not in html

    def test_create_a_phone_only_citizen(self, admin_client):
        unit = OrganisationUnitFactory()
        response = admin_client.post(
            reverse("wagtailusers_users:add"),
            {
                "email": "",
                "phone": "0912 000 111",
                "full_name": "Đỗ Thị Mai",
                "kind": "citizen",
                "organisation_unit": unit.pk,
                "preferred_language": "vi",
                "password1": "mật-khẩu-rất-dài-2026",
                "password2": "mật-khẩu-rất-dài-2026",
                "groups": [Group.objects.get(name=roles.CITIZEN).pk],
            },
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        user = User.objects.get(phone="0912000111")
        assert user.email is None
        assert user.check_password("mật-khẩu-rất-dài-2026")

    def test_a_user_without_email_or_phone_is_refused(self, admin_client):
        response = admin_client.post(
            reverse("wagtailusers_users:add"),
            {
                "email": "",
                "phone": "",
                "full_name": "Không Liên Lạc",
                "kind": "citizen",
                "preferred_language": "vi",
                "password1": "mật-khẩu-rất-dài-2026",
                "password2": "mật-khẩu-rất-dài-2026",
            },
        )
        assert response.status_code == 200
        assert not User.objects.filter(full_name="Không Liên Lạc").exists()
