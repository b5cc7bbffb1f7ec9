"""The default words of every kind of message, in Vietnamese and English (staff edit them later),
and the reminder settings' one row (so two workers never create it at once)."""

from django.db import migrations

from outreach.reminders.defaults import DEFAULT_TEMPLATES


def create(apps, schema_editor):
    MessageTemplate = apps.get_model("outreach", "MessageTemplate")
    for kind, texts in DEFAULT_TEMPLATES.items():
        MessageTemplate.objects.get_or_create(kind=kind, defaults=texts)
    ReminderSetting = apps.get_model("outreach", "ReminderSetting")
    if not ReminderSetting.objects.exists():
        ReminderSetting.objects.create()


def remove(apps, schema_editor):
    apps.get_model("outreach", "MessageTemplate").objects.filter(kind__in=DEFAULT_TEMPLATES).delete()


class Migration(migrations.Migration):
    dependencies = [("outreach", "0004_reminder_permissions")]

    operations = [migrations.RunPython(create, remove)]
