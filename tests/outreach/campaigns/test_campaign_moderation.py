"""Campaign moderation: officers submit, communications leads approve and publish; scheduled publishing."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from wagtail.models import GroupPagePermission, Workflow, WorkflowPage, WorkflowState
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from accounts import roles
from home.models import StandardPage
from outreach.campaigns.moderation import CAMPAIGN_TASK, CAMPAIGN_WORKFLOW
from outreach.models import CampaignIndexPage, CampaignPage
from tests.accounts.factories import UserFactory
from tests.courses.factories import tutorial_create, tutorial_index_create
from tests.support.pages import page_add

pytestmark = pytest.mark.django_db

WORKER_DB = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def officer(db):
    return UserFactory(officer=True)


@pytest.fixture
def lead(db):
    return UserFactory(lead=True)


@pytest.fixture
def index(home_page):
    return page_add(home_page, CampaignIndexPage(title="Chiến dịch", slug="chien-dich"))


@pytest.fixture
def tutorial(home_page):
    return tutorial_create(tutorial_index_create(home_page), "Đăng ký khai sinh", slug="khai-sinh")


def form(tutorial, **fields):
    today = timezone.localdate()
    data = {
        "title": "Làm thủ tục trên mạng",
        "slug": "lam-thu-tuc-tren-mang",
        "goal": "Nộp hồ sơ trực tuyến.",
        "starts_on": today.isoformat(),
        "ends_on": (today + datetime.timedelta(days=30)).isoformat(),
        "audience": "everyone",
        "body": streamfield([]),
        "calls_to_action": streamfield([("tutorial", {"label": "Xem hướng dẫn", "page": tutorial.pk})]),
        "services": [],
        **fields,
    }
    return nested_form_data(data)


def draft(index, tutorial, owner=None, live=False):
    today = timezone.localdate()
    campaign = CampaignPage(
        title="Chiến dịch",
        slug=f"chien-dich-{CampaignPage.objects.count()}",
        goal="Mục tiêu",
        starts_on=today,
        ends_on=today + datetime.timedelta(days=10),
        calls_to_action=[{"type": "tutorial", "value": {"label": "", "page": tutorial.pk}}],
        live=live,
        owner=owner,
    )
    index.add_child(instance=campaign)
    revision = campaign.save_revision(user=owner)
    if live:
        revision.publish()
    return CampaignPage.objects.get(pk=campaign.pk)


# Set-up by migration and signal ------------------------------------------------------------------


def test_the_workflow_and_lead_group_exist(db):
    workflow = Workflow.objects.get(name=CAMPAIGN_WORKFLOW, active=True)
    task = workflow.tasks.get().specific
    assert task.name == CAMPAIGN_TASK
    assert list(task.groups.values_list("name", flat=True)) == [roles.COMMUNICATIONS_LEAD]
    lead = Group.objects.get(name=roles.COMMUNICATIONS_LEAD)
    assert set(lead.permissions.values_list("codename", flat=True)) == {"access_admin"}
    assert set(lead.collection_permissions.values_list("permission__codename", flat=True)) == {"choose_image"}


def test_a_new_campaign_index_is_moderated(index):
    assert WorkflowPage.objects.get(page=index).workflow.name == CAMPAIGN_WORKFLOW
    lead_permissions = GroupPagePermission.objects.filter(group__name=roles.COMMUNICATIONS_LEAD)
    assert {(p.page_id, p.permission.codename) for p in lead_permissions} == {
        (index.pk, codename) for codename in ("add_page", "change_page", "publish_page", "lock_page", "unlock_page")
    }
    campaign = CampaignPage(title="x", slug="x", goal="x", starts_on=timezone.localdate(), ends_on=timezone.localdate())
    index.add_child(instance=campaign)
    assert campaign.get_workflow().name == CAMPAIGN_WORKFLOW


# Who may do what -----------------------------------------------------------------------------------


def test_officer_may_edit_and_submit_but_not_publish_campaigns(index, tutorial, officer):
    campaign = draft(index, tutorial, live=True)
    perms = campaign.permissions_for_user(officer)
    assert perms.can_edit() and perms.can_submit_for_moderation()
    assert not perms.can_publish() and not perms.can_unpublish() and not perms.can_unschedule()
    assert not perms.can_delete()  # deleting a live campaign would unpublish it
    index_perms = index.permissions_for_user(officer)
    assert index_perms.can_add_subpage() and not index_perms.can_publish_subpage()
    assert not index_perms.can_reorder_children()


def test_officer_still_publishes_other_pages(home_page, tutorial, officer):
    assert tutorial.permissions_for_user(officer).can_publish()
    assert home_page.permissions_for_user(officer).can_publish_subpage()


def test_lead_publishes_campaigns_only(index, tutorial, lead, home_page):
    campaign = draft(index, tutorial)
    assert campaign.permissions_for_user(lead).can_publish()
    assert index.permissions_for_user(lead).can_publish_subpage()
    assert not tutorial.permissions_for_user(lead).can_edit()
    assert not home_page.permissions_for_user(lead).can_add_subpage()


def test_superuser_publishes_campaigns(index, tutorial):
    assert draft(index, tutorial).permissions_for_user(UserFactory(is_superuser=True)).can_publish()


@pytest.mark.parametrize("role", [roles.TRAINING_ADMINISTRATOR, roles.UNIT_MANAGER, roles.CIVIL_SERVANT, roles.CITIZEN])
def test_other_roles_have_no_campaign_rights(index, tutorial, role):
    user = UserFactory(role=role)
    perms = draft(index, tutorial).permissions_for_user(user)
    assert not perms.can_edit() and not perms.can_publish() and not perms.can_unpublish()


def test_officer_publish_button_saves_a_draft_only(client, index, tutorial, officer):
    client.force_login(officer)
    url = reverse("wagtailadmin_pages:add", args=["outreach", "campaignpage", index.pk])
    response = client.post(url, form(tutorial, **{"action-publish": "publish"}))
    assert response.status_code == 302, response.content.decode()[:3000]
    campaign = CampaignPage.objects.get(slug="lam-thu-tuc-tren-mang")
    assert not campaign.live and campaign.first_published_at is None
    # And on the edit form, as if the button were there.
    response = client.post(
        reverse("wagtailadmin_pages:edit", args=[campaign.pk]), form(tutorial, **{"action-publish": "publish"})
    )
    assert response.status_code == 302
    assert not CampaignPage.objects.get(pk=campaign.pk).live


def test_officer_sees_submit_not_publish(client, index, tutorial, officer):
    campaign = draft(index, tutorial, owner=officer)
    client.force_login(officer)
    html = client.get(reverse("wagtailadmin_pages:edit", args=[campaign.pk])).content.decode()
    assert 'name="action-submit"' in html
    assert 'name="action-publish"' not in html


def test_officer_cannot_unpublish_or_bulk_publish(client, index, tutorial, officer):
    live = draft(index, tutorial, live=True)
    waiting = draft(index, tutorial)
    client.force_login(officer)
    client.post(reverse("wagtailadmin_pages:unpublish", args=[live.pk]))
    assert CampaignPage.objects.get(pk=live.pk).live
    client.post(f"/admin/bulk/wagtailcore/page/publish/?id={waiting.pk}", {})
    assert not CampaignPage.objects.get(pk=waiting.pk).live
    client.post(reverse("wagtailadmin_pages:delete", args=[live.pk]))
    assert CampaignPage.objects.filter(pk=live.pk, live=True).exists()


def test_officer_cannot_move_a_live_campaign_into_the_section_by_copying(client, index, tutorial, officer):
    live = draft(index, tutorial, live=True)
    client.force_login(officer)
    client.post(
        reverse("wagtailadmin_pages:copy", args=[live.pk]),
        {"new_title": "Bản sao", "new_slug": "ban-sao", "new_parent_page": index.pk, "publish_copies": "on"},
    )
    copy = CampaignPage.objects.filter(slug="ban-sao").first()
    assert copy is None or not copy.live


def submit(client, campaign, tutorial):
    response = client.post(
        reverse("wagtailadmin_pages:edit", args=[campaign.pk]),
        form(tutorial, slug=campaign.slug, title=campaign.title, **{"action-submit": "submit"}),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    return WorkflowState.objects.get(object_id=str(campaign.pk), status=WorkflowState.STATUS_IN_PROGRESS)


def approve_url(campaign, state):
    return reverse("wagtailadmin_pages:workflow_action", args=[campaign.pk, "approve", state.current_task_state.pk])


def test_submitted_by_an_officer_approved_by_the_lead(client, index, tutorial, officer, lead):
    campaign = draft(index, tutorial, owner=officer)
    client.force_login(officer)
    state = submit(client, campaign, tutorial)
    assert state.workflow.name == CAMPAIGN_WORKFLOW
    # The officer cannot approve it by calling the lead's URL.
    client.post(approve_url(campaign, state), {})
    assert not CampaignPage.objects.get(pk=campaign.pk).live
    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_IN_PROGRESS

    client.force_login(lead)
    response = client.post(approve_url(campaign, state), {"comment": "Đồng ý"})
    assert response.status_code == 302
    campaign = CampaignPage.objects.get(pk=campaign.pk)
    assert campaign.live
    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_APPROVED
    assert client.get("/").content.decode().count(campaign.title) >= 1


def test_the_lead_may_publish_directly(client, index, tutorial, lead):
    client.force_login(lead)
    url = reverse("wagtailadmin_pages:add", args=["outreach", "campaignpage", index.pk])
    response = client.post(url, form(tutorial, **{"action-publish": "publish"}))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert CampaignPage.objects.get(slug="lam-thu-tuc-tren-mang").live


def test_other_sections_keep_their_rules(client, home_page, officer):
    """Standard pages are not under the campaign workflow: the officer publishes them as before."""
    client.force_login(officer)
    response = client.post(
        reverse("wagtailadmin_pages:add", args=["home", "standardpage", home_page.pk]),
        {"title": "Liên hệ", "slug": "lien-he", "introduction": "", "body": rich_text(""), "action-publish": "publish"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert StandardPage.objects.get(slug="lien-he").live


# Scheduled publishing ------------------------------------------------------------------------------


def test_approved_campaign_with_go_live_and_expiry_is_published_and_unpublished_by_the_beat_task(
    client, index, tutorial, officer, lead
):
    from outreach.tasks import scheduled_pages_publish

    now = timezone.now()
    campaign = draft(index, tutorial, owner=officer)
    client.force_login(officer)
    state = submit_with_dates(client, campaign, tutorial, now + datetime.timedelta(hours=1))
    client.force_login(lead)
    client.post(approve_url(campaign, state), {})
    campaign = CampaignPage.objects.get(pk=campaign.pk)
    assert not campaign.live  # approved, scheduled for its go-live time
    revision = campaign.scheduled_revision
    assert revision is not None

    scheduled_pages_publish()
    assert not CampaignPage.objects.get(pk=campaign.pk).live  # not yet

    # The go-live time comes (the revision is moved back in time rather than the clock forward).
    past = now - datetime.timedelta(minutes=1)
    revision.content["go_live_at"] = past.isoformat()
    revision.approved_go_live_at = past
    revision.save(update_fields=["content", "approved_go_live_at"])
    scheduled_pages_publish()
    campaign = CampaignPage.objects.get(pk=campaign.pk)
    assert campaign.live
    assert campaign.title in client.get("/").content.decode()

    CampaignPage.objects.filter(pk=campaign.pk).update(expire_at=now - datetime.timedelta(minutes=1))
    scheduled_pages_publish()
    campaign = CampaignPage.objects.get(pk=campaign.pk)
    assert not campaign.live and campaign.expired
    assert campaign.title not in client.get("/").content.decode()


def submit_with_dates(client, campaign, tutorial, go_live_at):
    response = client.post(
        reverse("wagtailadmin_pages:edit", args=[campaign.pk]),
        form(
            tutorial,
            slug=campaign.slug,
            title="Chiến dịch hẹn giờ",
            go_live_at=timezone.localtime(go_live_at).strftime("%Y-%m-%d %H:%M"),
            **{"action-submit": "submit"},
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    return WorkflowState.objects.get(object_id=str(campaign.pk), status=WorkflowState.STATUS_IN_PROGRESS)


@pytest.mark.worker
@WORKER_DB
def test_the_worker_publishes_and_unpublishes_a_scheduled_campaign(celery_worker, index, tutorial):
    """The beat task through the broker, in the worker process."""
    from outreach.tasks import scheduled_pages_publish

    past = timezone.now() - datetime.timedelta(minutes=1)
    campaign = draft(index, tutorial)
    revision = campaign.save_revision(approved_go_live_at=past)
    scheduled_pages_publish.delay().get(timeout=60)
    campaign = CampaignPage.objects.get(pk=campaign.pk)
    assert campaign.live and campaign.is_running()
    CampaignPage.objects.filter(pk=campaign.pk).update(expire_at=past)
    scheduled_pages_publish.delay().get(timeout=60)
    assert not CampaignPage.objects.get(pk=campaign.pk).live
    assert revision.pk
