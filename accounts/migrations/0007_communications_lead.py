"""The communications lead role: approves and publishes campaigns.

The group gets admin access and may choose images (to correct a campaign before approving it).
Its page permissions (add, change, publish, lock, unlock) are on the campaign index only, granted
where that page lives: outreach 0008_campaign_workflow, and whenever a campaign index is created
(outreach.moderation.campaign_section_setup). The group name is frozen here.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

COMMUNICATIONS_LEAD = "Trưởng nhóm truyền thông"


def _permission(apps, app_label, model, codename):
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename=codename, defaults={"name": codename.replace("_", " ")}
    )
    return permission


def create_lead(apps, schema_editor):
    for label in ("wagtailadmin", "wagtailimages"):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    group, _ = Group.objects.get_or_create(name=COMMUNICATIONS_LEAD)
    group.permissions.add(_permission(apps, "wagtailadmin", "admin", "access_admin"))
    root_collection = Collection.objects.filter(depth=1).first()
    if root_collection is not None:
        GroupCollectionPermission.objects.get_or_create(
            group=group,
            collection=root_collection,
            permission=_permission(apps, "wagtailimages", "image", "choose_image"),
        )


def remove_lead(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=COMMUNICATIONS_LEAD).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_roster_import_updated_at"),
    ]

    operations = [migrations.RunPython(create_lead, remove_lead)]
