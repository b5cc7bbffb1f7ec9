"""The operations dashboard's permissions (an unmanaged model without a table carries them)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Dashboard",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
            ],
            options={
                "verbose_name": "operations dashboard",
                "permissions": [
                    ("view_dashboard", "Can see the operations dashboard"),
                    ("view_province", "Can see the figures of the whole province"),
                    ("view_small_figures", "Can see figures of small groups (training office)"),
                ],
                "managed": False,
                "default_permissions": (),
            },
        ),
    ]
