"""A unique short code per campaign, for its poster's short link /c/<code>/ and QR code."""

import secrets

from django.db import migrations, models

import outreach.campaigns.models

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 6


def codes_fill(apps, schema_editor):
    CampaignPage = apps.get_model("outreach", "CampaignPage")
    used = set()
    for campaign in CampaignPage.objects.filter(short_code__isnull=True):
        code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        while code in used:
            code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        used.add(code)
        CampaignPage.objects.filter(pk=campaign.pk).update(short_code=code)


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0006_campaign_pages"),
    ]

    operations = [
        migrations.AddField(
            model_name="campaignpage",
            name="short_code",
            field=models.CharField(editable=False, max_length=6, null=True),
        ),
        migrations.RunPython(codes_fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="campaignpage",
            name="short_code",
            field=models.CharField(
                default=outreach.campaigns.models.campaign_code_new,
                editable=False,
                help_text="Printed on the poster: the short link /c/<code>/ leads to this campaign.",
                max_length=6,
                verbose_name="short code",
            ),
        ),
        migrations.AddConstraint(
            model_name="campaignpage",
            constraint=models.UniqueConstraint(fields=("short_code",), name="outreach_campaign_short_code_unique"),
        ),
    ]
