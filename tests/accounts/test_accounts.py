import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import RequestFactory

from accounts import roles
from accounts.backends import password_reset_allowed
from accounts.models import OrganisationUnit, User
from accounts.phone import phone_is_mobile, phone_normalise
from core.clients import client_address
from tests.accounts.factories import PASSWORD, OrganisationUnitFactory, UserFactory


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0912345678", "0912345678"),
        ("0912 345 678", "0912345678"),
        ("091.234.5678", "0912345678"),
        ("+84 912 345 678", "0912345678"),
        ("84912345678", "0912345678"),
        ("0084912345678", "0912345678"),
        ("02083 855 123", "02083855123"),
        # "+84" in front of the national form was stored as the invalid "00912345678".
        ("+84 0912345678", "0912345678"),
        ("(+84) 091-234-5678", "0912345678"),
        # Numbers no operator issues: refused, not stored.
        ("0000000000", None),
        ("01234567890", None),  # a retired 11-digit mobile number
        ("0912ABCDEF", None),
        ("+1 202 555 0143", None),  # not Vietnamese
        ("12345", None),
        ("09123456789012", None),
        ("abc", None),
        ("", None),
        (None, None),
    ],
)
def test_phone_normalise(raw, expected):
    assert phone_normalise(raw) == expected


def test_every_form_of_a_number_is_one_account():
    forms = ["0912345678", "+84 912 345 678", "+84 0912345678", "84912345678", "0084 912 345 678", 912345678]
    assert {phone_normalise(form) for form in forms} == {"0912345678"}


@pytest.mark.parametrize(("number", "mobile"), [("0912345678", True), ("0366777888", True), ("02438123456", False)])
def test_landlines_are_told_apart_from_mobiles(number, mobile):
    assert phone_is_mobile(number) is mobile


@pytest.mark.django_db
class TestUser:
    def test_phone_only_citizen(self):
        user = User.objects.create_user(phone="+84 912 345 678", password=PASSWORD, full_name="Hoàng Thị Lan")
        assert user.email is None
        assert user.phone == "0912345678"
        assert user.identifier == "0912345678"
        assert user.get_short_name() == "Lan"
        assert not user.has_privacy_consent

    def test_email_is_stored_lower_case(self):
        user = User.objects.create_user(email="An.Nguyen@Example.VN", password=PASSWORD, full_name="Nguyễn An")
        assert user.email == "an.nguyen@example.vn"

    def test_email_or_phone_is_required(self):
        with pytest.raises(ValidationError):
            User.objects.create_user(password=PASSWORD, full_name="Không Liên Lạc")

    def test_database_refuses_a_user_without_contact(self):
        with pytest.raises(IntegrityError), transaction.atomic():
            User.objects.bulk_create([User(full_name="Không Liên Lạc")])

    def test_bad_phone_is_rejected_with_a_message(self):
        with pytest.raises(ValidationError) as error:
            User.objects.create_user(phone="12345", password=PASSWORD, full_name="Sai Số")
        assert "phone" in error.value.message_dict

    def test_phone_is_unique_however_it_is_typed(self):
        UserFactory(email=None, phone="0912345678")
        with pytest.raises(IntegrityError), transaction.atomic():
            UserFactory(email=None, phone="+84912345678")

    def test_two_phone_only_users_may_both_have_no_email(self):
        UserFactory(email=None, phone="0912345678")
        UserFactory(email=None, phone="0987654321")
        assert User.objects.filter(email__isnull=True).count() == 2


@pytest.mark.django_db
class TestSignIn:
    def request(self, address="10.0.0.1"):
        return RequestFactory().post("/admin/login/", REMOTE_ADDR=address)

    def test_sign_in_with_email_in_any_case(self):
        user = UserFactory(email="lan@example.vn")
        assert authenticate(self.request(), username="LAN@example.vn", password=PASSWORD) == user

    def test_sign_in_with_phone_in_any_format(self):
        user = UserFactory(email=None, phone="0912345678")
        assert authenticate(self.request(), username="+84 912 345 678", password=PASSWORD) == user
        assert authenticate(self.request(), username="0912.345.678", password=PASSWORD) == user

    def test_wrong_password_and_unknown_user_fail(self):
        UserFactory(email="lan@example.vn")
        assert authenticate(self.request(), username="lan@example.vn", password="wrong") is None
        assert authenticate(self.request(), username="nobody@example.vn", password=PASSWORD) is None

    def test_inactive_user_cannot_sign_in(self):
        UserFactory(email="lan@example.vn", is_active=False)
        assert authenticate(self.request(), username="lan@example.vn", password=PASSWORD) is None

    def test_sign_in_is_rate_limited_per_identifier(self, settings):
        settings.LOGIN_RATE_LIMIT = 3
        user = UserFactory(email="lan@example.vn")
        for _ in range(3):
            assert authenticate(self.request(), username="lan@example.vn", password="wrong") is None
        # Even the right password is refused now, from any address.
        assert authenticate(self.request("10.0.0.2"), username="lan@example.vn", password=PASSWORD) is None
        # Other people are not locked out.
        other = UserFactory(email="nam@example.vn")
        assert authenticate(self.request("10.0.0.3"), username="nam@example.vn", password=PASSWORD) == other
        assert user.pk

    def test_success_resets_the_failure_count(self, settings):
        settings.LOGIN_RATE_LIMIT = 3
        user = UserFactory(email="lan@example.vn")
        for _ in range(2):
            authenticate(self.request(), username="lan@example.vn", password="wrong")
        assert authenticate(self.request(), username="lan@example.vn", password=PASSWORD) == user
        for _ in range(2):
            authenticate(self.request(), username="lan@example.vn", password="wrong")
        assert authenticate(self.request(), username="lan@example.vn", password=PASSWORD) == user

    def test_admin_login_form_says_why_when_rate_limited(self, client, settings):
        settings.LOGIN_RATE_LIMIT = 2
        UserFactory(email="lan@example.vn", is_superuser=True)
        for _ in range(2):
            client.post("/admin/login/", {"username": "lan@example.vn", "password": "wrong"})
        response = client.post("/admin/login/", {"username": "lan@example.vn", "password": PASSWORD})
        assert response.status_code == 200
        assert "15" in response.content.decode()  # "...wait 15 minutes..." in the active language
        assert "_auth_user_id" not in client.session


@pytest.mark.django_db
class TestOrganisationUnits:
    def test_tree_of_any_depth_and_subtree_by_path(self):
        province = OrganisationUnitFactory(name="Tỉnh A", kind=OrganisationUnit.Kind.PROVINCE)
        agency = OrganisationUnitFactory(parent=province, name="Sở B", kind=OrganisationUnit.Kind.AGENCY)
        division = OrganisationUnitFactory(parent=agency, name="Phòng C", kind=OrganisationUnit.Kind.DIVISION)
        commune = OrganisationUnitFactory(parent=province, name="Xã D")
        other = OrganisationUnitFactory(name="Tỉnh E", kind=OrganisationUnit.Kind.PROVINCE)

        subtree = OrganisationUnit.get_tree(province)
        assert set(subtree) == {province, agency, division, commune}
        assert other not in subtree
        assert division.depth == 3
        assert division.get_parent() == agency
        assert division.indented_name().strip() == "Phòng C"

    def test_codes_are_unique(self):
        OrganisationUnitFactory(code="TN")
        with pytest.raises(IntegrityError), transaction.atomic():
            OrganisationUnitFactory(code="TN")


PACKAGE_PERMISSIONS = {
    "view_learningpackage",
    "add_learningpackage",
    "change_learningpackage",
    "delete_learningpackage",
}


@pytest.mark.django_db
def test_roles_exist_with_least_privilege():
    groups = {group.name: group for group in Group.objects.prefetch_related("permissions")}
    assert set(roles.ALL) <= set(groups)

    def codenames(name):
        return {p.codename for p in groups[name].permissions.all()}

    assert codenames(roles.COMMUNICATIONS_STAFF) == {
        "access_admin",
        "view_feedback",
        "view_publicservice",
        "add_publicservice",
        "change_publicservice",
        # Campaigns: audiences, messages (sending them), results (outreach/migrations/0010).
        "view_audiencesegment",
        "add_audiencesegment",
        "change_audiencesegment",
        "delete_audiencesegment",
        "view_campaignmessage",
        "add_campaignmessage",
        "change_campaignmessage",
        "send_campaignmessage",
        # Site search: synonyms (home/migrations/0005), the report "What citizens search" and promoted
        # results (home/migrations/0007).
        "view_searchsynonym",
        "add_searchsynonym",
        "change_searchsynonym",
        "delete_searchsynonym",
        "view_searchqueryday",
        "add_searchpromotion",
        "change_searchpromotion",
        "delete_searchpromotion",
        # Learning packages (SCORM, H5P): upload, rename, delete, choose in lessons (courses/migrations/0015).
        *PACKAGE_PERMISSIONS,
    }
    assert codenames(roles.TRAINING_ADMINISTRATOR) >= PACKAGE_PERMISSIONS
    assert groups[roles.COMMUNICATIONS_STAFF].page_permissions.filter(permission__codename="publish_page").exists()
    assert groups[roles.COMMUNICATIONS_STAFF].collection_permissions.filter(permission__codename="add_image").exists()
    assert "change_organisationunit" in codenames(roles.TRAINING_ADMINISTRATOR)
    assert {"view_certificate", "change_certificate"} <= codenames(roles.TRAINING_ADMINISTRATOR)
    # Nobody but a superuser manages accounts and roles (that would allow self-promotion).
    for name in roles.ALL:
        assert not {"add_user", "change_user", "delete_user", "change_group"} & codenames(name)
    # Unit managers reach the admin for the operations dashboard only (their units: insights/views.py).
    assert codenames(roles.UNIT_MANAGER) == {"access_admin", "view_dashboard"}
    assert not groups[roles.UNIT_MANAGER].page_permissions.exists()
    for name in (roles.CIVIL_SERVANT, roles.CITIZEN):
        assert codenames(name) == set()
        assert not groups[name].page_permissions.exists()
    # Helpers at a counter run assisted sessions on the site, nothing else (courses/migrations/0012_helper_role);
    # the training office gives that one role.
    assert codenames(roles.HELPER) == {"assist_citizens"}
    assert not groups[roles.HELPER].page_permissions.exists()
    assert "manage_helpers" in codenames(roles.TRAINING_ADMINISTRATOR)


@pytest.mark.django_db
class TestClientsBehindTheProxy:
    """Rate limits see the real client behind the documented nginx → gunicorn, and only there."""

    @staticmethod
    def through_proxy(client_address, remote="127.0.0.1"):
        return RequestFactory().post("/admin/login/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=client_address)

    def test_fifty_people_failing_behind_the_proxy_do_not_lock_out_a_fifty_first(self, settings):
        # Before: everyone was 127.0.0.1, and 50 failures by 50 people locked out the 51st person.
        settings.LOGIN_RATE_LIMIT = 5
        settings.TRUSTED_PROXIES = ["127.0.0.1"]
        for number in range(50):
            person = f"nguoi{number}@example.vn"
            assert authenticate(self.through_proxy(f"203.0.113.{number}"), username=person, password="wrong") is None
        someone = UserFactory(email="lan@example.vn")
        assert authenticate(self.through_proxy("203.0.113.51"), username="lan@example.vn", password=PASSWORD) == someone

    def test_one_client_behind_the_proxy_is_still_limited(self, settings):
        settings.LOGIN_RATE_LIMIT = 1  # ten failures per client address
        settings.TRUSTED_PROXIES = ["127.0.0.0/8"]
        for number in range(10):
            authenticate(self.through_proxy("198.51.100.7"), username=f"x{number}@example.vn", password="wrong")
        someone = UserFactory(email="lan@example.vn")
        assert authenticate(self.through_proxy("198.51.100.7"), username="lan@example.vn", password=PASSWORD) is None
        assert authenticate(self.through_proxy("198.51.100.8"), username="lan@example.vn", password=PASSWORD) == someone

    @pytest.mark.parametrize(
        ("remote", "forwarded", "seen"),
        [
            ("203.0.113.9", "1.2.3.4", "203.0.113.9"),  # an untrusted peer's header is ignored
            ("127.0.0.1", "1.2.3.4", "1.2.3.4"),
            ("127.0.0.1", "6.6.6.6, 1.2.3.4", "1.2.3.4"),  # a client-written hop left of the real one
            ("127.0.0.1", "1.2.3.4, 127.0.0.1", "1.2.3.4"),  # a second trusted proxy
            ("127.0.0.1", "not-an-address", "127.0.0.1"),
            ("127.0.0.1", "", "127.0.0.1"),
            ("127.0.0.1", "2001:db8::1", "2001:db8::1"),
        ],
    )
    def test_spoofed_headers_from_untrusted_peers_are_ignored(self, settings, remote, forwarded, seen):
        settings.TRUSTED_PROXIES = ["127.0.0.1"]
        assert client_address(self.through_proxy(forwarded, remote=remote)) == seen

    def test_without_trusted_proxies_the_peer_is_the_client(self, settings):
        settings.TRUSTED_PROXIES = []
        assert client_address(self.through_proxy("1.2.3.4")) == "127.0.0.1"

    def test_the_thirty_first_reset_by_another_person_behind_the_proxy_is_allowed(self, settings):
        # Before: the 31st reset by a different person was refused (all of them were 127.0.0.1).
        settings.PASSWORD_RESET_RATE_LIMIT = 3  # 30 per client address
        settings.TRUSTED_PROXIES = ["127.0.0.1"]
        for number in range(31):
            request = self.through_proxy(f"192.0.2.{number}")
            assert password_reset_allowed(f"nguoi{number}@example.vn", request), number
