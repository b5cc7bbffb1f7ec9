"""The admin's "Learning packages": the training office and communications staff upload; a bad zip is
refused with its reasons and nothing stored; deleting removes the files; other roles get nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from courses.models import LearningPackage
from tests.accounts.factories import UserFactory

from .builders import scorm12_files, scorm2004_zip, zip_bytes
from .conftest import stored_files

pytestmark = pytest.mark.django_db

ADD = "wagtailsnippets_courses_learningpackage:add"


def _zip(name, data):
    return SimpleUploadedFile(name, data, content_type="application/zip")


@pytest.mark.parametrize("role", ["training_admin", "officer"])
def test_staff_upload_a_package(client, media, role):
    user = UserFactory(**{role: True})
    client.force_login(user)
    assert client.get(reverse(ADD)).status_code == 200
    response = client.post(reverse(ADD), {"package_file": _zip("bai.zip", scorm2004_zip()), "title": ""})
    assert response.status_code == 302, response.content.decode()[:3000]
    package = LearningPackage.objects.get()
    assert (package.standard, package.title, package.uploaded_by, package.original_filename) == (
        "scorm2004",
        "Bài học SCORM 2004",
        user,
        "bai.zip",
    )
    assert stored_files(media)
    listing = client.get(reverse("wagtailsnippets_courses_learningpackage:list"))
    assert "Bài học SCORM 2004" in listing.content.decode()
    edit = client.post(reverse("wagtailsnippets_courses_learningpackage:edit", args=[package.pk]), {"title": "Tên mới"})
    assert edit.status_code == 302
    package.refresh_from_db()
    assert package.title == "Tên mới" and package.launch_path == "index.html"


def test_a_bad_package_is_refused_with_its_reasons(client, media, english_interface):
    client.force_login(UserFactory(training_admin=True))
    files = scorm12_files()
    files["../../outside.html"] = "x"
    files["tool.exe"] = b"MZ"
    response = client.post(reverse(ADD), {"package_file": _zip("xau.zip", zip_bytes(files)), "title": "Xấu"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Files with a path outside the package" in html and "File types that are not allowed: tool.exe" in html
    assert not LearningPackage.objects.exists()
    assert stored_files(media) == []


def test_deleting_a_package_removes_its_files(client, media, django_capture_on_commit_callbacks):
    client.force_login(UserFactory(training_admin=True))
    client.post(reverse(ADD), {"package_file": _zip("bai.zip", scorm2004_zip())})
    package = LearningPackage.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("wagtailsnippets_courses_learningpackage:delete", args=[package.pk]))
    assert response.status_code == 302
    assert not LearningPackage.objects.exists()
    assert stored_files(media) == []


@pytest.mark.parametrize("role", ["unit_manager", "leader", "lead", "civil_servant"])
def test_other_roles_cannot_upload(client, media, role):
    client.force_login(UserFactory(**{role: True}))
    response = client.post(reverse(ADD), {"package_file": _zip("bai.zip", scorm2004_zip())})
    assert response.status_code in (302, 403)
    assert not LearningPackage.objects.exists()
    assert stored_files(media) == []
