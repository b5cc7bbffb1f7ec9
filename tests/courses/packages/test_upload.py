"""Uploading packages: real SCORM 1.2 and 2004 zips stored; every refusal reason stores nothing."""

import io
import stat
import zipfile

import pytest
from django.utils import translation

from courses.models import LearningPackage
from courses.packages.services import package_files_delete, package_upload
from courses.packages.validation import PackageInvalid

from .builders import scorm12_files, scorm12_zip, scorm2004_files, scorm2004_zip, zip_bytes
from .conftest import stored_files

pytestmark = pytest.mark.django_db


def _upload(data: bytes, **kw):
    return package_upload(upload=io.BytesIO(data), user=None, size=len(data), filename="p.zip", **kw)


def _refused(media, data: bytes) -> list[str]:
    with pytest.raises(PackageInvalid) as raised, translation.override("en"):
        _upload(data)
    assert LearningPackage.objects.count() == 0
    assert stored_files(media) == []
    with translation.override("en"):
        return [str(message) for message in raised.value.messages]


def test_scorm12_package_is_parsed_and_stored(media):
    package = _upload(scorm12_zip(mastery=80))
    assert package.standard == "scorm12"
    assert package.identifier == "com.example.scorm12"
    assert package.title == "Bài học SCORM 1.2"
    assert package.launch_path == "index.html"
    assert package.manifest["schemaversion"] == "1.2"
    assert package.manifest["mastery_score"] == "80"
    assert package.file_count == 6
    prefix = package.storage_prefix
    assert stored_files(media) == sorted(f"{prefix}/{name}" for name in scorm12_files())
    assert (media / prefix / "sco.js").read_text().startswith("(function ()")


def test_scorm2004_package_is_parsed_and_stored(media):
    package = _upload(scorm2004_zip())
    assert package.standard == "scorm2004"
    assert package.manifest["schemaversion"] == "2004 4th Edition"
    assert package.manifest["sequencing"] is True
    assert package.launch_path == "index.html"
    assert len(stored_files(media)) == len(scorm2004_files())


def test_launch_is_the_default_organizations_first_sco_with_base_and_parameters(media):
    files = scorm2004_files(launch="content/start.html")
    manifest = files["imsmanifest.xml"]
    manifest = manifest.replace('<organizations default="ORG-1">', '<organizations default="ORG-2">')
    manifest = manifest.replace(
        "</organizations>",
        '<organization identifier="ORG-2"><title>Second</title>'
        '<item identifier="I-A"><title>Chapter</title>'
        '<item identifier="I-B" identifierref="RES-ASSET"><title>Asset</title></item>'
        '<item identifier="I-C" identifierref="RES-2" parameters="?page=3"><title>Start</title></item>'
        "</item></organization></organizations>",
    )
    manifest = manifest.replace(
        "</resources>",
        '<resource identifier="RES-ASSET" type="webcontent" adlcp:scormType="asset" href="style.css"/>'
        '<resource identifier="RES-2" type="webcontent" adlcp:scormType="sco" xml:base="content/" '
        'href="start.html"/></resources>',
    )
    files["imsmanifest.xml"] = manifest
    package = _upload(zip_bytes(files))
    assert package.launch_path == "content/start.html?page=3"
    assert package.title == "Second"
    assert package.manifest["scos"] == 2


def test_delete_removes_the_files(media):
    package = _upload(scorm12_zip())
    package_files_delete(package=package)
    assert stored_files(media) == []


def test_not_a_zip(media):
    assert _refused(media, b"just text") == ["This is not a zip file (or it is damaged)."]


def test_too_big(media, settings):
    settings.PACKAGES_MAX_UPLOAD_BYTES = 100
    [reason] = _refused(media, scorm12_zip())
    assert reason.startswith("The file is too big")


def test_path_traversal_and_absolute_paths(media):
    files = scorm12_files()
    files["../evil.html"] = "x"
    files["/etc/evil.html"] = "x"
    files["a/../../up.js"] = "x"
    [reason] = _refused(media, zip_bytes(files))
    assert reason.startswith("Files with a path outside the package")
    assert "../evil.html" in reason and "/etc/evil.html" in reason and "a/../../up.js" in reason


def test_symlink(media):
    link = zipfile.ZipInfo("link.html")
    link.create_system = 3
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in scorm12_files().items():
            archive.writestr(name, content)
        archive.writestr(link, "/etc/passwd")
    [reason] = _refused(media, buffer.getvalue())
    assert reason == "Symbolic links are not allowed: link.html"


def test_too_many_files(media, settings):
    settings.PACKAGES_MAX_FILES = 5
    files = scorm12_files()
    files.update({f"img/{i}.png": b"png" for i in range(3)})
    [reason] = _refused(media, zip_bytes(files))
    assert reason == "Too many files: 9; at most 5."


def test_total_uncompressed_size(media, settings):
    settings.PACKAGES_MAX_UNCOMPRESSED_BYTES = 1000
    files = scorm12_files()
    files["video.mp4"] = bytes(range(256)) * 8
    [reason] = _refused(media, zip_bytes(files, compression=zipfile.ZIP_STORED))
    assert reason.startswith("The package unpacks to")


def test_compression_ratio(media):
    files = scorm12_files()
    files["bomb.txt"] = b"\0" * (20 * 1024 * 1024)
    [reason] = _refused(media, zip_bytes(files))
    assert reason == "Files compressed more than 100 times (a zip bomb?): bomb.txt"


def test_disallowed_extension(media):
    files = scorm12_files()
    files["setup.exe"] = b"MZ"
    files["server.php"] = b"<?php"
    [reason] = _refused(media, zip_bytes(files))
    assert reason == "File types that are not allowed: setup.exe, server.php"


def test_every_reason_at_once(media):
    files = scorm12_files()
    files["../x.html"] = "x"
    files["run.sh"] = "x"
    del files["imsmanifest.xml"]
    reasons = _refused(media, zip_bytes(files))
    assert len(reasons) == 2  # the zip's problems (the manifest is read only from a sound zip)


def test_missing_manifest(media):
    files = scorm12_files()
    del files["imsmanifest.xml"]
    [reason] = _refused(media, zip_bytes(files))
    assert reason.startswith("No manifest found")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda m: m.replace("</manifest>", ""), "imsmanifest.xml is not well-formed XML."),
        (lambda m: m.replace("<schemaversion>1.2", "<schemaversion>9.9"), "Unknown SCORM version “9.9”"),
        (lambda m: m.replace('adlcp:scormtype="sco"', 'adlcp:scormtype="asset"'), "imsmanifest.xml names no SCO"),
        (lambda m: m.replace('href="index.html"', 'href="missing.html"'), "The launch file missing.html is not"),
        (lambda m: m.replace('href="index.html"', 'href="../index.html"'), "The launch file ../index.html"),
        (
            lambda m: m.replace(
                '<?xml version="1.0" encoding="UTF-8"?>',
                '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>',
            ),
            "imsmanifest.xml declares XML entities",
        ),
        (
            lambda m: m.replace("<manifest ", "<notmanifest ").replace("</manifest>", "</notmanifest>"),
            "imsmanifest.xml has no <manifest>",
        ),
    ],
    ids=["broken", "version", "no-sco", "launch-missing", "launch-outside", "entities", "root"],
)
def test_invalid_manifest(media, change, expected):
    files = scorm12_files()
    files["imsmanifest.xml"] = change(files["imsmanifest.xml"])
    [reason] = _refused(media, zip_bytes(files))
    assert reason.startswith(expected)


def test_partial_writes_are_removed(media, monkeypatch):
    """A storage failure midway: the files already written are removed, no row is left."""
    from django.core.files.storage import default_storage

    real_save, calls = default_storage.save, []

    def failing_save(name, content, **kw):
        calls.append(name)
        if len(calls) == 3:
            raise OSError("disk full")
        return real_save(name, content, **kw)

    monkeypatch.setattr(default_storage, "save", failing_save)
    with pytest.raises(OSError):
        _upload(scorm12_zip())
    assert len(calls) == 3
    assert stored_files(media) == []
    assert LearningPackage.objects.count() == 0
