"""Certificates: issued once, expire by calendar months, revoked with a reason, verified by anyone, printed as PDF."""

import os
import re
import shutil
import subprocess
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.functional import Promise

from core.localtime import months_add
from courses.certificates.badges.models import BadgeStatusEntry
from courses.certificates.models import CertificateSetting
from courses.certificates.services import (
    CODE_ALPHABET,
    CODE_LENGTH,
    certificate_by_code,
    certificate_issue,
    certificate_pdf,
    certificate_pdf_html,
    certificate_qr_svg,
    certificate_revoke,
    certificate_verification_url,
    code_display,
    code_normalise,
)
from courses.certificates.views import certificate_may_download
from courses.learning import services
from courses.models import Certificate, Enrolment, LessonPage
from tests.accounts.factories import UserFactory
from tests.courses.factories import course_create
from tests.support.pdf import pdf_pages, pdf_text, pdf_tool

pytestmark = pytest.mark.django_db

VN = ZoneInfo("Asia/Ho_Chi_Minh")
UTC = ZoneInfo("UTC")
NAME = "Nguyễn Thị Hằng"
COURSE = "Dùng dịch vụ công trực tuyến"
UNKNOWN_CODE = "ZZZZZZZZZZZZ"


def vn(*args):
    return datetime(*args, tzinfo=VN)


def enrolment_completed(user, course, completed_at=None):
    return Enrolment.objects.create(user=user, course=course, completed_at=completed_at or vn(2025, 1, 31, 10, 0))


def user_with_perms(*codenames, **kwargs):
    """A staff user with wagtailadmin.access_admin and the given permissions ("app.codename")."""
    user = UserFactory(**kwargs)
    for name in ("wagtailadmin.access_admin", *codenames):
        app_label, codename = name.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return user


@pytest.fixture
def course(home_page):
    return course_create(home_page, title=COURSE, slug="dich-vu-cong")


@pytest.fixture
def learner(db):
    return UserFactory(full_name=NAME, email="hang@example.vn", phone="0912345678")


@pytest.fixture
def certificate(course, learner):
    return certificate_issue(enrolment=enrolment_completed(learner, course))


# Issue --------------------------------------------------------------------------------


class TestIssue:
    def test_issued_once_with_a_snapshot(self, course, learner):
        enrolment = enrolment_completed(learner, course)
        first = certificate_issue(enrolment=enrolment)
        second = certificate_issue(enrolment=Enrolment.objects.get(pk=enrolment.pk))
        assert first.pk == second.pk
        assert Certificate.objects.count() == 1
        assert (first.user, first.course, first.enrolment) == (learner, course, enrolment)
        assert (first.learner_name, first.course_title) == (NAME, COURSE)
        assert first.issued_at == enrolment.completed_at
        assert first.expires_at is None
        assert len(first.code) == CODE_LENGTH and set(first.code) <= set(CODE_ALPHABET)

    def test_snapshot_survives_renames(self, course, learner, certificate):
        learner.full_name = "Trần Văn Nam"
        learner.save()
        course.title = "Tên mới"
        course.save_revision().publish()
        again = certificate_issue(enrolment=Enrolment.objects.get(pk=certificate.enrolment_id))
        assert (again.learner_name, again.course_title) == (NAME, COURSE)

    def test_none_when_the_course_grants_no_certificate(self, home_page, learner):
        course = course_create(home_page, title="Không cấp", slug="khong-cap", issues_certificate=False)
        assert certificate_issue(enrolment=enrolment_completed(learner, course)) is None
        assert not Certificate.objects.exists()

    def test_none_when_not_completed(self, course, learner):
        enrolment = Enrolment.objects.create(user=learner, course=course)
        assert certificate_issue(enrolment=enrolment) is None
        assert not Certificate.objects.exists()

    def test_completing_the_course_issues_it(self, course, learner):
        lesson = LessonPage.objects.child_of(course).get()
        services.lesson_complete(user=learner, lesson=lesson, course=course)
        certificate = Certificate.objects.get(user=learner)
        assert certificate.issued_at == Enrolment.objects.get(user=learner).completed_at

    def test_a_concurrent_insert_is_read_back(self, course, learner, monkeypatch):
        enrolment = enrolment_completed(learner, course)
        issued_by_the_other_request = certificate_issue(enrolment=enrolment)

        def racing_get_or_create(**kwargs):
            # Ours did not see the other request's row, then hit the one-to-one constraint.
            raise IntegrityError("duplicate key value violates unique constraint")

        monkeypatch.setattr(Certificate.objects, "get_or_create", racing_get_or_create)
        assert certificate_issue(enrolment=Enrolment.objects.get(pk=enrolment.pk)) == issued_by_the_other_request

    def test_a_code_collision_is_retried(self, home_page, course, learner, monkeypatch):
        taken = certificate_issue(enrolment=enrolment_completed(UserFactory(), course)).code
        codes = iter([taken, "23456789ABCD"])
        monkeypatch.setattr(Certificate._meta.get_field("code"), "_get_default", lambda: next(codes))
        certificate = certificate_issue(enrolment=enrolment_completed(learner, course))
        assert certificate.code == "23456789ABCD"
        assert Certificate.objects.count() == 2


class TestExpiry:
    @pytest.mark.parametrize(
        ("start", "months", "expected"),
        [
            (vn(2025, 1, 31, 10), 1, vn(2025, 2, 28, 10)),
            (vn(2024, 1, 31, 10), 1, vn(2024, 2, 29, 10)),  # leap year
            (vn(2024, 2, 29, 10), 12, vn(2025, 2, 28, 10)),
            (vn(2024, 2, 29, 10), 48, vn(2028, 2, 29, 10)),
            (vn(2025, 3, 31, 10), 1, vn(2025, 4, 30, 10)),
            (vn(2025, 11, 30, 10), 3, vn(2026, 2, 28, 10)),
            (vn(2025, 12, 15, 10), 1, vn(2026, 1, 15, 10)),
            (vn(2025, 5, 20, 10), 120, vn(2035, 5, 20, 10)),
        ],
    )
    def test_calendar_months(self, start, months, expected):
        assert months_add(start, months) == expected

    def test_months_count_in_vietnam_time(self):
        # 20:00 UTC on Jan 30 is 03:00 on Jan 31 in Vietnam: one month later is Feb 28 there.
        expires = months_add(datetime(2025, 1, 30, 20, 0, tzinfo=UTC), 1)
        assert expires.astimezone(VN) == vn(2025, 2, 28, 3, 0)
        assert expires.tzinfo == UTC

    def test_issued_with_its_expiry(self, home_page, learner):
        course = course_create(home_page, title="Có hạn", slug="co-han", certificate_validity_months=1)
        certificate = certificate_issue(enrolment=enrolment_completed(learner, course, vn(2024, 1, 31, 9, 30)))
        certificate.refresh_from_db()
        assert certificate.expires_at == vn(2024, 2, 29, 9, 30)


class TestStatusAndRevoke:
    def test_status_at_moments(self, certificate):
        issued = certificate.issued_at
        certificate.expires_at = months_add(issued, 12)
        certificate.save()
        assert certificate.status_at(issued + timedelta(days=1)) == Certificate.Status.VALID
        assert certificate.status_at(certificate.expires_at - timedelta(seconds=1)) == Certificate.Status.VALID
        assert certificate.status_at(certificate.expires_at) == Certificate.Status.EXPIRED
        certificate_revoke(certificate=certificate, by=None, reason="Gian lận")
        assert certificate.status_at(issued + timedelta(days=1)) == Certificate.Status.REVOKED

    @pytest.mark.parametrize("reason", ["", "   ", None])
    def test_revoking_needs_a_reason(self, certificate, reason):
        with pytest.raises(ValidationError):
            certificate_revoke(certificate=certificate, by=UserFactory(), reason=reason)
        certificate.refresh_from_db()
        assert certificate.revoked_at is None and certificate.revoked_reason == ""

    def test_revoking_twice_keeps_the_first(self, certificate):
        first, second = UserFactory(), UserFactory()
        certificate_revoke(certificate=certificate, by=first, reason="  Lý do đầu  ")
        revoked_at = Certificate.objects.get(pk=certificate.pk).revoked_at
        certificate_revoke(certificate=Certificate.objects.get(pk=certificate.pk), by=second, reason="Lý do sau")
        certificate.refresh_from_db()
        assert (certificate.revoked_at, certificate.revoked_by, certificate.revoked_reason) == (
            revoked_at,
            first,
            "Lý do đầu",
        )


# Codes and PDF -----------------------------------------------------------------------


class TestCodes:
    def test_normalise(self):
        assert code_normalise(raw="  abcd-efgh jkmn ") == "ABCDEFGHJKMN"
        assert code_normalise(raw="abcd–efgh_jkmn") == "ABCDEFGHJKMN"
        assert code_display(code="ABCDEFGHJKMN") == "ABCD-EFGH-JKMN"

    def test_lookup_by_typed_code(self, certificate):
        assert certificate_by_code(raw=code_display(code=certificate.code).lower()) == certificate
        assert certificate_by_code(raw="<script>") is None
        assert certificate_by_code(raw=UNKNOWN_CODE) is None


class TestPdf:
    def test_one_page_with_vietnamese_text(self, certificate, tmp_path):
        certificate.expires_at = vn(2027, 1, 31, 10)
        certificate.save()
        pdf = certificate_pdf(certificate=certificate)
        assert pdf.startswith(b"%PDF")
        assert pdf_pages(pdf, tmp_path) == 1
        text = pdf_text(pdf, tmp_path)
        for expected in (
            "Kỹ Năng Số",
            "Giấy chứng nhận hoàn thành khóa học",
            "Certificate of completion",
            NAME,
            COURSE,
            "31/01/2025",
            "31/01/2027",
            code_display(code=certificate.code),
        ):
            assert expected in text, expected

    def test_dates_are_vietnam_dates(self, course, learner, tmp_path):
        # 18:00 UTC on Jan 31 is already Feb 1 in Vietnam.
        certificate = certificate_issue(
            enrolment=enrolment_completed(learner, course, datetime(2025, 1, 31, 18, tzinfo=UTC))
        )
        assert "01/02/2025" in pdf_text(certificate_pdf(certificate=certificate), tmp_path)

    def test_longest_name_and_title_fit_on_one_page(self, certificate, tmp_path):
        certificate.learner_name = ("Nguyễn Thị Hằng " * 20)[:255]
        certificate.course_title = ("Dùng dịch vụ công trực tuyến " * 10)[:255]
        assert pdf_pages(certificate_pdf(certificate=certificate), tmp_path) == 1

    def test_verification_url_is_absolute_and_vietnamese(self, certificate, settings):
        settings.WAGTAILADMIN_BASE_URL = "https://kynangso.example.vn/"
        with translation.override("en"):
            url = certificate_verification_url(certificate=certificate)
        assert url == f"https://kynangso.example.vn/certificates/{certificate.code}/"

    def test_qr_code_encodes_the_verification_url(self, certificate):
        url = certificate_verification_url(certificate=certificate)
        svg = certificate_qr_svg(url=url)
        assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
        assert svg in certificate_pdf_html(certificate=certificate)
        # The drawn modules are exactly the QR symbol of that URL.
        import qrcode

        qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
        qr.add_data(url)
        qr.make(fit=True)
        expected = {(x, y) for y, row in enumerate(qr.get_matrix()) for x, dark in enumerate(row) if dark}
        drawn = {(int(x), int(y)) for x, y in re.findall(r"M(\d+),(\d+)H", svg)}
        assert drawn == expected

    def test_qr_code_scans(self, certificate, tmp_path):
        """Needs zbarimg (Debian zbar-tools, installed by .ci/system-deps.sh): required in CI."""
        if not shutil.which("zbarimg"):
            if os.environ.get("CI"):
                pytest.fail("zbarimg (zbar-tools) is not installed: .ci/system-deps.sh installs it")
            pytest.skip("zbarimg (zbar-tools) is not installed")
        path = tmp_path / "certificate.pdf"
        path.write_bytes(certificate_pdf(certificate=certificate))
        subprocess.run([pdf_tool("pdftoppm"), "-r", "150", "-png", str(path), str(tmp_path / "page")], check=True)
        scanned = subprocess.run(
            ["zbarimg", "--quiet", "--raw", str(tmp_path / "page-1.png")], capture_output=True, text=True
        ).stdout
        assert scanned.strip() == certificate_verification_url(certificate=certificate)


# Public verification -------------------------------------------------------------------


def verify_url(code, language="en"):
    with translation.override(language):
        return reverse("certificates:verify", args=[code])


def lookup_url(language="en"):
    with translation.override(language):
        return reverse("certificates:lookup")


class TestVerify:
    @pytest.mark.usefixtures("english_interface")  # the msgids (tests/conftest.py)
    def test_valid(self, client, certificate, learner):
        response = client.get(verify_url(certificate.code))
        assert response.status_code == 200
        assert response["X-Robots-Tag"] == "noindex"
        content = response.content.decode()
        assert NAME in content and COURSE in content and "31/01/2025" in content
        assert "Valid" in content and "does not expire" in content
        # Nothing else personal.
        assert learner.email not in content and learner.phone not in content
        assert "/pdf/" not in content

    def test_vietnamese_page(self, client, certificate):
        response = client.get(verify_url(certificate.code, "vi"))
        assert response.status_code == 200
        assert response.request["PATH_INFO"] == f"/certificates/{certificate.code}/"
        assert NAME in response.content.decode()

    @pytest.mark.usefixtures("english_interface")  # the msgids (tests/conftest.py)
    def test_expired(self, client, certificate):
        certificate.expires_at = certificate.issued_at + timedelta(days=30)
        certificate.save()
        content = client.get(verify_url(certificate.code)).content.decode()
        assert "Expired" in content and "expired on 02/03/2025" in content

    @pytest.mark.usefixtures("english_interface")  # the msgids (tests/conftest.py)
    def test_revoked_shows_the_date_not_the_reason(self, client, certificate):
        certificate_revoke(certificate=certificate, by=UserFactory(), reason="Lý do nội bộ")
        Certificate.objects.filter(pk=certificate.pk).update(revoked_at=vn(2025, 6, 15, 8))
        content = client.get(verify_url(certificate.code)).content.decode()
        assert "Revoked" in content and "revoked on 15/06/2025" in content
        assert "Lý do nội bộ" not in content

    def test_owner_sees_the_download_link(self, client, certificate, learner):
        client.force_login(learner)
        content = client.get(verify_url(certificate.code)).content.decode()
        with translation.override("en"):
            assert reverse("certificates:pdf", args=[certificate.code]) in content

    def test_typed_code_redirects_to_the_canonical_address(self, client, certificate):
        response = client.get(verify_url(code_display(code=certificate.code).lower()))
        assert response.status_code == 301
        assert response["Location"] == verify_url(certificate.code)

    @pytest.mark.usefixtures("english_interface")  # the msgids (tests/conftest.py)
    @pytest.mark.parametrize("code", [UNKNOWN_CODE, "abc", "<script>alert(1)", "x" * 200, "0O1IL0O1IL0O"])
    def test_unknown_or_forged_code(self, client, certificate, code):
        response = client.get(verify_url(code))
        assert response.status_code == 404
        assert response["X-Robots-Tag"] == "noindex"
        content = response.content.decode()
        assert "No certificate has this code" in content
        assert 'name="code"' in content
        assert "<script>alert" not in content


class TestLookup:
    @pytest.mark.usefixtures("english_interface")  # the msgids (tests/conftest.py)
    def test_form(self, client):
        response = client.get(lookup_url())
        assert response.status_code == 200
        assert response["X-Robots-Tag"] == "noindex"
        content = response.content.decode()
        assert '<label for="id_code">Certificate code</label>' in content
        assert "errorlist" not in content

    def test_a_typed_code_redirects_to_its_page(self, client, certificate):
        typed = " " + code_display(code=certificate.code).lower().replace("-", " - ") + " "
        response = client.get(lookup_url(), {"code": typed})
        assert response.status_code == 302
        assert response["Location"] == verify_url(certificate.code)
        response = client.get(lookup_url("vi"), {"code": certificate.code})
        assert response["Location"] == f"/certificates/{certificate.code}/"

    @pytest.mark.usefixtures("english_interface")  # the msgids (tests/conftest.py)
    def test_a_well_formed_unknown_code_leads_to_not_found(self, client):
        response = client.get(lookup_url(), {"code": UNKNOWN_CODE.lower()}, follow=True)
        assert response.status_code == 404
        assert "No certificate has this code" in response.content.decode()

    @pytest.mark.parametrize(
        ("code", "message"),
        [
            ("", "Enter the certificate code."),
            ("   ", "Enter the certificate code."),
            (" - - ", "Enter the certificate code."),
            ("abc", "has 12 letters and digits"),
            ("<script>", "only capital letters and the digits 2 to 9"),
            ("A" * 200, "has 12 letters and digits"),
            ("ABCD-EFGH-JKM0", "only capital letters and the digits 2 to 9"),
        ],
    )
    @pytest.mark.usefixtures("english_interface")  # the msgids (tests/conftest.py)
    def test_malformed_codes_get_a_form_error(self, client, code, message):
        response = client.get(lookup_url(), {"code": code})
        assert response.status_code == 200
        content = response.content.decode()
        assert message in content
        assert 'class="errorlist' in content
        assert "<script>" not in content.split("<main", 1)[1]


# PDF download ----------------------------------------------------------------------------


class TestPdfDownload:
    def download(self, client, certificate, user=None):
        if user is not None:
            client.force_login(user)
        return client.get(reverse("certificates:pdf", args=[certificate.code]))

    def test_owner(self, client, certificate, learner):
        response = self.download(client, certificate, learner)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == f'attachment; filename="chung-chi-{certificate.code}.pdf"'
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
        assert response.content.startswith(b"%PDF")

    @pytest.mark.parametrize(
        ("who", "expected"),
        [
            ("anonymous", 404),
            ("other learner", 404),
            ("staff without the permission", 404),
            ("staff with view_certificate", 200),
            ("superuser", 200),
        ],
    )
    def test_permission_matrix(self, client, certificate, who, expected):
        user = {
            "anonymous": lambda: None,
            "other learner": UserFactory,
            "staff without the permission": lambda: user_with_perms(is_staff=True),
            "staff with view_certificate": lambda: user_with_perms("courses.view_certificate", is_staff=True),
            "superuser": lambda: UserFactory(is_superuser=True, is_staff=True),
        }[who]()
        assert self.download(client, certificate, user).status_code == expected

    def test_revoked_is_for_staff_only(self, client, certificate, learner):
        certificate_revoke(certificate=certificate, by=None, reason="Cấp nhầm")
        assert self.download(client, certificate, learner).status_code == 404
        staff = user_with_perms("courses.view_certificate")
        assert certificate_may_download(staff, certificate)
        assert self.download(client, certificate, staff).status_code == 200

    def test_the_code_as_people_type_it_reaches_the_pdf(self, client, certificate, learner):
        # The verification page accepted "abcd-efgh-jkmn"; the PDF address refused it (404).
        client.force_login(learner)
        typed = "-".join(certificate.code[i : i + 4] for i in range(0, len(certificate.code), 4)).lower()
        response = client.get(reverse("certificates:pdf", args=[typed]))
        assert response.status_code == 301
        assert response["Location"] == reverse("certificates:pdf", args=[certificate.code])
        assert client.get(response["Location"]).status_code == 200

    def test_unknown_code(self, client, learner):
        client.force_login(learner)
        assert client.get(reverse("certificates:pdf", args=[UNKNOWN_CODE])).status_code == 404
        assert client.get(reverse("certificates:pdf", args=["<bad>"])).status_code == 404


# Admin ---------------------------------------------------------------------------------------


class TestAdmin:
    def test_listing_needs_view_certificate(self, client, certificate):
        client.force_login(user_with_perms())
        assert client.get(reverse("certificates_admin:index")).status_code == 302
        client.force_login(user_with_perms("courses.view_certificate"))
        response = client.get(reverse("certificates_admin:index"))
        assert response.status_code == 200
        content = response.content.decode()
        assert certificate.code in content and NAME in content and COURSE in content and "31/01/2025" in content
        # Read-only: no add/edit/delete, and no revoke link without change_certificate.
        assert reverse("certificates_admin:revoke", args=[certificate.pk]) not in content
        for name in ("add", "edit", "delete"):
            with pytest.raises(NoReverseMatch):
                reverse(f"certificates_admin:{name}", args=[] if name == "add" else [certificate.pk])

    def test_search_and_filter(self, client, home_page, certificate):
        other_course = course_create(home_page, title="Khóa khác", slug="khoa-khac")
        other = certificate_issue(enrolment=enrolment_completed(UserFactory(full_name="Lê Văn Bình"), other_course))
        client.force_login(user_with_perms("courses.view_certificate"))
        url = reverse("certificates_admin:index")
        content = client.get(url, {"q": "Hằng"}).content.decode()
        assert certificate.code in content and other.code not in content
        content = client.get(url, {"q": other.code.lower()}).content.decode()
        assert other.code in content and certificate.code not in content
        content = client.get(url, {"course": other_course.pk}).content.decode()
        assert other.code in content and certificate.code not in content

    def test_inspect(self, client, certificate):
        client.force_login(user_with_perms("courses.view_certificate"))
        response = client.get(reverse("certificates_admin:inspect", args=[certificate.pk]))
        assert response.status_code == 200
        content = response.content.decode()
        assert NAME in content and "31/01/2025 10:00" in content  # Vietnam time

    def test_revoke_with_a_reason(self, client, certificate):
        admin = user_with_perms("courses.view_certificate", "courses.change_certificate")
        client.force_login(admin)
        url = reverse("certificates_admin:revoke", args=[certificate.pk])
        assert url in client.get(reverse("certificates_admin:index")).content.decode()
        assert client.get(url).status_code == 200
        response = client.post(url, {"reason": "Cấp nhầm người"})
        assert response.status_code == 302
        assert response["Location"] == reverse("certificates_admin:index")
        certificate.refresh_from_db()
        assert certificate.revoked_at is not None
        assert (certificate.revoked_by, certificate.revoked_reason) == (admin, "Cấp nhầm người")
        # Already revoked: the form is not offered again.
        assert client.get(url).status_code == 302

    def test_revoke_needs_a_reason(self, client, certificate):
        client.force_login(user_with_perms("courses.view_certificate", "courses.change_certificate"))
        response = client.post(reverse("certificates_admin:revoke", args=[certificate.pk]), {"reason": "   "})
        assert response.status_code == 200
        assert "error" in response.content.decode()
        certificate.refresh_from_db()
        assert certificate.revoked_at is None

    @pytest.mark.parametrize("perms", [(), ("courses.view_certificate",)])
    def test_revoke_needs_change_certificate(self, client, certificate, perms):
        client.force_login(user_with_perms(*perms))
        url = reverse("certificates_admin:revoke", args=[certificate.pk])
        assert client.get(url).status_code in (302, 403)
        assert client.post(url, {"reason": "Không được phép"}).status_code in (302, 403)
        certificate.refresh_from_db()
        assert certificate.revoked_at is None

    def test_learners_cannot_revoke(self, client, certificate, learner):
        client.force_login(learner)
        response = client.post(reverse("certificates_admin:revoke", args=[certificate.pk]), {"reason": "x"})
        assert response.status_code == 302
        certificate.refresh_from_db()
        assert certificate.revoked_at is None

    def test_superuser_revokes(self, client, certificate):
        client.force_login(UserFactory(is_superuser=True))
        response = client.post(reverse("certificates_admin:revoke", args=[certificate.pk]), {"reason": "Thu hồi"})
        assert response.status_code == 302
        certificate.refresh_from_db()
        assert certificate.revoked_reason == "Thu hồi"

    def test_admin_links_open_the_inspect_view(self, certificate):
        from wagtail.admin.admin_url_finder import AdminURLFinder

        finder = AdminURLFinder(UserFactory(is_superuser=True))
        assert finder.get_edit_url(certificate) == reverse("certificates_admin:inspect", args=[certificate.pk])

    def test_only_view_and_change_are_offered_to_groups(self):
        from wagtail import hooks

        codenames = {permission.codename for fn in hooks.get_hooks("register_permissions") for permission in fn()} & {
            "add_certificate",
            "change_certificate",
            "delete_certificate",
            "view_certificate",
        }
        assert codenames == {"view_certificate", "change_certificate"}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs parallel writers (PostgreSQL)")
def test_issued_once_under_races(home_page):
    from tests.courses.learning.test_concurrency import run_in_threads

    course = course_create(home_page, title=COURSE, slug="dua")
    enrolment = enrolment_completed(UserFactory(full_name=NAME), course)
    issued = []
    errors = run_in_threads(
        8, lambda: issued.append(certificate_issue(enrolment=Enrolment.objects.get(pk=enrolment.pk)).pk)
    )
    assert errors == []
    assert len(issued) == 8 and len(set(issued)) == 1
    assert Certificate.objects.filter(enrolment=enrolment).count() == 1


@pytest.mark.parametrize("model", [Certificate, CertificateSetting, BadgeStatusEntry])
def test_every_certificate_field_has_a_translated_label(model):
    # A field without ``verbose_name`` shows its English name ("User", "Revoked by") in the admin.
    unlabelled = [
        field.name
        for field in model._meta.get_fields()
        if field.concrete and not field.auto_created and not isinstance(field.verbose_name, Promise)
    ]
    assert unlabelled == []
