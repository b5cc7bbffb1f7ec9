"""Create the five roles as groups, with their permissions.

Group names are frozen here (accounts.roles holds the same names for code).
Permissions are normally created after migrations run; they are created
here first so that a fresh database gets complete roles in one migrate.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

COMMUNICATIONS_STAFF = "Cán bộ truyền thông"
TRAINING_ADMINISTRATOR = "Quản trị đào tạo"
UNIT_MANAGER = "Quản lý đơn vị"
CIVIL_SERVANT = "Cán bộ, công chức"
CITIZEN = "Người dân"

MODEL_PERMISSIONS = {
    COMMUNICATIONS_STAFF: [("wagtailadmin", "admin", "access_admin")],
    TRAINING_ADMINISTRATOR: [
        ("wagtailadmin", "admin", "access_admin"),
        ("accounts", "organisationunit", "add_organisationunit"),
        ("accounts", "organisationunit", "change_organisationunit"),
        ("accounts", "organisationunit", "delete_organisationunit"),
        ("accounts", "organisationunit", "view_organisationunit"),
    ],
    UNIT_MANAGER: [],
    CIVIL_SERVANT: [],
    CITIZEN: [],
}
# Communications staff edit and publish every page of the site.
PAGE_PERMISSIONS = {
    COMMUNICATIONS_STAFF: ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"],
}
# ... and manage images and documents in the root collection.
COLLECTION_PERMISSIONS = {
    COMMUNICATIONS_STAFF: [
        ("wagtailimages", "image", "add_image"),
        ("wagtailimages", "image", "change_image"),
        ("wagtailimages", "image", "choose_image"),
        ("wagtaildocs", "document", "add_document"),
        ("wagtaildocs", "document", "change_document"),
        ("wagtaildocs", "document", "choose_document"),
    ],
}


def _permission(apps, app_label, model, codename):
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename=codename, defaults={"name": codename.replace("_", " ")}
    )
    return permission


def create_roles(apps, schema_editor):
    for label in ("accounts", "wagtailadmin", "wagtailcore", "wagtailimages", "wagtaildocs"):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Page = apps.get_model("wagtailcore", "Page")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")

    root_page = Page.objects.filter(depth=1).first()
    root_collection = Collection.objects.filter(depth=1).first()

    for name, permissions in MODEL_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, model, codename in permissions:
            group.permissions.add(_permission(apps, app_label, model, codename))
        for codename in PAGE_PERMISSIONS.get(name, []):
            if root_page is not None:
                GroupPagePermission.objects.get_or_create(
                    group=group, page=root_page, permission=_permission(apps, "wagtailcore", "page", codename)
                )
        for app_label, model, codename in COLLECTION_PERMISSIONS.get(name, []):
            if root_collection is not None:
                GroupCollectionPermission.objects.get_or_create(
                    group=group,
                    collection=root_collection,
                    permission=_permission(apps, app_label, model, codename),
                )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=list(MODEL_PERMISSIONS)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailadmin", "0006_formstate"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
