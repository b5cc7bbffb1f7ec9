"""The helper role (``Hỗ trợ viên``, docs/roles.md): a civil servant at a commune's one-stop counter.

Least privilege: one permission, ``courses.assist_citizens`` (run assisted sessions on the site); no
admin access, no model permission. The training office gets ``courses.manage_helpers``: it gives and
takes away this one role (``/learn/assisted/helpers/``), nothing else of anyone's roles. Created here, next to the permission it holds (as insights creates the
leaders' group); the name is also in ``accounts.roles.HELPER``.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

HELPER = "Hỗ trợ viên"
TRAINING_ADMINISTRATOR = "Quản trị đào tạo"


def create_role(apps, schema_editor):
    app_config = apps.get_app_config("courses")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name=HELPER)
    permission = Permission.objects.get(content_type__app_label="courses", codename="assist_citizens")
    group.permissions.add(permission)
    office = Group.objects.filter(name=TRAINING_ADMINISTRATOR).first()
    if office is not None:
        office.permissions.add(Permission.objects.get(content_type__app_label="courses", codename="manage_helpers"))


def delete_role(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name=HELPER, user__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0011_assisted_sessions"),
        ("accounts", "0002_roles"),
    ]

    operations = [migrations.RunPython(create_role, delete_role)]
