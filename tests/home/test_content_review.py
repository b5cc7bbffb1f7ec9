"""Content review (issue 13): every page type gets a workflow whose approvers exist, and an officer's
submitted tutorial is approved by a communications lead and goes live (home 0003_content_review_workflow)."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import GroupApprovalTask, Page, Task, Workflow, WorkflowState
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from accounts import roles
from courses.models import TutorialPage
from home.models import StandardPage
from home.moderation import CONTENT_WORKFLOW
from tests.accounts.factories import UserFactory
from tests.courses.factories import tutorial_create, tutorial_index_create

pytestmark = pytest.mark.django_db


def role_groups():
    from insights.roles import LEADER

    return {*roles.ALL, LEADER}


def test_no_workflow_task_waits_for_a_group_that_is_not_a_role():
    """Every active task of an active workflow is approved by role groups, never Wagtail's empty Moderators."""
    tasks = Task.objects.filter(active=True, workflow_tasks__workflow__active=True).distinct().specific()
    assert tasks, "no active workflow task at all"
    for task in tasks:
        assert isinstance(task, GroupApprovalTask), task
        names = set(task.groups.values_list("name", flat=True))
        assert names, f"{task} has no approver group"
        assert names <= role_groups(), f"{task}: {names - role_groups()} are not role groups"
    assert not Workflow.objects.filter(name="Moderators approval", active=True).exists()


def test_every_page_type_is_under_a_workflow_whose_approvers_exist(home_page):
    UserFactory(lead=True)
    tutorial = tutorial_create(tutorial_index_create(home_page), "Khai sinh")
    for page in (home_page, tutorial):
        workflow = page.get_workflow()
        assert workflow is not None and workflow.name == CONTENT_WORKFLOW
        for task in workflow.tasks.specific():
            assert task.groups.filter(user__is_active=True).exists()
    assert Page.objects.get(depth=1).get_workflow().name == CONTENT_WORKFLOW


def _tutorial_form(tutorial, **extra):
    return nested_form_data(
        {
            "title": tutorial.title,
            "slug": tutorial.slug,
            "summary": "Làm giấy khai sinh trên Cổng dịch vụ công.",
            "audience": "everyone",
            "estimated_minutes": "5",
            "difficulty": "basic",
            "public_service": "",
            "tags": "",
            "body": streamfield([]),
            **extra,
        }
    )


def test_an_officer_submits_a_tutorial_and_a_lead_approves_it_live(client, home_page):
    officer = UserFactory(officer=True)
    lead = UserFactory(lead=True)
    index = tutorial_index_create(home_page)
    tutorial = TutorialPage(title="Khai sinh cho con", slug="khai-sinh-cho-con", summary="Tóm tắt.", live=False)
    Page.objects.get(pk=index.pk).add_child(instance=tutorial)
    client.force_login(officer)
    edit = reverse("wagtailadmin_pages:edit", args=[tutorial.pk])
    assert "Duyệt nội dung" in client.get(edit).content.decode()
    assert "Moderators approval" not in client.get(edit).content.decode()
    response = client.post(edit, _tutorial_form(tutorial, **{"action-submit": "submit"}))
    assert response.status_code == 302, response.content.decode()[:3000]
    state = WorkflowState.objects.get(object_id=str(tutorial.pk), status=WorkflowState.STATUS_IN_PROGRESS)
    assert state.workflow.name == CONTENT_WORKFLOW
    approve = reverse("wagtailadmin_pages:workflow_action", args=[tutorial.pk, "approve", state.current_task_state.pk])
    # The officer cannot approve it.
    client.post(approve, {})
    assert not TutorialPage.objects.get(pk=tutorial.pk).live

    client.force_login(lead)
    assert tutorial.title in client.get(reverse("wagtailadmin_home")).content.decode()  # awaiting their review
    response = client.post(approve, {"comment": "Đồng ý"})
    assert response.status_code == 302
    assert TutorialPage.objects.get(pk=tutorial.pk).live
    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_APPROVED


def test_officers_still_publish_standard_pages_directly(client, home_page):
    client.force_login(UserFactory(officer=True))
    response = client.post(
        reverse("wagtailadmin_pages:add", args=["home", "standardpage", home_page.pk]),
        {"title": "Liên hệ", "slug": "lien-he", "introduction": "", "body": rich_text(""), "action-publish": "publish"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert StandardPage.objects.get(slug="lien-he").live


def test_the_lead_group_exists_for_the_workflow():
    assert Group.objects.filter(name=roles.COMMUNICATIONS_LEAD).exists()
