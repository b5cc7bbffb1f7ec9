"""Uploading H5P activities: a real .h5p (h5p.json, content, a library) stored; each refusal stores nothing."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from courses.models import LearningPackage
from courses.packages.h5p.demo import FOLDER, h5p_zip, multichoice_files, multichoice_h5p
from courses.packages.services import package_upload
from courses.packages.validation import PackageInvalid
from tests.accounts.factories import UserFactory

from .conftest import stored_files

pytestmark = pytest.mark.django_db


def _upload(data: bytes):
    return package_upload(upload=io.BytesIO(data), user=None, size=len(data), filename="a.h5p")


def _refused(media, files) -> list[str]:
    with pytest.raises(PackageInvalid) as raised, translation.override("en"):
        _upload(h5p_zip(files))
    assert LearningPackage.objects.count() == 0
    assert stored_files(media) == []
    with translation.override("en"):
        return [str(message) for message in raised.value.messages]


def _edit(files, path, **changes):
    document = json.loads(files[path])
    document.update(changes)
    files[path] = json.dumps(document).encode()
    return files


def test_multichoice_package_is_parsed_and_stored(media):
    package = _upload(multichoice_h5p())
    assert package.standard == "h5p"
    assert package.title == "Câu hỏi: Cổng Dịch vụ công quốc gia"
    assert package.launch_path == "h5p.json"
    assert package.version == "H5P.KnsMultiChoice 1.0.0"
    assert package.identifier.startswith("h5p-") and len(package.identifier) == 36
    summary = package.manifest
    assert summary["mainLibrary"] == "H5P.KnsMultiChoice"
    assert summary["mainLibraryFolder"] == FOLDER
    assert summary["language"] == "vi"
    assert summary["embedType"] == "div"
    assert summary["libraries"] == [
        {
            "folder": FOLDER,
            "machineName": "H5P.KnsMultiChoice",
            "version": "1.0.0",
            "title": "Multiple choice (Kỹ Năng Số)",
        }
    ]
    prefix = package.storage_prefix
    assert stored_files(media) == sorted(f"{prefix}/{name}" for name in multichoice_files())


def test_same_content_same_identifier_other_content_another(media):
    first, second = _upload(multichoice_h5p()), _upload(multichoice_h5p())
    other = _upload(multichoice_h5p(question="Khác?"))
    assert first.identifier == second.identifier != other.identifier
    assert first.storage_prefix != second.storage_prefix


def test_iframe_embed_type_and_a_library_folder_without_version(media):
    files = multichoice_files(embed_types=("iframe",))
    files = {name.replace(FOLDER, "H5P.KnsMultiChoice"): content for name, content in files.items()}
    package = _upload(h5p_zip(files))
    assert package.manifest["embedType"] == "iframe"
    assert package.manifest["mainLibraryFolder"] == "H5P.KnsMultiChoice"


def test_missing_h5p_json(media):
    files = multichoice_files()
    del files["h5p.json"]
    assert _refused(media, files) == ["h5p.json is missing from the package's root."]


def test_invalid_json(media):
    files = multichoice_files()
    files["h5p.json"] = b"{'title': oops"
    assert _refused(media, files) == ["h5p.json is not valid JSON."]
    files = multichoice_files()
    files["content/content.json"] = b"[1, 2"
    assert _refused(media, files) == ["content/content.json is not valid JSON."]
    files = multichoice_files()
    files[f"{FOLDER}/library.json"] = b"nope"
    assert _refused(media, files) == [f"{FOLDER}/library.json is not valid JSON."]


def test_required_fields(media):
    files = _edit(multichoice_files(), "h5p.json", title="", language=None, embedTypes=["popup"])
    assert _refused(media, files) == [
        "h5p.json lacks: title, language",
        "h5p.json: embedTypes must list “div”, “iframe” or both.",
    ]
    files = multichoice_files()
    del files["content/content.json"]
    assert _refused(media, files) == ["content/content.json is missing."]


def test_main_library_missing_from_the_package(media):
    files = {name: content for name, content in multichoice_files().items() if not name.startswith(FOLDER)}
    assert _refused(media, files) == ["The main library H5P.KnsMultiChoice 1.0 is not in the package."]


def test_main_library_of_another_version_is_missing(media):
    files = _edit(multichoice_files(), f"{FOLDER}/library.json", minorVersion=2)
    assert _refused(media, files) == ["The main library H5P.KnsMultiChoice 1.0 is not in the package."]


def test_a_dependency_missing_from_the_package(media):
    dependency = {"machineName": "H5P.JoubelUI", "majorVersion": 1, "minorVersion": 3}
    files = _edit(multichoice_files(), f"{FOLDER}/library.json", preloadedDependencies=[dependency])
    assert _refused(media, files) == [
        "Libraries the content needs are not in the package (no H5P Hub here): H5P.JoubelUI 1.3"
    ]


def test_main_library_not_among_the_dependencies(media):
    files = _edit(multichoice_files(), "h5p.json", mainLibrary="H5P.Other")
    assert _refused(media, files) == ["The main library H5P.Other is not among h5p.json's preloadedDependencies."]


def test_disallowed_files(media):
    files = multichoice_files()
    files["content/evil.js"] = b"alert(1)"
    files["content/page.html"] = b"<p>"
    files[f"{FOLDER}/demo.html"] = b"<p>"
    files["stray/readme.txt"] = b"?"
    assert _refused(media, files) == [
        "Files H5P does not allow here (scripts and styles only in a library, no HTML): "
        f"{FOLDER}/demo.html, content/evil.js, content/page.html",
        "Folders that are neither content/ nor a library (no library.json): stray",
    ]


def test_library_names_a_file_it_lacks(media):
    files = multichoice_files()
    del files[f"{FOLDER}/multichoice.css"]
    assert _refused(media, files) == [f"Files a library names are not in the package: {FOLDER}/multichoice.css"]


def test_shared_zip_checks_come_first(media):
    files = multichoice_files()
    files["../up.json"] = b"{}"
    files["tool.exe"] = b"MZ"
    reasons = _refused(media, files)
    assert [reason.split(":")[0] for reason in reasons] == [
        "Files with a path outside the package (absolute or with “..”)",
        "File types that are not allowed",
    ]


def test_staff_upload_an_h5p_file_in_the_admin(client, media, english_interface):
    add = reverse("wagtailsnippets_courses_learningpackage:add")
    client.force_login(UserFactory(training_admin=True))
    assert 'accept=".zip,.h5p,application/zip"' in client.get(add).content.decode()
    upload = SimpleUploadedFile("cau-hoi.h5p", multichoice_h5p(), content_type="application/octet-stream")
    response = client.post(add, {"package_file": upload, "title": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    package = LearningPackage.objects.get()
    assert (package.standard, package.original_filename) == ("h5p", "cau-hoi.h5p")
    files = multichoice_files()
    del files["h5p.json"]
    bad = SimpleUploadedFile("xau.h5p", h5p_zip(files), content_type="application/octet-stream")
    response = client.post(add, {"package_file": bad, "title": "Xấu"})
    assert response.status_code == 200
    assert "h5p.json is missing from the package&#x27;s root." in response.content.decode()
    assert LearningPackage.objects.count() == 1
