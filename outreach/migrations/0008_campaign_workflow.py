"""Campaign moderation: a workflow whose one task is the communications leads' approval.

It is assigned to every campaign index (so it applies to every campaign), and the lead group
gets its page permissions there. A campaign index created later is set up the same way
(outreach.moderation.campaign_section_setup). Names are frozen here.
"""

from django.db import migrations

WORKFLOW = "Duyệt chiến dịch truyền thông"
TASK = "Trưởng nhóm truyền thông duyệt"
COMMUNICATIONS_LEAD = "Trưởng nhóm truyền thông"
LEAD_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page", "lock_page", "unlock_page")


def create_workflow(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    CampaignIndexPage = apps.get_model("outreach", "CampaignIndexPage")

    lead = Group.objects.get(name=COMMUNICATIONS_LEAD)
    content_type, _ = ContentType.objects.get_or_create(app_label="wagtailcore", model="groupapprovaltask")
    task = GroupApprovalTask.objects.filter(name=TASK).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=TASK, content_type=content_type, active=True)
    task.groups.add(lead)
    workflow, _ = Workflow.objects.get_or_create(name=WORKFLOW, defaults={"active": True})
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})

    permissions = list(
        Permission.objects.filter(content_type__app_label="wagtailcore", codename__in=LEAD_PAGE_PERMISSIONS)
    )
    for index in CampaignIndexPage.objects.all():
        WorkflowPage.objects.get_or_create(page_id=index.pk, defaults={"workflow": workflow})
        for permission in permissions:
            GroupPagePermission.objects.get_or_create(group=lead, page_id=index.pk, permission=permission)


def remove_workflow(apps, schema_editor):
    Workflow = apps.get_model("wagtailcore", "Workflow")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupPagePermission.objects.filter(group__name=COMMUNICATIONS_LEAD).delete()
    Workflow.objects.filter(name=WORKFLOW).delete()
    GroupApprovalTask.objects.filter(name=TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0007_campaign_short_code"),
        ("accounts", "0007_communications_lead"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(create_workflow, remove_workflow)]
