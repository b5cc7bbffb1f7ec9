"""The home and standard pages move from outreach to home, keeping their tables and page rows.

State only for the models (``db_table`` keeps ``outreach_homepage`` and ``outreach_standardpage``);
the pages' content types are renamed in place, so every page row, revision, permission and search
index entry that names them keeps its content type id.
"""

import django.db.models.deletion
import wagtail.fields
from django.conf import settings
from django.db import migrations, models

import core.search

MOVED = ("homepage", "standardpage")


def content_types_move(apps, schema_editor, source="outreach", target="home"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MOVED:
        # A content type already made for the target (a post_migrate run in between) would clash.
        if ContentType.objects.using(db).filter(app_label=target, model=model).exists():
            stale = ContentType.objects.using(db).filter(app_label=source, model=model)
            if stale.exists():
                raise RuntimeError(f"Both {source}.{model} and {target}.{model} content types exist")
            continue
        ContentType.objects.using(db).filter(app_label=source, model=model).update(app_label=target)


def content_types_back(apps, schema_editor):
    content_types_move(apps, schema_editor, source="home", target="outreach")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("outreach", "0010_campaign_permissions"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailimages", "0027_image_description"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="StandardPage",
                    fields=[
                        (
                            "page_ptr",
                            models.OneToOneField(
                                auto_created=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                parent_link=True,
                                primary_key=True,
                                serialize=False,
                                to=settings.WAGTAIL_PAGE_MODEL,
                            ),
                        ),
                        ("introduction", models.TextField(blank=True, verbose_name="introduction")),
                        ("body", wagtail.fields.RichTextField(blank=True, verbose_name="body")),
                    ],
                    options={"verbose_name": "standard page", "db_table": "outreach_standardpage"},
                    bases=(core.search.FoldedSearchMixin, "wagtailcore.page"),
                ),
                migrations.CreateModel(
                    name="HomePage",
                    fields=[
                        (
                            "page_ptr",
                            models.OneToOneField(
                                auto_created=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                parent_link=True,
                                primary_key=True,
                                serialize=False,
                                to=settings.WAGTAIL_PAGE_MODEL,
                            ),
                        ),
                        ("hero_title", models.CharField(max_length=200, verbose_name="hero title")),
                        ("hero_text", models.TextField(blank=True, verbose_name="hero text")),
                        ("body", wagtail.fields.RichTextField(blank=True, verbose_name="body")),
                        (
                            "hero_image",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="wagtailimages.image",
                                verbose_name="hero image",
                            ),
                        ),
                    ],
                    options={"verbose_name": "home page", "db_table": "outreach_homepage"},
                    bases=(core.search.FoldedSearchMixin, "wagtailcore.page"),
                ),
            ],
        ),
        migrations.RunPython(content_types_move, content_types_back),
    ]
