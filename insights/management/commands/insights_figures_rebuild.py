"""Recount the insights' daily summary for the last ``--days`` days (what beat does nightly for 400)."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from core.localtime import local_today
from insights.services import figures_rebuild


class Command(BaseCommand):
    help = "Recount the operations dashboard's daily summary per unit for the last N days."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=400)

    def handle(self, *args, **options):
        if not 1 <= options["days"] <= 5000:
            raise CommandError("--days must be between 1 and 5000.")
        today = local_today()
        rows = figures_rebuild(start=today - datetime.timedelta(days=options["days"]), end=today)
        self.stdout.write(f"{rows} rows written.")
