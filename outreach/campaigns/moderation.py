"""Editorial moderation of campaigns: officers submit, communications leads approve and publish.

Communications staff hold Wagtail's publish permission on the whole site (accounts 0002_roles),
and Wagtail permissions only add up down the tree. Campaign pages therefore ask for more: the
publish permission counts on the campaign section only when it was granted on the campaign
index (or inside it), which only the communications lead group is (``campaign_section_setup``).
Everything in Wagtail that publishes, unpublishes, schedules, moves or copies a live page into
the section asks the page's ``permissions_for_user`` tester, so an officer is refused there too.

Campaigns go through the workflow ``CAMPAIGN_WORKFLOW`` (created by migration
outreach 0008_campaign_workflow), whose one task is the lead group's approval; approving it
publishes the campaign (or schedules it, when it has a go-live date).
"""

from typing import Any

from django.contrib.auth.models import Group, Permission
from wagtail.models import GroupPagePermission, Page, PagePermissionTester, Workflow, WorkflowPage

from accounts import roles

# Frozen in outreach/migrations/0008_campaign_workflow.py too.
CAMPAIGN_WORKFLOW = "Duyệt chiến dịch truyền thông"
CAMPAIGN_TASK = "Trưởng nhóm truyền thông duyệt"
LEAD_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page", "lock_page", "unlock_page")


class CampaignPermissionTester(PagePermissionTester):
    """Wagtail's tester, with "publish" only when granted on the campaign section itself."""

    def __init__(self, user: Any, page: Page, *, section_path: str) -> None:
        """``section_path``: the tree path of the campaign index ``page`` belongs to (its own for the index)."""
        super().__init__(user, page)
        if not self.user.is_active or self.user.is_superuser or "publish" not in self.permissions:
            return
        section = section_path
        granted_here = any(
            perm.permission.codename == "publish_page"
            and perm.page.path.startswith(section)
            and page.path.startswith(perm.page.path)
            for perm in self.permission_policy.get_cached_permissions_for_user(user)
        )
        if not granted_here:
            self.permissions = self.permissions - {"publish"}


def campaign_section_setup(*, index: Page) -> None:
    """Moderate the campaigns under ``index``: the campaign workflow, and the leads' permissions.

    Idempotent; runs when a campaign index is created (``outreach.apps``) and from the migration.
    """
    workflow = Workflow.objects.filter(name=CAMPAIGN_WORKFLOW, active=True).first()
    if workflow is not None:
        WorkflowPage.objects.get_or_create(page_id=index.pk, defaults={"workflow": workflow})
    lead = Group.objects.filter(name=roles.COMMUNICATIONS_LEAD).first()
    if lead is not None:
        for permission in Permission.objects.filter(
            content_type__app_label="wagtailcore", codename__in=LEAD_PAGE_PERMISSIONS
        ):
            GroupPagePermission.objects.get_or_create(group=lead, page_id=index.pk, permission=permission)


def campaign_index_created(sender: type, instance: Page, created: bool, raw: bool = False, **kwargs: Any) -> None:
    """post_save of CampaignIndexPage: set up moderation of a new campaign section."""
    if created and not raw:
        campaign_section_setup(index=instance)
