"""The daily summary of figures per unit (insights.UnitDayFigure), filled by services.figures_rebuild."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_contact_preferences_and_consent"),
        ("insights", "0002_roles"),
    ]

    operations = [
        migrations.CreateModel(
            name="UnitDayFigure",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField(verbose_name="day")),
                ("signups", models.PositiveIntegerField(default=0)),
                ("tutorials", models.PositiveIntegerField(default=0)),
                ("enrolled", models.PositiveIntegerField(default=0)),
                ("completed", models.PositiveIntegerField(default=0)),
                ("certificates", models.PositiveIntegerField(default=0)),
                ("lessons", models.PositiveIntegerField(default=0)),
                ("reminders_sent", models.PositiveIntegerField(default=0)),
                ("reminders_failed", models.PositiveIntegerField(default=0)),
                (
                    "unit",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        to="accounts.organisationunit",
                        verbose_name="organisation unit",
                    ),
                ),
            ],
            options={
                "verbose_name": "figures of a unit on a day",
                "constraints": [
                    models.UniqueConstraint(fields=("day", "unit"), name="insights_unitday_once"),
                    models.UniqueConstraint(
                        condition=models.Q(("unit__isnull", True)),
                        fields=("day",),
                        name="insights_unitday_once_no_unit",
                    ),
                ],
            },
        ),
    ]
