import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from wagtail.images import get_image_model
from wagtail.models import Page

from accounts import roles
from accounts.demo import DEMO_PASSWORD
from accounts.models import ContactPreference, OrganisationUnit, User
from courses.models import TutorialPage
from home.search.selectors import pages_search

pytestmark = pytest.mark.django_db


def counts():
    return (
        User.objects.count(),
        OrganisationUnit.objects.count(),
        Page.objects.count(),
        get_image_model().objects.count(),
    )


def test_seed_demo_is_idempotent_and_realistic(capsys):
    call_command("seed_demo")
    first = counts()
    output = capsys.readouterr().out
    call_command("seed_demo")
    assert counts() == first

    assert TutorialPage.objects.live().count() >= 6
    province = OrganisationUnit.objects.get(kind=OrganisationUnit.Kind.PROVINCE)
    assert province.get_descendants().filter(kind=OrganisationUnit.Kind.COMMUNE).count() >= 3
    assert province.get_descendants().filter(kind=OrganisationUnit.Kind.AGENCY).exists()
    # One account per role, each printed with the shared demo password.
    assert DEMO_PASSWORD in output
    for role in roles.ALL:
        assert User.objects.filter(groups__name=role).exists(), role
        assert role in output
    assert User.objects.filter(is_superuser=True, email="admin@kynangso.local").exists()
    # Images were drawn locally and have files.
    for image in get_image_model().objects.all():
        assert image.file.size > 0
    # Running campaigns, on the home page, pointing at the demo tutorials; moderated by the lead.
    from outreach.models import CampaignPage

    campaigns = CampaignPage.objects.live()
    assert campaigns.count() >= 2 and all(campaign.is_running() for campaign in campaigns)
    assert all(campaign.call_to_action_targets() for campaign in campaigns)
    assert campaigns.first().get_workflow().name == "Duyệt chiến dịch truyền thông"
    assert "truongnhom@kynangso.local" in output
    # The leader (insights, through DEMO_SEEDERS) sees a dashboard with figures at once.
    from insights.models import UnitDayFigure
    from insights.roles import LEADER

    assert User.objects.filter(email="lanhdao@kynangso.local", groups__name=LEADER).exists()
    assert "lanhdao@kynangso.local" in output and LEADER in output
    assert UnitDayFigure.objects.exists()
    # Demo content is searchable without diacritics.
    assert any("Cổng Dịch vụ công" in page.title for page in pages_search(query="cong dich vu cong quoc gia"))
    # Demo citizens chose Zalo (docs/zalo.md): one on Zalo, one whose number the dev backend has "not on Zalo".
    zalo = set(ContactPreference.objects.filter(use_zalo=True).values_list("user__phone", flat=True))
    assert {"0987654321", "0912345699"} <= zalo


def test_demo_accounts_sign_in(client):
    call_command("seed_demo")
    assert client.login(username="0912345678", password=DEMO_PASSWORD)
    client.logout()
    assert client.login(username="admin@kynangso.local", password=DEMO_PASSWORD)


def test_seed_demo_refuses_without_debug(settings):
    settings.DEBUG = False
    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(CommandError):
        call_command("seed_demo")
