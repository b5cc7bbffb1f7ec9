"""The LTI 1.3 tool's tables (docs/lti.md), and its one permission for the training office.

``courses.manage_lti`` (register platforms, see their courses' members) goes to the training office
(``Quản trị đào tạo``, docs/roles.md); superusers have it anyway.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

TRAINING_ADMINISTRATOR = "Quản trị đào tạo"


def grant_office(apps, schema_editor):
    app_config = apps.get_app_config("courses")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    office = Group.objects.filter(name=TRAINING_ADMINISTRATOR).first()
    if office is not None:
        office.permissions.add(Permission.objects.get(content_type__app_label="courses", codename="manage_lti"))


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0016_badge_status_entry"),
        ("accounts", "0002_roles"),
        ("lti_tool", "0008_ltideployment_pns_url_and_more"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        migrations.swappable_dependency(settings.WAGTAIL_PAGE_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="LtiAccount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("issuer", models.CharField(max_length=255, verbose_name="issuer")),
                ("subject", models.CharField(max_length=255, verbose_name="subject (sub)")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="created at")),
                ("last_launch_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="last launch")),
                (
                    "registration",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="lti_tool.ltiregistration",
                        verbose_name="platform",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="lti_accounts",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="person",
                    ),
                ),
            ],
            options={
                "verbose_name": "LTI account",
                "verbose_name_plural": "LTI accounts",
                "permissions": [("manage_lti", "Can manage LTI platforms")],
            },
        ),
        migrations.CreateModel(
            name="LtiEntryTicket",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("token_hash", models.CharField(max_length=64, unique=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("expires_at", models.DateTimeField()),
                ("used_at", models.DateTimeField(blank=True, null=True)),
                (
                    "page",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to=settings.WAGTAIL_PAGE_MODEL
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={
                "verbose_name": "LTI entry ticket",
                "verbose_name_plural": "LTI entry tickets",
            },
        ),
        migrations.CreateModel(
            name="LtiGradeTarget",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("lineitem_url", models.URLField(max_length=1000, verbose_name="line item")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "account",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="grade_targets",
                        to="courses.ltiaccount",
                    ),
                ),
                (
                    "course",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="courses.coursepage"
                    ),
                ),
                (
                    "registration",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="lti_tool.ltiregistration"
                    ),
                ),
            ],
            options={
                "verbose_name": "LTI grade target",
                "verbose_name_plural": "LTI grade targets",
            },
        ),
        migrations.CreateModel(
            name="LtiScore",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("score_given", models.FloatField()),
                ("score_maximum", models.FloatField()),
                ("completed_at", models.DateTimeField()),
                ("sent_at", models.DateTimeField(blank=True, null=True)),
                ("attempts", models.PositiveIntegerField(default=0)),
                ("last_error", models.TextField(blank=True)),
                (
                    "enrolment",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="courses.enrolment"
                    ),
                ),
                (
                    "target",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="scores", to="courses.ltigradetarget"
                    ),
                ),
            ],
            options={
                "verbose_name": "LTI score",
                "verbose_name_plural": "LTI scores",
            },
        ),
        migrations.AddConstraint(
            model_name="ltiaccount",
            constraint=models.UniqueConstraint(fields=("issuer", "subject"), name="courses_ltiaccount_issuer_subject"),
        ),
        migrations.AddConstraint(
            model_name="ltigradetarget",
            constraint=models.UniqueConstraint(
                fields=("account", "course", "lineitem_url"), name="courses_ltigradetarget_once"
            ),
        ),
        migrations.AddConstraint(
            model_name="ltiscore",
            constraint=models.UniqueConstraint(fields=("target", "enrolment"), name="courses_ltiscore_once"),
        ),
        migrations.RunPython(grant_office, migrations.RunPython.noop),
    ]
