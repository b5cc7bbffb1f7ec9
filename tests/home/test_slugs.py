"""ASCII slugs for every page type (core/slugs.py), and the redirects from old Unicode slugs.

Through the admin (a POST to its add view, as a browser without the slug script sends it) and
through code (``add_child``, what the demo content and imports use).
"""

import importlib
import uuid
from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup
from django.apps import apps
from django.test import Client
from wagtail.contrib.redirects.models import Redirect
from wagtail.models import Page

from core.slugs import AsciiSlugMixin, slug_fold, slug_formatters
from home.models import HomePage
from tests.accounts.factories import UserFactory
from tests.courses.factories import tutorial_create, tutorial_index_create

pytestmark = pytest.mark.django_db

TITLE = "Đổi giấy phép lái xe trực tuyến"
SLUG = "doi-giay-phep-lai-xe-truc-tuyen"


def _page_types():
    return sorted(
        (model for model in apps.get_models() if issubclass(model, Page) and model is not Page),
        key=lambda model: model._meta.label,
    )


def _parent_for(model, home_page):
    """A live page ``model`` may go under (made on the way when it is not there yet)."""
    for parent_model in model.allowed_parent_page_models():
        if parent_model is Page:
            return Page.objects.get(depth=1)
        found = parent_model.objects.first()
        if found is not None:
            return Page.objects.get(pk=found.pk)
    parent_model = next(m for m in model.allowed_parent_page_models() if m is not Page)
    grandparent = _parent_for(parent_model, home_page)
    return _admin_add(parent_model, grandparent, f"Mục {parent_model.__name__}")


def _form_data(html):
    """What a browser would send from the admin's add form as it is (hidden management forms included)."""
    form = BeautifulSoup(html, "html.parser").find("form", attrs={"data-edit-form": True}) or BeautifulSoup(
        html, "html.parser"
    ).find("form", method="post")
    data = {}
    for field in form.find_all(["input", "textarea", "select"]):
        name = field.get("name")
        if not name or field.get("type") in ("submit", "button", "file") or field.get("disabled") is not None:
            continue
        if field.get("type") in ("checkbox", "radio") and field.get("checked") is None:
            continue
        if field.name == "select" and field.get("multiple") is not None:
            selected = [option.get("value", "") for option in field.find_all("option", selected=True)]
            if selected:
                data[name] = selected
        elif field.name == "select":
            option = field.find("option", selected=True) or field.find("option")
            data[name] = option.get("value", "") if option else ""
        elif field.name == "textarea":
            data[name] = field.text
        else:
            data[name] = field.get("value", "")
    return data


def _streamfields_empty(model, data):
    """StreamFields are drawn by the admin's script: send them as it would when left empty."""
    from wagtail.fields import StreamField

    for field in model._meta.get_fields():
        if isinstance(field, StreamField):
            data.setdefault(f"{field.name}-count", "0")


def _required_filled(model, data):
    """A sample value for each required field the add form left empty (dates, texts, numbers)."""
    from django.db import models
    from django.utils import timezone

    for field in model._meta.concrete_fields:
        if field.blank or data.get(field.name) not in ("", None) or field.name in ("slug", "title"):
            continue
        if isinstance(field, models.DateField):
            data[field.name] = timezone.localdate().isoformat()
        elif isinstance(field, (models.IntegerField, models.DecimalField)):
            data[field.name] = "1"
        elif isinstance(field, (models.CharField, models.TextField)) and not field.choices:
            data[field.name] = "Nội dung"


def _admin_client():
    client = Client()
    client.force_login(UserFactory(superuser=True))
    return client


def _admin_add(model, parent, title, slug=""):
    """Save a draft of a new ``model`` page under ``parent`` through the admin's add view."""
    client = _admin_client()
    url = f"/admin/pages/add/{model._meta.app_label}/{model._meta.model_name}/{parent.pk}/"
    response = client.get(url)
    assert response.status_code == 200, (model, response.status_code)
    data = _form_data(response.content.decode())
    data.update(title=title, slug=slug)
    _streamfields_empty(model, data)
    _required_filled(model, data)
    response = client.post(url, data)
    assert response.status_code == 302, (model, _errors(response))
    return Page.objects.child_of(parent).get(title=title)


def _errors(response):
    soup = BeautifulSoup(response.content.decode(), "html.parser")
    return [error.get_text(" ", strip=True) for error in soup.select(".error-message, .help-critical")]


def test_every_page_type_takes_the_ascii_slug_mixin():
    assert _page_types(), "no page types found"
    for model in _page_types():
        assert issubclass(model, AsciiSlugMixin), model


def test_the_folding_keeps_every_vietnamese_letter():
    assert slug_fold(TITLE) == SLUG
    assert slug_fold("Ưu đãi cho người cao tuổi: Hỏi & đáp") == "uu-dai-cho-nguoi-cao-tuoi-hoi-dap"
    # The admin script's formatters map every marked letter to its base (then the script folds).
    mapped = {base: regex for regex, base, _flags in slug_formatters()}
    assert set(mapped) == set("aeiouyd")
    assert "đ" in mapped["d"] and "ổ" in mapped["o"] and "ữ" in mapped["u"]


@pytest.mark.parametrize("model", _page_types(), ids=lambda model: model.__name__)
def test_a_page_added_in_the_admin_gets_an_ascii_slug_from_a_vietnamese_title(model, home_page):
    parent = Page.objects.get(depth=1) if model is HomePage else _parent_for(model, home_page)
    if model.can_create_at(parent):
        # Without the script the slug arrives empty: the server makes it from the title.
        page = _admin_add(model, parent, TITLE)
        assert page.slug == SLUG
    else:  # the home page: one per site, already there
        page = model.objects.first()
    # Typed with Vietnamese letters (or left so by a browser without the script): folded.
    client = _admin_client()
    url = f"/admin/pages/{page.pk}/edit/"
    data = _form_data(client.get(url).content.decode())
    data.update(slug="đổi-giấy-phép-2")
    _streamfields_empty(model, data)
    response = client.post(url, data)
    assert response.status_code == 302, (model, _errors(response))
    page = Page.objects.get(pk=page.pk)
    assert page.get_latest_revision_as_object().slug == "doi-giay-phep-2"


def test_a_slug_with_nothing_to_keep_is_refused_with_a_clear_message(home_page):
    client = _admin_client()
    url = f"/admin/pages/add/home/standardpage/{home_page.pk}/"
    data = _form_data(client.get(url).content.decode())
    data.update(title="Trang", slug="___")  # a valid Unicode slug with nothing left once folded
    response = client.post(url, data)
    assert response.status_code == 200
    assert not Page.objects.filter(title="Trang").exists()
    from core.slugs import SLUG_NOT_ASCII

    assert str(SLUG_NOT_ASCII) in response.content.decode()  # in Vietnamese: the admin's language here


@pytest.mark.parametrize("model", _page_types(), ids=lambda model: model.__name__)
def test_a_page_made_by_code_gets_an_ascii_slug(model, home_page):
    parent = Page.objects.get(depth=1) if model is HomePage else _parent_for(model, home_page)
    # A draft with the type's required fields as the admin has them, to copy (the home page: the one there).
    specific = _admin_add(model, parent, "Mẫu").specific if model.can_create_at(parent) else model.objects.first()
    for title, slug, expected in ((TITLE, "", SLUG), ("Khác", "đường-dây-nóng", "duong-day-nong")):
        copy = model(**{field.attname: getattr(specific, field.attname) for field in model._meta.concrete_fields})
        for name in ("id", "pk", "page_ptr_id", "path", "depth", "url_path"):
            setattr(copy, name, None)
        copy.numchild = 0
        copy.title, copy.slug, copy.draft_title, copy.live = title, slug, "", False
        copy.latest_revision_id = copy.live_revision_id = None
        copy.translation_key = uuid.uuid4()
        Page.objects.get(pk=parent.pk).add_child(instance=copy)
        assert Page.objects.get(pk=copy.pk).slug == expected, model


def _unicode_slug(page, slug):
    """Give ``page`` a Unicode slug as pages saved before core/slugs.py have (no folding on the way)."""
    parent = page.get_parent()
    url_path = parent.url_path + slug + "/"
    Page.objects.filter(pk=page.pk).update(slug=slug, url_path=url_path)
    for child in Page.objects.descendant_of(page):
        Page.objects.filter(pk=child.pk).update(url_path=url_path + child.url_path[len(page.url_path) :])


def _fold_migration():
    return importlib.import_module("home.migrations.0002_ascii_page_slugs").fold_slugs


def test_old_unicode_slugs_are_folded_and_their_addresses_redirect_permanently(home_page, settings):
    settings.PAGE_CACHE_SECONDS = 600
    index = tutorial_index_create(home_page)
    tutorial = tutorial_create(index, TITLE, slug="x")
    _unicode_slug(index, "hướng-dẫn")
    _unicode_slug(Page.objects.get(pk=tutorial.pk), "đổi-giấy-phép")
    old_raw = "/hướng-dẫn/đổi-giấy-phép/"
    old_encoded = quote(old_raw)
    assert Client().get(old_encoded).status_code == 200  # the old page, as it was

    _fold_migration()(apps, None)
    _fold_migration()(apps, None)  # twice: nothing more

    tutorial = Page.objects.get(pk=tutorial.pk)
    assert (Page.objects.get(pk=index.pk).slug, tutorial.slug) == ("huong-dan", "doi-giay-phep")
    assert tutorial.url == "/huong-dan/doi-giay-phep/"
    assert Client().get(tutorial.url).status_code == 200
    assert Redirect.objects.filter(redirect_page=tutorial, is_permanent=True).count() == 2  # raw, encoded
    for path in (old_encoded, old_encoded.rstrip("/"), quote("/hướng-dẫn/"), "/en" + old_encoded):
        for _ in range(2):  # the second time through the anonymous page cache (a 301 is never stored)
            response = Client().get(path)
            assert response.status_code == 301, path
    assert Client().get(old_encoded)["Location"] == "/huong-dan/doi-giay-phep/"
    assert Client().get("/en" + old_encoded)["Location"] == old_encoded  # the retired prefix first (core.i18n)
    # The stored revision has the new slug: publishing it again keeps it.
    tutorial.specific.get_latest_revision().publish()
    assert Page.objects.get(pk=tutorial.pk).slug == "doi-giay-phep"
