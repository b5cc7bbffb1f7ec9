"""Permissions of learning packages (SCORM, H5P) for the training office and communications staff.

Both upload packages, rename and delete them; communications staff choose them in lessons.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = ["view_learningpackage", "add_learningpackage", "change_learningpackage", "delete_learningpackage"]
GRANTS = {"Quản trị đào tạo": CODENAMES, "Cán bộ truyền thông": CODENAMES}


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
        ("courses", "0015_learning_packages"),
        ("accounts", "0004_roster_permissions"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
