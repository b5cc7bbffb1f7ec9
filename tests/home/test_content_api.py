"""Wagtail's content API (/api/v2/): published public content only, read-only, nobody's data, answers
cached per published generation and rate-limited per client; the page cache leaves /api/ alone."""

import io
import json

import pytest
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.test import Client
from PIL import Image as PILImage
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection, CollectionViewRestriction, Page, PageViewRestriction

from courses.models import CertificateSetting, TutorialPage
from home.models import StandardPage
from tests.accounts.factories import UserFactory
from tests.courses.factories import course_create, question, tutorial_create, tutorial_index_create
from tests.support.pages import page_add

pytestmark = pytest.mark.django_db


def _get(path, client=None, **extra):
    response = (client or Client()).get(path, **extra)
    return response, json.loads(response.content)


def _titles(client=None, query=""):
    _response, data = _get(f"/api/v2/pages/?limit=50{query}", client)
    return {item["title"] for item in data["items"]}


def _image(title):
    buffer = io.BytesIO()
    PILImage.new("RGB", (1200, 600), (200, 30, 30)).save(buffer, format="PNG")
    return get_image_model().objects.create(title=title, file=ImageFile(buffer, name=f"{title}.png"))


@pytest.fixture
def site(home_page):
    index = tutorial_index_create(home_page)
    shot = _image("anh-buoc")
    tutorial = tutorial_create(
        index,
        "Đăng ký VNeID",
        difficulty="intermediate",
        body=[
            {
                "type": "step",
                "value": {
                    "title": "Mở ứng dụng",
                    "text": "<p>Bấm <b>Đăng ký</b>.</p>",
                    "screenshot": {"image": shot.pk, "alt_text": "Màn hình", "decorative": False},
                    "tip": "Mẹo",
                },
            },
            {"type": "paragraph", "value": "<p>Xong.</p>"},
        ],
    )
    course = course_create(
        home_page,
        title="Khóa API",
        lessons=[
            ("Bài hỏi", [question("Có nên chia sẻ OTP?", [("Không", True), ("Có", False)], explanation="Bí mật")])
        ],
        final=[question("Câu cuối?", [("Đúng", True), ("Sai", False)], explanation="Giải thích cuối")],
    )
    return {"tutorial": tutorial, "course": course, "index": index, "image": shot}


def test_published_pages_with_their_useful_fields(site):
    tutorial, course = site["tutorial"], site["course"]
    assert {"Đăng ký VNeID", "Khóa API", "Bài hỏi"} <= _titles()
    _response, data = _get(f"/api/v2/pages/{tutorial.pk}/")
    assert data["meta"]["type"] == "courses.TutorialPage" and data["difficulty"] == "intermediate"
    [step] = data["steps"]
    assert step["title"] == "Mở ứng dụng" and "<b>Đăng ký</b>" in step["text"] and step["tip"] == "Mẹo"
    assert step["screenshot"]["width"] <= 800 and step["screenshot"]["url"].endswith(".webp")
    assert data["summary"] and "body" in data and data["public_service"] is None
    _response, data = _get(f"/api/v2/pages/{course.pk}/")
    assert [lesson["title"] for lesson in data["lessons"]] == ["Bài hỏi"]
    assert data["has_final_test"] is True and "final_quiz" not in data
    assert "Giải thích cuối" not in json.dumps(data) and "Câu cuối?" not in json.dumps(data)
    _response, data = _get("/api/v2/pages/?type=courses.TutorialPage&fields=difficulty,steps")
    assert data["items"][0]["difficulty"] == "intermediate"


def test_a_lessons_questions_come_without_their_answers(site):
    lesson = site["course"].lessons().first()
    _response, data = _get(f"/api/v2/pages/{lesson.pk}/")
    [block] = [b for b in data["body"] if b["type"] == "question"]
    assert block["value"] == {
        "question": "Có nên chia sẻ OTP?",
        "multiple": False,
        "choices": [{"text": "Không"}, {"text": "Có"}],
    }
    assert "correct" not in json.dumps(data) and "Bí mật" not in json.dumps(data)


def test_no_draft_no_unpublished_page_no_private_page_even_for_a_superuser(site, home_page):
    index = site["index"]
    draft = TutorialPage(title="Bản nháp", summary="x", slug="ban-nhap", live=False)
    Page.objects.get(pk=index.pk).add_child(instance=draft)
    gone = tutorial_create(index, "Đã gỡ")
    gone.unpublish()
    private = page_add(home_page, StandardPage(title="Nội bộ", slug="noi-bo"))
    below = page_add(private, StandardPage(title="Trang con nội bộ", slug="con"))
    PageViewRestriction.objects.create(page=private, restriction_type=PageViewRestriction.LOGIN)
    password = page_add(home_page, StandardPage(title="Có mật khẩu", slug="mat-khau"))
    PageViewRestriction.objects.create(page=password, restriction_type=PageViewRestriction.PASSWORD, password="x")
    superuser = Client()
    superuser.force_login(UserFactory(superuser=True))
    for client in (Client(), superuser):
        titles = _titles(client)
        assert not titles & {"Bản nháp", "Đã gỡ", "Nội bộ", "Trang con nội bộ", "Có mật khẩu"}
        for page in (draft, gone, private, below, password):
            assert client.get(f"/api/v2/pages/{page.pk}/").status_code == 404
        response, data = _get(f"/api/v2/pages/?child_of={private.pk}", client)
        assert response.status_code == 400 and "Trang con" not in json.dumps(data)
    assert "Đăng ký VNeID" in _titles(superuser)


def test_unpublished_changes_never_show(site):
    tutorial = TutorialPage.objects.get(pk=site["tutorial"].pk)
    tutorial.title = "Tiêu đề chưa xuất bản"
    tutorial.summary = "Tóm tắt chưa xuất bản"
    tutorial.save_revision()  # what the editor's "Save draft" does
    _response, data = _get(f"/api/v2/pages/{tutorial.pk}/")
    assert data["title"] == "Đăng ký VNeID" and "chưa xuất bản" not in json.dumps(data)
    TutorialPage.objects.get(pk=tutorial.pk).get_latest_revision().publish()
    _response, data = _get(f"/api/v2/pages/{tutorial.pk}/")
    assert data["title"] == "Tiêu đề chưa xuất bản"  # and publishing emptied the cache at once


def test_images_with_a_rendition_but_no_signature_and_nothing_private(site):
    signature = _image("chu-ky")
    setting = CertificateSetting.load()
    setting.signature_image = signature
    setting.save()
    secret = Collection.get_first_root_node().add_child(name="Nội bộ")
    hidden = _image("an")
    hidden.collection = secret
    hidden.save()
    CollectionViewRestriction.objects.create(collection=secret, restriction_type=CollectionViewRestriction.LOGIN)
    Document = get_document_model()
    public_doc = Document.objects.create(title="Mẫu đơn", file=ContentFile(b"%PDF-1.4", name="mau-don.pdf"))
    Document.objects.create(title="Tài liệu nội bộ", file=ContentFile(b"x", name="noi-bo.txt"), collection=secret)
    _response, data = _get("/api/v2/images/")
    assert [item["title"] for item in data["items"]] == ["anh-buoc"]
    rendition = data["items"][0]["rendition"]
    assert rendition["width"] == 800 and rendition["height"] == 400 and rendition["url"].endswith(".webp")
    assert _get(f"/api/v2/images/{signature.pk}/")[0].status_code == 404
    assert _get(f"/api/v2/images/{hidden.pk}/")[0].status_code == 404
    _response, data = _get("/api/v2/documents/")
    assert [item["id"] for item in data["items"]] == [public_doc.pk]
    assert "uploaded_by_user" not in json.dumps(data)


def test_read_only_json_only_no_session_or_basic_sign_in(site):
    client = Client()
    assert client.post("/api/v2/pages/").status_code == 405
    assert client.delete(f"/api/v2/pages/{site['tutorial'].pk}/").status_code == 405
    response = client.get("/api/v2/pages/", HTTP_ACCEPT="text/html")
    assert response["Content-Type"] == "application/json"
    response = client.get("/api/v2/pages/", HTTP_AUTHORIZATION="Basic YWRtaW46d3Jvbmc=")
    assert response.status_code == 200  # no sign-in there, so nothing to try passwords on


def test_bad_queries_are_400_not_500(site):
    for query in (
        "limit=abc",
        "limit=100000",
        "offset=-1",
        "fields=secret",
        "type=nope.Nope",
        "child_of=abc",
        "order=password",
        "search=a%00b",
        "unknown=1",
        "site=%00",
        "rich_text_format=evil",
    ):
        response = Client().get(f"/api/v2/pages/?{query}")
        assert response.status_code == 400, query
        assert json.loads(response.content)["message"]


def test_answers_are_cached_until_something_is_published(site, home_page):
    client = Client()
    first, _ = _get("/api/v2/pages/", client)
    second, _ = _get("/api/v2/pages/", client)
    assert first["X-API-Cache"] == "miss" and second["X-API-Cache"] == "hit"
    assert "public" in second["Cache-Control"] and "max-age=60" in second["Cache-Control"]
    assert "X-Page-Cache" not in first and "X-Page-Cache" not in second  # the page cache leaves /api/ alone
    page_add(home_page, StandardPage(title="Trang mới", slug="trang-moi"))
    third, data = _get("/api/v2/pages/", client)
    assert third["X-API-Cache"] == "miss" and "Trang mới" in {item["title"] for item in data["items"]}


def test_rate_limited_per_client_behind_the_trusted_proxy(site, settings):
    settings.API_CONTENT_RATE_LIMIT = 2
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    one = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    for _ in range(2):
        assert Client().get("/api/v2/pages/", **one).status_code == 200
    response = Client().get("/api/v2/pages/", **one)
    assert response.status_code == 429 and 1 <= int(response["Retry-After"]) <= settings.API_RATE_WINDOW
    assert json.loads(response.content)["message"]
    other = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.9"}
    assert Client().get("/api/v2/pages/", **other).status_code == 200


def test_a_page_called_api_does_not_take_the_apis_addresses(site, home_page):
    page_add(home_page, StandardPage(title="API", slug="api"))
    assert _get("/api/v2/pages/")[0]["Content-Type"] == "application/json"
    response = Client().get("/api/")
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
