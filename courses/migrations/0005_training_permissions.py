"""Permissions of mandatory training for the training administrators' role.

They manage training requirements, see and correct assignments (corrections
go through the admin's correction views, which keep who, when and why), see
extension requests and the history of every assignment.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "Quản trị đào tạo": [
        "view_trainingrequirement",
        "add_trainingrequirement",
        "change_trainingrequirement",
        "view_assignment",
        "change_assignment",
        "view_assignmentevent",
        "view_extensionrequest",
    ],
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("courses")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.add(*Permission.objects.filter(content_type__app_label="courses", codename__in=codenames))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name, codenames in GRANTS.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.remove(
                *group.permissions.filter(content_type__app_label="courses", codename__in=codenames)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0004_mandatory_training"),
        ("accounts", "0004_roster_permissions"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
