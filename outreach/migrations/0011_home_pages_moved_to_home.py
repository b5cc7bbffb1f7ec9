"""The home and standard pages now belong to the home app (home/0001_initial): state only, the
tables and rows stay where they are."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0010_campaign_permissions"),
        ("home", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name="HomePage"),
                migrations.DeleteModel(name="StandardPage"),
            ],
        ),
    ]
