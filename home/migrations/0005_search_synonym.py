"""Site search: the synonyms editors keep (communications officers manage them; least privilege leaves the
leads, who approve, out) and the index table site search reads; on PostgreSQL a generated tsvector column with
a GIN index. Typos are corrected from an in-process vocabulary on both databases (home/search/typos.py), so
no trigram index is kept. The index is filled after ``migrate`` (home.apps: entries missing or of an older
folding are written). Group names are frozen here.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

COMMUNICATIONS_GROUPS = ("Cán bộ truyền thông",)
ACTIONS = ("add", "change", "delete", "view")

POSTGRESQL_INDEX = [
    "ALTER TABLE home_searchentry ADD COLUMN document tsvector"
    " GENERATED ALWAYS AS (to_tsvector('simple', text_words)) STORED",
    "CREATE INDEX home_searchentry_document_gin ON home_searchentry USING gin (document)",
]


def grant_synonyms(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    content_type, _ = ContentType.objects.get_or_create(app_label="home", model="searchsynonym")
    permissions = [
        Permission.objects.get_or_create(
            content_type=content_type,
            codename=f"{action}_searchsynonym",
            defaults={"name": f"Can {action} search synonym"},
        )[0]
        for action in ACTIONS
    ]
    for name in COMMUNICATIONS_GROUPS:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*permissions)


def revoke_synonyms(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=COMMUNICATIONS_GROUPS):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="home", codename__endswith="_searchsynonym")
        )


def postgresql_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in POSTGRESQL_INDEX:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_communications_lead"),
        ("home", "0004_vietnamese_default_names"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchEntry",
            fields=[
                (
                    "page",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="search_entry",
                        serialize=False,
                        to=settings.WAGTAIL_PAGE_MODEL,
                    ),
                ),
                ("title", models.CharField(max_length=255)),
                ("summary", models.TextField(blank=True)),
                ("title_words", models.TextField()),
                ("text_words", models.TextField()),
                ("weight", models.SmallIntegerField(default=0)),
                ("fold_version", models.SmallIntegerField(default=0)),
            ],
            options={
                "verbose_name": "search entry",
                "verbose_name_plural": "search entries",
            },
        ),
        migrations.CreateModel(
            name="SearchSynonym",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "term",
                    models.CharField(
                        help_text="As citizens type it, for example “cccd”.", max_length=100, verbose_name="term"
                    ),
                ),
                (
                    "meaning",
                    models.CharField(
                        help_text="What it means, for example “căn cước công dân”. Several meanings: separate them with commas.",
                        max_length=255,
                        verbose_name="meaning",
                    ),
                ),
                ("term_folded", models.CharField(editable=False, max_length=100)),
            ],
            options={
                "verbose_name": "search synonym",
                "verbose_name_plural": "search synonyms",
                "ordering": ["term_folded"],
                "constraints": [
                    models.UniqueConstraint(fields=("term_folded",), name="home_searchsynonym_term_folded_unique")
                ],
            },
        ),
        migrations.RunPython(grant_synonyms, revoke_synonyms),
        migrations.RunPython(postgresql_index, migrations.RunPython.noop),
    ]
