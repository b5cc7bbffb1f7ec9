"""The admin names no data in English: Wagtail's root page and root collection are "Gốc", and Wagtail's
own "Editors" and "Moderators" groups go when nobody is in them.

Those two groups come from Wagtail's migrations; this project's roles are its own groups
(docs/roles.md), so the pair was unused and only showed in the group lists and permission screens
as the admin's last English words. A group somebody was put into is kept. Names are frozen here.
"""

from django.db import migrations

ROOT = "Gốc"
WAGTAIL_GROUPS = ("Editors", "Moderators")


def names_in_vietnamese(apps, schema_editor):
    Page = apps.get_model("wagtailcore", "Page")
    Collection = apps.get_model("wagtailcore", "Collection")
    Group = apps.get_model("auth", "Group")
    Page.objects.filter(depth=1, title="Root").update(title=ROOT, draft_title=ROOT)
    Collection.objects.filter(depth=1, name="Root").update(name=ROOT)
    Group.objects.filter(name__in=WAGTAIL_GROUPS, user__isnull=True).delete()


def names_in_english(apps, schema_editor):
    # The root's names come back; the empty groups do not (Wagtail's migrations would have to run again).
    Page = apps.get_model("wagtailcore", "Page")
    Collection = apps.get_model("wagtailcore", "Collection")
    Page.objects.filter(depth=1, title=ROOT).update(title="Root", draft_title="Root")
    Collection.objects.filter(depth=1, name=ROOT).update(name="Root")


class Migration(migrations.Migration):
    dependencies = [
        ("home", "0003_content_review_workflow"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
    ]

    operations = [migrations.RunPython(names_in_vietnamese, names_in_english)]
