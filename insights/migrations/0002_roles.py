"""Who sees the operations dashboard (docs/roles.md).

- Leaders (new group ``Lãnh đạo``): the admin, the dashboard, the whole province; small groups suppressed.
- Training administrators: the dashboard, the whole province, small groups unsuppressed (the training office).
- Unit managers: the admin and the dashboard, for the units they manage only (the scope comes from
  ``OrganisationUnit.managers``, not from the permission); small groups suppressed.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

LEADER = "Lãnh đạo"
GRANTS = {
    LEADER: [("wagtailadmin", "access_admin"), ("insights", "view_dashboard"), ("insights", "view_province")],
    "Quản trị đào tạo": [
        ("insights", "view_dashboard"),
        ("insights", "view_province"),
        ("insights", "view_small_figures"),
    ],
    "Quản lý đơn vị": [("wagtailadmin", "access_admin"), ("insights", "view_dashboard")],
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("insights")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Group.objects.get_or_create(name=LEADER)
    for name, permissions in GRANTS.items():
        group = Group.objects.filter(name=name).first()
        if group is None:
            continue
        for app_label, codename in permissions:
            permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if permission is not None:
                group.permissions.add(permission)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name, permissions in GRANTS.items():
        group = Group.objects.filter(name=name).first()
        if group is None:
            continue
        for app_label, codename in permissions:
            group.permissions.remove(*group.permissions.filter(content_type__app_label=app_label, codename=codename))
    Group.objects.filter(name=LEADER, user__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("insights", "0001_dashboard_permissions"),
        ("accounts", "0002_roles"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
