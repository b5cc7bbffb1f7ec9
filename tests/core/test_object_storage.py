"""Media on a real S3-compatible server (moto's server mode, tests/support/s3.py), through the site.

Images uploaded in the admin, their renditions, documents, the certificate PDF's signature and the narration
are written to the bucket and read back from it over HTTP; nothing lands on local disk. Documents are only
served through the site's view (with its privacy check), never at a public address.
"""

import io
import re
import shutil
import subprocess

import pytest
from django.core.exceptions import SuspiciousOperation
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image as PILImage
from wagtail.documents.models import Document
from wagtail.images import get_image_model
from wagtail.models import Collection, CollectionViewRestriction

from core.storage import ObjectStorage
from courses.certificates.services import certificate_issue
from courses.learning.audio.models import AudioClip
from courses.learning.audio.services import page_audio_refresh
from courses.models import CertificateSetting
from tests.accounts.factories import UserFactory
from tests.courses.certificates.test_certificates import enrolment_completed
from tests.courses.factories import course_create, tutorial_create, tutorial_index_create
from tests.support.pdf import pdf_tool
from tests.support.s3 import storage_environment, storage_options

pytestmark = pytest.mark.django_db


def png(size=(640, 400), colour=(20, 90, 160)):
    buffer = io.BytesIO()
    PILImage.new("RGB", size, colour).save(buffer, "PNG")
    buffer.seek(0)
    buffer.name = "anh-chup.png"
    return buffer


def local_files(root):
    return sorted(str(path) for path in root.rglob("*") if path.is_file()) if root.exists() else []


@pytest.fixture
def editor(db):
    return UserFactory(is_staff=True, is_superuser=True, email="bientap@example.vn")


def test_an_image_uploaded_in_the_admin_and_its_renditions_live_in_the_bucket(client, editor, s3_media, home_page):
    client.force_login(editor)
    root = Collection.get_first_root_node()
    response = client.post(
        reverse("wagtailimages:add"), {"title": "Ảnh chụp màn hình", "file": png(), "collection": root.pk}
    )
    assert response.status_code == 302, response.content[:2000]
    image = get_image_model().objects.get(title="Ảnh chụp màn hình")
    assert image.file.name in s3_media.keys
    assert PILImage.open(io.BytesIO(s3_media.read(image.file.name))).size == (640, 400)
    assert image.file.url == f"/media/{image.file.name}"  # same origin: the proxy serves it from the bucket

    # A page showing it: the rendition is made from the original read from the bucket, and stored there.
    index = tutorial_index_create(home_page)
    step = {"title": "Bước một", "text": "<p>Mở ứng dụng.</p>", "tip": "", "screenshot": image.pk}
    tutorial = tutorial_create(index, "Có ảnh", body=[{"type": "step", "value": step}])
    html = client.get(tutorial.url).content.decode()
    sources = re.findall(r'src="(/media/images/[^"]+)"', html)
    assert sources, html[:3000]
    rendition_keys = [key for key in s3_media.keys if key.startswith("images/")]
    assert {source.removeprefix("/media/") for source in sources} <= set(rendition_keys)
    for key in rendition_keys:
        width, height = PILImage.open(io.BytesIO(s3_media.read(key))).size
        assert 0 < width <= 640 and 0 < height <= 400
    # The admin's edit page reads the image back from the bucket (its size, its preview rendition).
    assert client.get(reverse("wagtailimages:edit", args=[image.pk])).status_code == 200
    assert local_files(s3_media.media_root) == []


def test_a_document_is_stored_in_the_bucket_and_served_only_through_the_site(client, editor, s3_media):
    client.force_login(editor)
    root = Collection.get_first_root_node()
    upload = io.BytesIO(b"%PDF-1.4 ho so ca nhan\n")
    upload.name = "ho-so.pdf"
    response = client.post(reverse("wagtaildocs:add"), {"title": "Hồ sơ", "file": upload, "collection": root.pk})
    assert response.status_code == 302
    document = Document.objects.get(title="Hồ sơ")
    assert document.file.name in s3_media.keys
    assert document.url.startswith("/documents/")  # Wagtail's view, never the file's address
    served = client.get(document.url)
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == b"%PDF-1.4 ho so ca nhan\n"

    # In a private collection an anonymous visitor gets the sign-in page, not the file.
    private = root.add_child(name="Riêng tư")
    CollectionViewRestriction.objects.create(collection=private, restriction_type="login")
    document.collection = private
    document.save()
    client.logout()
    refused = client.get(document.url)
    assert refused.status_code == 302 and "ho so ca nhan" not in refused.content.decode()
    assert local_files(s3_media.media_root) == []


def test_the_certificate_pdf_prints_the_signature_read_from_the_bucket(client, s3_media, home_page, tmp_path):
    signature = get_image_model().objects.create(title="Chữ ký", file=_image_file())
    setting = CertificateSetting.load()
    setting.signer_name, setting.signature_image = "Nguyễn Văn An", signature
    setting.save()
    learner = UserFactory(full_name="Nguyễn Thị Hằng", email="hang@example.vn")
    course = course_create(home_page, title="Dịch vụ công", slug="dich-vu-cong")
    certificate = certificate_issue(enrolment=enrolment_completed(learner, course))
    client.force_login(learner)
    response = client.get(reverse("certificates:pdf", args=[certificate.code]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    path = tmp_path / "certificate.pdf"
    path.write_bytes(response.content)
    listing = subprocess.run([pdf_tool("pdfimages"), "-list", str(path)], check=True, capture_output=True, text=True)
    assert len(listing.stdout.strip().splitlines()) >= 3  # a header of two lines, then the signature
    # The signature's rendition was made from the bucket's original and stored there; the PDF itself is
    # rendered for its owner on each request and stored nowhere.
    keys = s3_media.keys
    assert signature.file.name in keys and any(key.startswith("images/") for key in keys)
    assert not any(key.endswith(".pdf") for key in keys)
    # Someone else gets no certificate.
    client.force_login(UserFactory(email="khac@example.vn"))
    assert client.get(reverse("certificates:pdf", args=[certificate.code])).status_code == 404
    assert local_files(s3_media.media_root) == []


def _image_file():
    from django.core.files.images import ImageFile

    return ImageFile(png((600, 240)), name="chu-ky.png")


@pytest.mark.skipif(
    not (shutil.which("espeak-ng") and shutil.which("lame")), reason="espeak-ng and lame: .ci/system-deps.sh"
)
def test_the_narration_is_recorded_into_the_bucket_and_played_from_it(client, s3_media, home_page):
    step = {"title": "Bước một", "text": "<p>Mở ứng dụng VNeID.</p>", "tip": "", "narration": None}
    tutorial = tutorial_create(tutorial_index_create(home_page), "Nghe", body=[{"type": "step", "value": step}])
    assert page_audio_refresh(page_id=tutorial.pk)["made"] == 1
    clip = AudioClip.objects.get(page=tutorial)
    assert clip.file.name.startswith("audio/") and clip.file.name in s3_media.keys
    data = s3_media.read(clip.file.name)
    assert len(data) == clip.size_bytes and (data[:3] == b"ID3" or data[0] == 0xFF)  # an MP3
    html = client.get(tutorial.url).content.decode()
    assert f'src="/media/{clip.file.name}"' in html
    assert default_storage.size(clip.file.name) == clip.size_bytes
    assert local_files(s3_media.media_root) == []


def test_addresses_stay_inside_the_storage_and_its_location(s3_media, s3_bucket):
    assert default_storage.url("../etc/passwd") == "/media/etc/passwd"
    assert default_storage.url("audio/1/bước một.mp3") == "/media/audio/1/b%C6%B0%E1%BB%9Bc%20m%E1%BB%99t.mp3"
    assert isinstance(default_storage._wrapped, ObjectStorage)
    placed = ObjectStorage(**{**storage_options(s3_bucket.endpoint, s3_bucket.name)["OPTIONS"], "location": "site"})
    assert placed.url("images/a.webp") == "/media/images/a.webp"
    placed.save("images/a.webp", ContentFile(b"x"))
    assert "site/images/a.webp" in s3_bucket.keys
    with pytest.raises(SuspiciousOperation):
        placed.url("/../../outside")


def test_the_settings_choose_the_bucket_from_the_environment(monkeypatch):
    import importlib

    from lms.settings import storage

    for name, value in storage_environment("http://127.0.0.1:9000", "kns-media").items():
        monkeypatch.setenv(name, value)
    chosen = importlib.reload(storage)
    options = chosen.STORAGES["default"]["OPTIONS"]
    assert chosen.STORAGES["default"]["BACKEND"] == "core.storage.ObjectStorage"
    assert (options["bucket_name"], options["endpoint_url"], options["use_ssl"]) == (
        "kns-media",
        "http://127.0.0.1:9000",
        False,
    )
    assert options["querystring_auth"] is False and options["default_acl"] is None
    monkeypatch.delenv("AWS_STORAGE_BUCKET_NAME")
    local = importlib.reload(storage)
    assert local.STORAGES["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert local.WAGTAILDOCS_SERVE_METHOD == "serve_view"
