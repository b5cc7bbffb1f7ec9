"""The certificate's issuer and signature block: a Wagtail setting, kept on each certificate when it is issued."""

import io

import pytest
from django.core.files.images import ImageFile
from django.utils import translation
from PIL import Image as PILImage
from wagtail.images import get_image_model

from courses.certificates.services import (
    certificate_issue,
    certificate_pdf,
    certificate_pdf_html,
    certificate_reissue,
    certificate_signature_data_url,
)
from courses.demo import demo_certificate_issuer_seed
from courses.models import CertificateSetting
from tests.accounts.factories import UserFactory
from tests.courses.certificates.test_certificates import enrolment_completed
from tests.courses.factories import course_create
from tests.support.pdf import pdf_pages, pdf_text

pytestmark = pytest.mark.django_db

ISSUER = "Sở Khoa học và Công nghệ tỉnh Thái Nguyên"
SIGNER = "Nguyễn Văn An"
TITLE = "Giám đốc"
PLACE = "Thái Nguyên"
SETTING_URL = "/admin/settings/courses/certificatesetting/"


def _image(name="chu-ky.png", size=(600, 240)):
    buffer = io.BytesIO()
    PILImage.new("RGB", size, (20, 40, 160)).save(buffer, "PNG")
    return get_image_model().objects.create(title="Chữ ký", file=ImageFile(io.BytesIO(buffer.getvalue()), name=name))


def _setting(**values):
    setting = CertificateSetting.load()
    fields = {"issuer_name": ISSUER, "signer_name": SIGNER, "signer_title": TITLE, "issued_place": PLACE}
    fields.update(values)
    for name, value in fields.items():
        setattr(setting, name, value)
    setting.save()
    return setting


@pytest.fixture
def course(home_page):
    return course_create(home_page, title="Dùng dịch vụ công trực tuyến", slug="dich-vu-cong")


@pytest.fixture
def learner(db):
    return UserFactory(full_name="Nguyễn Thị Hằng", email="hang@example.vn")


def test_the_pdf_prints_the_issuer_and_the_signature_block(course, learner, tmp_path):
    _setting(signature_image=_image())
    certificate = certificate_issue(enrolment=enrolment_completed(learner, course))
    assert (certificate.issuer_name, certificate.signer_name, certificate.signer_title) == (ISSUER, SIGNER, TITLE)
    html = certificate_pdf_html(certificate=certificate)
    assert 'src="data:image/png;base64,' in html  # the signature, embedded (nothing fetched)
    pdf = certificate_pdf(certificate=certificate)
    assert pdf_pages(pdf, tmp_path) == 1
    text = " ".join(pdf_text(pdf, tmp_path).split())
    assert ISSUER.upper() in text.upper()
    assert SIGNER in text and TITLE.upper() in text.upper()
    assert "Thái Nguyên, ngày 31 tháng 01 năm 2025" in text  # the place and the issue date, Vietnam time


def test_the_verification_page_names_the_issuer(client, course, learner):
    _setting()
    certificate = certificate_issue(enrolment=enrolment_completed(learner, course))
    response = client.get(f"/certificates/{certificate.code}/")
    assert response.status_code == 200
    assert f"<dd data-issuer>{ISSUER}</dd>" in response.content.decode()


def test_a_later_change_of_the_setting_does_not_alter_an_issued_certificate(
    client, home_page, course, learner, tmp_path
):
    _setting()
    certificate = certificate_issue(enrolment=enrolment_completed(learner, course))
    _setting(issuer_name="Sở Thông tin và Truyền thông", signer_name="Trần Bình", signer_title="Phó Giám đốc")
    certificate.refresh_from_db()
    assert certificate.issuer_name == ISSUER
    text = " ".join(pdf_text(certificate_pdf(certificate=certificate), tmp_path).split())
    assert SIGNER in text and "Trần Bình" not in text
    assert ISSUER in client.get(f"/certificates/{certificate.code}/").content.decode()
    # Issued again after a name fix: the new certificate keeps the issuer of the first one.
    learner.full_name = "Nguyễn Thị Hằng Nga"
    learner.save()
    new, created = certificate_reissue(certificate=certificate, by=learner)
    assert created
    assert (new.issuer_name, new.signer_name, new.signer_title, new.issued_place) == (ISSUER, SIGNER, TITLE, PLACE)
    # A certificate issued from now on carries the new issuer.
    other = course_create(home_page, title="Khóa khác", slug="khoa-khac")
    later = certificate_issue(enrolment=enrolment_completed(learner, other))
    assert later.issuer_name == "Sở Thông tin và Truyền thông"


def test_empty_values_print_no_empty_block(home_page, course, learner, tmp_path):
    # Nothing configured (as before the setting existed): no issuer line, no signature block.
    certificate = certificate_issue(enrolment=enrolment_completed(learner, course))
    assert certificate.issuer_name == ""
    html = certificate_pdf_html(certificate=certificate)
    assert "data-issuer" not in html and "data-signature" not in html
    assert pdf_pages(certificate_pdf(certificate=certificate), tmp_path) == 1
    # Only spaces typed in: the same.
    _setting(issuer_name="   ", signer_name=" ", signer_title="", issued_place="")
    second = certificate_issue(enrolment=enrolment_completed(learner, course_create(home_page, slug="k2")))
    assert (second.issuer_name, second.signer_name) == ("", "")
    # A signer without an image: a blank space to sign by hand; no place: no dated line.
    _setting(issued_place="")
    third = certificate_issue(enrolment=enrolment_completed(learner, course_create(home_page, slug="k3")))
    html = certificate_pdf_html(certificate=third)
    assert "data-signature" in html and "<img" not in html and ", ngày" not in html


def test_a_broken_or_deleted_signature_image_prints_without_it(course, learner, tmp_path):
    image = _image()
    _setting(signature_image=image)
    certificate = certificate_issue(enrolment=enrolment_completed(learner, course))
    image.file.storage.delete(image.file.name)  # the file gone from the disk
    image.renditions.all().delete()
    assert certificate_signature_data_url(certificate=certificate) == ""
    assert pdf_pages(certificate_pdf(certificate=certificate), tmp_path) == 1
    image.delete()  # the image deleted: the certificate stays, without it
    certificate.refresh_from_db()
    assert certificate.signature_image is None
    assert SIGNER in " ".join(pdf_text(certificate_pdf(certificate=certificate), tmp_path).split())


def test_a_huge_signature_image_is_printed_small(course, learner):
    _setting(signature_image=_image(size=(3000, 3000)))
    certificate = certificate_issue(enrolment=enrolment_completed(learner, course))
    rendition = certificate.signature_image.get_rendition("max-360x140|format-png")
    assert rendition.width <= 360 and rendition.height <= 140


@pytest.mark.parametrize(
    ("who", "allowed"),
    [({"training_admin": True}, True), ({"superuser": True}, True), ({"officer": True}, False), ({}, False)],
    ids=["training-office", "superuser", "communications", "learner"],
)
def test_only_the_training_office_and_superusers_edit_the_setting(client, who, allowed):
    user = UserFactory(**who)
    client.force_login(user)
    url = f"{SETTING_URL}{CertificateSetting.load().pk}/"
    response = client.get(url)
    assert (response.status_code == 200) is allowed, response.status_code
    data = {
        "issuer_name": ISSUER,
        "signer_name": SIGNER,
        "signer_title": TITLE,
        "issued_place": "",
        "signature_image": "",
    }
    response = client.post(url, data)
    assert (CertificateSetting.load().issuer_name == ISSUER) is allowed
    if allowed:
        assert response.status_code == 302
        with translation.override("en"):
            menu = client.get("/admin/").content.decode()
        assert SETTING_URL in menu  # the training office finds it in the admin's settings menu


def test_the_demo_sets_an_issuer_once_and_keeps_an_edited_one(db):
    demo_certificate_issuer_seed()
    assert CertificateSetting.load().issuer_name.startswith("Sở Khoa học và Công nghệ")
    _setting(issuer_name="Sở Nội vụ")
    demo_certificate_issuer_seed()
    assert CertificateSetting.load().issuer_name == "Sở Nội vụ"
