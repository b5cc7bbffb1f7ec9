"""Campaign pages: listing, home page, page cache across midnight, search, short links and posters."""

import datetime
import re
import shutil
import subprocess

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from courses.models import PublicService
from home.search.selectors import pages_search
from outreach.campaigns.links import short_link
from outreach.campaigns.models import CAMPAIGN_CODE_LENGTH
from outreach.campaigns.posters import campaign_by_code, poster_html, poster_pdf
from outreach.models import CampaignIndexPage, CampaignPage
from tests.accounts.factories import UserFactory
from tests.courses.factories import course_create, tutorial_create, tutorial_index_create
from tests.support.pages import page_add
from tests.support.pdf import pdf_pages, pdf_text, pdf_tool

pytestmark = pytest.mark.django_db

TITLE = "Làm thủ tục trên mạng, không phải xếp hàng"
GOAL = "Mỗi hộ gia đình nộp ít nhất một hồ sơ trực tuyến toàn trình trong quý này."


def vi(msgid, **params):
    """The Vietnamese of a UI string, as the catalogue has it (English until it is translated)."""
    with translation.override("vi"):
        text = translation.gettext(msgid)
    return text % params if params else text


def today():
    return timezone.localdate()


def days(n):
    return today() + datetime.timedelta(days=n)


@pytest.fixture
def service(db):
    return PublicService.objects.create(
        name="Đăng ký khai sinh",
        agency="UBND cấp xã",
        online_level="full",
        procedure_code="1.001193",
        official_url="https://dichvucong.gov.vn",
    )


@pytest.fixture
def tutorial(home_page):
    return tutorial_create(tutorial_index_create(home_page), "Đăng ký khai sinh trực tuyến", slug="khai-sinh")


@pytest.fixture
def course(home_page):
    return course_create(home_page, title="Dùng dịch vụ công trực tuyến", slug="dung-dich-vu-cong")


@pytest.fixture
def index(home_page):
    return page_add(home_page, CampaignIndexPage(title="Chiến dịch", slug="chien-dich", introduction="Các chiến dịch."))


def campaign_create(index, title=TITLE, *, starts=-5, ends=20, ctas=None, publish=True, **kwargs):
    kwargs.setdefault("slug", f"chien-dich-{CampaignPage.objects.count() + 1}")
    campaign = CampaignPage(
        title=title,
        goal=kwargs.pop("goal", GOAL),
        starts_on=days(starts),
        ends_on=days(ends),
        calls_to_action=ctas or [],
        **kwargs,
    )
    if publish:
        return page_add(index, campaign)
    campaign.live = False
    index.add_child(instance=campaign)
    campaign.save_revision()
    return campaign


@pytest.fixture
def campaign(index, tutorial, course, service):
    campaign = campaign_create(
        index,
        ctas=[
            {"type": "tutorial", "value": {"label": "Xem hướng dẫn khai sinh", "page": tutorial.pk}},
            {"type": "course", "value": {"label": "", "page": course.pk}},
            {"type": "service", "value": {"label": "Nộp hồ sơ ngay", "service": service.pk}},
        ],
        body=[{"type": "paragraph", "value": "<p>Không cần đến trụ sở UBND xã.</p>"}],
    )
    campaign.services.add(service)
    campaign.save_revision().publish()
    return CampaignPage.objects.get(pk=campaign.pk)


# Pages ----------------------------------------------------------------------------------------


def test_campaign_page_shows_goal_period_calls_to_action_and_services(client, campaign, tutorial, course):
    response = client.get(campaign.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert TITLE in html and GOAL in html
    assert vi("From %(start)s to %(end)s", start=f"{days(-5):%d/%m/%Y}", end=f"{days(20):%d/%m/%Y}") in html
    assert vi("Running now") in html
    # Calls to action: the tutorial and the course by their pages, the service by its official link.
    assert f'class="button" href="{tutorial.url}">Xem hướng dẫn khai sinh</a>' in html
    assert f'class="button" href="{course.url}">{course.title}</a>' in html  # no label: the title
    assert 'href="https://dichvucong.gov.vn" rel="noopener">Nộp hồ sơ ngay' in html
    assert "Không cần đến trụ sở UBND xã." in html  # the body blocks
    assert "1.001193" in html  # the promoted service
    assert reverse("campaigns:poster", args=[campaign.short_code]) in html
    assert f">testserver/c/{campaign.short_code}/</a>" in html  # the short link, as people type it


def test_a_call_to_action_to_an_unpublished_tutorial_is_left_out(client, campaign, tutorial):
    tutorial.unpublish()
    html = Client().get(campaign.url).content.decode()
    assert "Xem hướng dẫn khai sinh" not in html
    assert "Nộp hồ sơ ngay" in html


def test_index_lists_running_then_upcoming_then_past(client, index):
    campaign_create(index, "Chiến dịch đã qua", starts=-60, ends=-30)
    campaign_create(index, "Chiến dịch sắp tới", starts=10, ends=40)
    campaign_create(index, "Chiến dịch đang chạy", starts=-1, ends=1)
    campaign_create(index, "Bản nháp đang chạy", publish=False)
    html = client.get(index.url).content.decode()
    running, upcoming, past = (html.index(title) for title in ("đang chạy", "sắp tới", "đã qua"))
    assert running < upcoming < past
    assert html.index(vi("Running now")) < running < html.index(vi("Coming soon")) < upcoming
    assert "Bản nháp" not in html


def test_running_campaigns_show_on_the_home_page(client, home_page, index):
    campaign_create(index, "Chiến dịch đang chạy", starts=0, ends=0)
    campaign_create(index, "Chiến dịch sắp tới", starts=1, ends=5)
    campaign_create(index, "Chiến dịch đã qua", starts=-5, ends=-1)
    html = client.get("/").content.decode()
    assert "Chiến dịch đang chạy" in html
    assert "sắp tới" not in html and "đã qua" not in html


def test_home_page_without_campaigns_has_no_campaign_section(client, home_page):
    assert 'id="campaigns-heading"' not in client.get("/").content.decode()


def test_home_page_query_count_with_campaigns(client, home_page, index, django_assert_max_num_queries, settings):
    settings.PAGE_CACHE_SECONDS = 0
    for number in range(5):
        campaign_create(index, f"Chiến dịch {number}")
    client.get("/")
    # The running campaigns are remembered per day until something is published.
    with django_assert_max_num_queries(3):
        html = client.get("/").content.decode()
    assert html.count("campaign-card") == 5


def test_campaign_page_query_count(client, campaign, django_assert_max_num_queries, settings):
    settings.PAGE_CACHE_SECONDS = 0  # rendering, not the page cache
    client.get(campaign.url)
    # The page, its blocks (tutorial, course, service), image and parent are remembered until
    # something is published; the promoted services are read per view.
    with django_assert_max_num_queries(1):
        assert client.get(campaign.url).status_code == 200


def test_campaign_index_query_count(client, index, django_assert_max_num_queries, settings):
    settings.PAGE_CACHE_SECONDS = 0
    for number in range(6):
        campaign_create(index, f"Chiến dịch {number}", starts=number * 10 - 20, ends=number * 10 - 15)
    client.get(index.url)
    with django_assert_max_num_queries(1):  # the campaigns, one query however many
        assert client.get(index.url).status_code == 200


def test_cached_home_page_changes_at_midnight(client, home_page, index, monkeypatch):
    """A campaign starts at midnight without anything being published: the cached page must not hide it."""
    campaign_create(index, "Chiến dịch ngày mai", starts=1, ends=3)
    first = Client().get("/")
    assert first["X-Page-Cache"] == "miss" and "Chiến dịch ngày mai" not in first.content.decode()
    assert Client().get("/")["X-Page-Cache"] == "hit"
    tomorrow = days(1)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: tomorrow)
    after_midnight = Client().get("/")
    assert after_midnight["X-Page-Cache"] == "miss"
    assert "Chiến dịch ngày mai" in after_midnight.content.decode()
    index_html = Client().get(index.url).content.decode()
    assert vi("Coming soon") not in index_html  # it runs now


def test_publishing_a_campaign_empties_the_cache(client, home_page, index):
    assert Client().get("/")["X-Page-Cache"] == "miss"
    campaign_create(index, "Chiến dịch mới")
    response = Client().get("/")
    assert response["X-Page-Cache"] == "miss"
    assert "Chiến dịch mới" in response.content.decode()


def test_campaigns_are_found_without_diacritics(campaign):
    assert TITLE in [page.title for page in pages_search(query="lam thu tuc tren mang khong phai xep hang")]
    assert TITLE in [page.title for page in pages_search(query="ho so truc tuyen toan trinh")]  # the goal


def test_end_before_start_is_refused(index):
    from django.core.exceptions import ValidationError

    campaign = CampaignPage(title="Sai", slug="sai", goal="x", starts_on=days(5), ends_on=days(1))
    with pytest.raises(ValidationError) as error:
        campaign.full_clean()
    assert "ends_on" in error.value.message_dict


# Short codes and links ------------------------------------------------------------------------


def test_short_code_is_generated_and_unique(index):
    first, second = campaign_create(index, "Một"), campaign_create(index, "Hai")
    assert len(first.short_code) == CAMPAIGN_CODE_LENGTH and first.short_code != second.short_code


def test_a_code_collision_gets_another_code(index, monkeypatch):
    import outreach.campaigns.models as models

    taken = campaign_create(index, "Một").short_code
    codes = iter([taken, taken, "ABCDEF"])
    monkeypatch.setattr(models, "campaign_code_new", lambda: next(codes))
    campaign = CampaignPage(title="Hai", slug="hai", goal="x", starts_on=days(0), ends_on=days(1), short_code=taken)
    index.add_child(instance=campaign)
    assert campaign.short_code == "ABCDEF"


def test_the_short_code_is_unique_in_the_database(index):
    from django.db import IntegrityError, transaction

    first, second = campaign_create(index, "Một"), campaign_create(index, "Hai")
    with pytest.raises(IntegrityError), transaction.atomic():
        CampaignPage.objects.filter(pk=second.pk).update(short_code=first.short_code)


def test_a_copy_gets_its_own_short_code(campaign):
    copy = campaign.copy(update_attrs={"slug": "ban-sao", "title": "Bản sao"})
    copy = CampaignPage.objects.get(pk=copy.pk)
    assert copy.short_code and copy.short_code != campaign.short_code


def test_short_link_redirects_to_the_campaign_marked_as_from_the_poster(client, campaign):
    response = client.get(f"/c/{campaign.short_code}/")
    assert response.status_code == 302
    assert response["Location"] == f"{campaign.url}?from=qr"
    assert "no-store" in response["Cache-Control"]
    assert "X-Page-Cache" not in response
    # Typed in lower case, it still works.
    assert client.get(f"/c/{campaign.short_code.lower()}/")["Location"] == f"{campaign.url}?from=qr"
    assert client.get(f"{campaign.url}?from=qr").status_code == 200
    # An old English short link (a poster printed before there was one language) still arrives.
    english = client.get(f"/en/c/{campaign.short_code}/")
    assert (english.status_code, english["Location"]) == (301, f"/c/{campaign.short_code}/")


def test_short_link_follows_a_moved_campaign(client, campaign):
    client.get(f"/c/{campaign.short_code}/")
    campaign.slug = "ten-moi"
    campaign.save_revision().publish()
    assert client.get(f"/c/{campaign.short_code}/")["Location"].startswith("/chien-dich/ten-moi/")


@pytest.mark.parametrize("code", ["ZZZZZZ", "abc", "0OIL10", "x" * 300, "%3Cscript%3E"])
def test_unknown_short_codes_get_a_translated_not_found(client, campaign, code):
    response = client.get(f"/c/{code}/")
    assert response.status_code == 404
    assert vi("Campaign not found") in response.content.decode()
    assert client.get(f"/en/c/{code}/")["Location"] == f"/c/{code}/"


def test_short_link_of_an_unpublished_campaign_is_not_found(client, campaign):
    code = campaign.short_code
    campaign.unpublish()
    assert client.get(f"/c/{code}/").status_code == 404
    assert campaign_by_code(code=code) is None
    assert campaign_by_code(code=code, live_only=False) == campaign


def test_short_link_is_absolute_and_vietnamese(campaign, settings):
    settings.WAGTAILADMIN_BASE_URL = "https://kynangso.example.vn"
    assert short_link(campaign=campaign) == f"https://kynangso.example.vn/c/{campaign.short_code}/"


# Posters ---------------------------------------------------------------------------------------


def test_poster_is_one_a4_page_with_the_title_and_short_link(campaign, tmp_path, settings):
    settings.WAGTAILADMIN_BASE_URL = "https://kynangso.example.vn"
    pdf = poster_pdf(campaign=campaign)
    assert pdf.startswith(b"%PDF")
    assert pdf_pages(pdf, tmp_path) == 1
    path = tmp_path / "poster.pdf"
    path.write_bytes(pdf)
    info = subprocess.run([pdf_tool("pdfinfo"), str(path)], check=True, capture_output=True, text=True).stdout
    width, height = (float(x) for x in re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
    assert (round(width), round(height)) == (595, 842)  # A4 portrait
    text = " ".join(pdf_text(pdf, tmp_path).split())
    assert "Làm thủ tục trên mạng, không phải xếp hàng" in text  # Vietnamese diacritics survive
    assert "Xem hướng dẫn khai sinh" in text and "Nộp hồ sơ ngay" in text
    assert f"kynangso.example.vn/c/{campaign.short_code}/" in text


def test_poster_qr_code_encodes_the_short_link(campaign):
    from core.pdf import qr_svg

    assert qr_svg(short_link(campaign=campaign)) in poster_html(campaign=campaign)


def test_poster_qr_code_scans(campaign, tmp_path):
    """Optional: needs zbarimg (Debian zbar-tools), which CI does not install."""
    if not shutil.which("zbarimg"):
        pytest.skip("zbarimg (zbar-tools) is not installed")
    path = tmp_path / "poster.pdf"
    path.write_bytes(poster_pdf(campaign=campaign))
    subprocess.run([pdf_tool("pdftoppm"), "-r", "100", "-png", str(path), str(tmp_path / "page")], check=True)
    scanned = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(tmp_path / "page-1.png")], capture_output=True, text=True
    ).stdout
    assert scanned.strip() == short_link(campaign=campaign)


def test_poster_download_from_the_campaign_page(client, campaign):
    response = client.get(reverse("campaigns:poster", args=[campaign.short_code]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"] and campaign.short_code in response["Content-Disposition"]


def test_poster_of_an_unpublished_campaign_is_not_public(client, index):
    draft = campaign_create(index, "Bản nháp", publish=False)
    assert client.get(reverse("campaigns:poster", args=[draft.short_code])).status_code == 404


def test_poster_from_the_admin_for_editors_only(client, index):

    draft = campaign_create(index, "Bản nháp", publish=False)
    url = reverse("outreach_campaign_poster", args=[draft.pk])
    officer = UserFactory(officer=True)
    client.force_login(officer)
    response = client.get(url)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert "private" in response["Cache-Control"]
    # The menu item is in the campaign's header menu in the editor.
    assert url in client.get(reverse("wagtailadmin_pages:edit", args=[draft.pk])).content.decode()
    assert client.get(reverse("outreach_campaign_poster", args=[index.pk])).status_code == 404  # not a campaign
    client.force_login(UserFactory())  # no admin access
    assert client.get(url).status_code == 302
    trainer = UserFactory(training_admin=True)
    client.force_login(trainer)
    assert client.get(url).status_code in (302, 403)
