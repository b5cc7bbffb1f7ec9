"""Permissions of the learning layer for the roles created in accounts.0002_roles.

Communications staff: public services, and the "Was this helpful?" report.
Training administrators: see certificates and revoke them.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "Cán bộ truyền thông": ["view_feedback", "view_publicservice", "add_publicservice", "change_publicservice"],
    "Quản trị đào tạo": ["view_certificate", "change_certificate", "view_feedback"],
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
        ("courses", "0002_learning_content_and_progress"),
        ("accounts", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
