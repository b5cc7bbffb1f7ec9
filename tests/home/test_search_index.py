"""Site search's own index (home.search): kept in step with publishing, privacy and deletion; synonyms
kept by communications officers in the admin; i/y variants; typos with a "did you mean"."""

import pytest
from django.urls import reverse
from wagtail.models import Page, PageViewRestriction

from core.search import FOLD_VERSION, fold_query
from home.models import StandardPage
from home.search.models import SearchEntry, SearchSynonym
from home.search.selectors import pages_search, search_synonyms_map
from home.search.services import search_index_rebuild, search_synonym_ensure
from tests.accounts.factories import UserFactory
from tests.courses.factories import tutorial_create, tutorial_index_create
from tests.support.pages import page_add

pytestmark = pytest.mark.django_db


def _titles(query, **kwargs):
    return [result.title for result in pages_search(query=query, **kwargs)]


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Đăng ký", "dang ki"),
        ("đăng kí", "dang ki"),
        ("Mỹ thuật, mĩ thuật", "mi thuat mi thuat"),
        ("lý lịch tư pháp", "li lich tu phap"),
        ("bác sỹ, tỷ lệ, hy vọng, quy định", "bac si ti le hi vong qui dinh"),
        ("thủy lợi, huy động, tuyển dụng, y tế", "thuy loi huy dong tuyen dung y te"),
    ],
)
def test_i_and_y_are_one_after_a_consonant(text, folded):
    assert fold_query(text) == folded


@pytest.fixture
def index(home_page):
    return tutorial_index_create(home_page, title="Danh mục", slug="danh-muc")


def test_either_spelling_finds_both(index):
    tutorial_create(index, "Đăng ký thường trú", summary="Tóm tắt")
    tutorial_create(index, "Đăng kí tạm trú", summary="Tóm tắt")
    assert sorted(_titles("dang ki")) == sorted(_titles("dang ky")) == ["Đăng kí tạm trú", "Đăng ký thường trú"]


def test_publishing_a_change_updates_the_entry_and_a_draft_does_not(index):
    tutorial = tutorial_create(index, "Khai sinh", summary="Tóm tắt")
    assert _titles("khai sinh") == ["Khai sinh"]
    tutorial.title = "Khai tử trực tuyến"
    tutorial.save_revision()  # a draft: the live page keeps its title
    assert _titles("khai tu") == []
    assert _titles("khai sinh") == ["Khai sinh"]
    tutorial.save_revision().publish()
    assert _titles("khai tu") == ["Khai tử trực tuyến"]
    assert _titles("khai sinh") == []


def test_unpublished_deleted_and_private_pages_are_not_found(index, home_page):
    kept = tutorial_create(index, "Lệ phí trước bạ", summary="Tóm tắt")
    gone = tutorial_create(index, "Lệ phí cấp hộ chiếu", summary="Tóm tắt")
    hidden = tutorial_create(index, "Lệ phí nội bộ", summary="Tóm tắt")
    assert len(_titles("le phi")) == 3
    gone.unpublish()
    assert sorted(_titles("le phi")) == ["Lệ phí nội bộ", "Lệ phí trước bạ"]
    PageViewRestriction.objects.create(page=hidden, restriction_type=PageViewRestriction.LOGIN)
    assert _titles("le phi") == ["Lệ phí trước bạ"]
    Page.objects.get(pk=kept.pk).delete()
    assert _titles("le phi") == []
    assert not SearchEntry.objects.filter(page_id=kept.pk).exists()


def test_a_moved_page_is_found_under_its_new_address(index, home_page):
    other = tutorial_index_create(home_page, title="Khác", slug="khac")
    tutorial = tutorial_create(index, "Cấp lại thẻ", summary="Tóm tắt")
    Page.objects.get(pk=tutorial.pk).move(Page.objects.get(pk=other.pk), pos="last-child")
    [result] = pages_search(query="cap lai the")
    assert result.url_path.startswith(Page.objects.get(pk=other.pk).url_path)


def test_a_rebuild_rewrites_entries_of_an_older_folding(index):
    tutorial = tutorial_create(index, "Đăng ký kết hôn", summary="Tóm tắt")
    SearchEntry.objects.filter(page_id=tutorial.pk).update(text_words=" dang ky ket hon ", fold_version=1)
    assert _titles("dang ki ket hon") == []
    assert search_index_rebuild() >= 1
    assert SearchEntry.objects.get(page_id=tutorial.pk).fold_version == FOLD_VERSION
    assert _titles("dang ki ket hon") == ["Đăng ký kết hôn"]
    assert search_index_rebuild() == 0  # nothing stale any more


def test_titles_and_tutorials_outrank_body_text_and_standard_pages(index, home_page):
    page_add(home_page, StandardPage(title="Giới thiệu", slug="gioi-thieu", body="<p>Thanh toán phí, lệ phí.</p>"))
    tutorial_create(index, "Tài khoản", summary="Thanh toán lệ phí ngay trên mạng.")
    tutorial_create(index, "Thanh toán lệ phí trực tuyến", summary="Tóm tắt")
    assert _titles("thanh toan le phi") == ["Thanh toán lệ phí trực tuyến", "Tài khoản", "Giới thiệu"]


def test_synonyms_expand_both_ways_and_changes_show_at_once(index):
    tutorial_create(index, "Cấp đổi căn cước công dân", summary="Tóm tắt")
    tutorial_create(index, "Tra cứu mã CCCD", summary="Tóm tắt")
    assert _titles("cccd") == ["Tra cứu mã CCCD"]
    search_synonym_ensure(term="CCCD", meaning="căn cước công dân, căn cước")
    assert search_synonyms_map()["cccd"] == ("can cuoc cong dan", "can cuoc")
    assert sorted(_titles("cccd")) == ["Cấp đổi căn cước công dân", "Tra cứu mã CCCD"]
    assert sorted(_titles("căn cước công dân")) == ["Cấp đổi căn cước công dân", "Tra cứu mã CCCD"]
    SearchSynonym.objects.all().delete()
    assert _titles("cccd") == ["Tra cứu mã CCCD"]


def test_a_typo_is_corrected_only_when_nothing_matches(index):
    tutorial_create(index, "Đăng ký khai sinh", summary="Tóm tắt")
    tutorial_create(index, "Xinh đẹp mỗi ngày", summary="Tóm tắt")
    found = pages_search(query="khai xinh")
    assert [result.title for result in found] == ["Đăng ký khai sinh"]
    assert found.suggestion == "khai sinh"
    assert pages_search(query="xinh").suggestion == ""
    assert pages_search(query="abc").total == 0  # short words are never corrected


def test_the_view_shows_did_you_mean_and_counts_once(client, index, django_assert_max_num_queries):
    tutorial_create(index, "Đăng ký khai sinh", summary="Tóm tắt")
    response = client.get("/search/", {"q": "khai xinh"})
    html = response.content.decode()
    assert 'data-suggestion="khai sinh"' in html
    assert f'href="{reverse("search")}?q=khai%20sinh"' in html
    assert 'data-result-count="1"' in html
    assert "did-you-mean" not in client.get("/search/", {"q": "khai sinh"}).content.decode()


def test_an_officer_keeps_synonyms_in_the_admin(client):
    officer = UserFactory(officer=True)
    client.force_login(officer)
    add = reverse("wagtailsnippets_home_searchsynonym:add")
    response = client.post(add, {"term": "GPLX", "meaning": "giấy phép lái xe"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert SearchSynonym.objects.get().term_folded == "gplx"
    again = client.post(add, {"term": "gplx ", "meaning": "khác"})
    assert again.status_code == 200  # the same folded term: a form error, not a 500
    assert SearchSynonym.objects.count() == 1
    assert client.get(reverse("wagtailsnippets_home_searchsynonym:list")).status_code == 200
    client.force_login(UserFactory(civil_servant=True))
    assert client.get(add).status_code in (302, 403)


def test_results_are_remembered_until_something_is_published(index, django_assert_num_queries):
    tutorial_create(index, "Cấp bản sao trích lục", summary="Tóm tắt")
    assert _titles("trich luc") == ["Cấp bản sao trích lục"]
    with django_assert_num_queries(0):
        found = pages_search(query="Trích lục")  # the same words
    found.results[0].url = "/changed/"  # each caller's own copy
    assert pages_search(query="trich luc").results[0].url == ""
    tutorial_create(index, "Trích lục khai sinh", summary="Tóm tắt")
    assert sorted(_titles("trich luc")) == ["Cấp bản sao trích lục", "Trích lục khai sinh"]
