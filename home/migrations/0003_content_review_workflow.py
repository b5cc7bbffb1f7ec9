"""Content review: Wagtail's default "Moderators approval" workflow (its group has nobody, so only a
superuser could ever approve) is replaced on the root by "Duyệt nội dung", approved by the
communications leads. Tutorials, courses and standard pages inherit it; campaigns keep their own
(outreach 0008_campaign_workflow, on the campaign index). Officers may still publish those pages
directly; submitting one for review now reaches someone who can approve it.

The default workflow and its task are deleted when nothing ever went through them, otherwise
deactivated. Names are frozen here.
"""

from django.db import migrations

WORKFLOW = "Duyệt nội dung"
TASK = "Trưởng nhóm truyền thông duyệt nội dung"
COMMUNICATIONS_LEAD = "Trưởng nhóm truyền thông"
DEFAULT = "Moderators approval"


def replace_default_workflow(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Group = apps.get_model("auth", "Group")
    Page = apps.get_model("wagtailcore", "Page")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    WorkflowState = apps.get_model("wagtailcore", "WorkflowState")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    TaskState = apps.get_model("wagtailcore", "TaskState")

    lead = Group.objects.get(name=COMMUNICATIONS_LEAD)
    content_type, _ = ContentType.objects.get_or_create(app_label="wagtailcore", model="groupapprovaltask")
    task = GroupApprovalTask.objects.filter(name=TASK).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=TASK, content_type=content_type, active=True)
    task.groups.set([lead])
    workflow, _ = Workflow.objects.get_or_create(name=WORKFLOW, defaults={"active": True})
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})

    defaults = list(Workflow.objects.filter(name=DEFAULT))
    WorkflowPage.objects.filter(workflow__in=defaults).update(workflow=workflow)
    root = Page.objects.filter(depth=1).first()
    if root is not None:
        WorkflowPage.objects.get_or_create(page_id=root.pk, defaults={"workflow": workflow})
    for old in defaults:
        if WorkflowState.objects.filter(workflow=old).exists():
            Workflow.objects.filter(pk=old.pk).update(active=False)
        else:
            old.delete()
    for old in GroupApprovalTask.objects.filter(name=DEFAULT):
        if TaskState.objects.filter(task_id=old.pk).exists():
            GroupApprovalTask.objects.filter(pk=old.pk).update(active=False)
        else:
            old.delete()


def restore_default_workflow(apps, schema_editor):
    # The default is not recreated: Wagtail's migration 0048 would have to run again. Only ours goes.
    Workflow = apps.get_model("wagtailcore", "Workflow")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    Workflow.objects.filter(name=WORKFLOW).delete()
    GroupApprovalTask.objects.filter(name=TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("home", "0002_ascii_page_slugs"),
        ("accounts", "0007_communications_lead"),
        ("outreach", "0008_campaign_workflow"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(replace_default_workflow, restore_default_workflow)]
