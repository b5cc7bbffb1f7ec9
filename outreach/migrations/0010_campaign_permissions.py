"""Communications staff build audience segments, write campaign messages, send them and read the results."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "Cán bộ truyền thông": [
        "view_audiencesegment",
        "add_audiencesegment",
        "change_audiencesegment",
        "delete_audiencesegment",
        "view_campaignmessage",
        "add_campaignmessage",
        "change_campaignmessage",
        "send_campaignmessage",
    ],
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("outreach")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.add(
                *Permission.objects.filter(content_type__app_label="outreach", codename__in=codenames)
            )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name, codenames in GRANTS.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.remove(
                *group.permissions.filter(content_type__app_label="outreach", codename__in=codenames)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0009_campaign_audiences_messages_tracking"),
        ("accounts", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
