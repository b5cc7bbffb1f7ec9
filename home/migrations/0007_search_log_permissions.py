"""Communications staff read the report "What citizens search" and manage promoted results.

Grants ``home.view_searchqueryday`` and Wagtail's add/change/delete ``searchpromotion`` to the
communications staff group (accounts.0002_roles). Superusers have every permission anyway.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

COMMUNICATIONS_STAFF = "Cán bộ truyền thông"
GRANTS = {
    "home": ["view_searchqueryday"],
    "wagtailsearchpromotions": ["add_searchpromotion", "change_searchpromotion", "delete_searchpromotion"],
}


def _permissions(apps):
    Permission = apps.get_model("auth", "Permission")
    for label in GRANTS:
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    return [
        permission
        for label, codenames in GRANTS.items()
        for permission in Permission.objects.filter(content_type__app_label=label, codename__in=codenames)
    ]


def grant(apps, schema_editor):
    group = apps.get_model("auth", "Group").objects.filter(name=COMMUNICATIONS_STAFF).first()
    if group is not None:
        group.permissions.add(*_permissions(apps))


def revoke(apps, schema_editor):
    group = apps.get_model("auth", "Group").objects.filter(name=COMMUNICATIONS_STAFF).first()
    if group is not None:
        for label, codenames in GRANTS.items():
            group.permissions.remove(*group.permissions.filter(content_type__app_label=label, codename__in=codenames))


class Migration(migrations.Migration):
    dependencies = [
        ("home", "0006_search_query_day"),
        ("accounts", "0002_roles"),
        ("wagtailsearchpromotions", "0008_query_verbose_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
