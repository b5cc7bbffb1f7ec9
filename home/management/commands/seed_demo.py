from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string

from accounts.demo import DEMO_PASSWORD, demo_people_seed
from courses.demo import demo_courses_seed, demo_training_seed, demo_tutorials_seed
from home.demo import demo_search_seed, demo_site_seed
from home.search.demo import demo_search_log_seed
from outreach.delivery.outbox import deliveries_plan
from outreach.demo import demo_campaigns_seed, demo_reminders_seed


class Command(BaseCommand):
    help = "Add realistic Vietnamese demo content and one account per role. Safe to run again."

    def handle(self, *args, **options):
        if not (settings.DEBUG or getattr(settings, "DEMO_DATA_ALLOWED", False)):
            raise CommandError("Demo accounts have a published password: seed_demo runs only with DEBUG on.")
        people = demo_people_seed()
        home = demo_site_seed()
        demo_tutorials_seed(home)
        demo_courses_seed(home)
        demo_campaigns_seed(home)
        demo_search_seed(home)
        demo_training_seed()
        demo_reminders_seed()
        demo_search_log_seed()
        # Higher layers' demo data (settings.DEMO_SEEDERS): each returns [(account, role)].
        for path in getattr(settings, "DEMO_SEEDERS", []):
            people += import_string(path)()
        # In development, queue them now: the worker sends them as soon as it starts (beat plans
        # every 5 minutes after that). Elsewhere (tests) they are only planned.
        reminders = deliveries_plan(enqueue=settings.DEBUG)
        self.stdout.write(self.style.SUCCESS("Demo content is ready."))
        planned = sum(sum(counts.values()) for counts in reminders["planned"].values())
        self.stdout.write(
            f"Reminders planned: {planned} (console e-mail and SMS in the worker's output; "
            "in-app ones at /inbox/ for canbo@kynangso.local, quanly@kynangso.local and 0912345678)."
        )
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        for user, role in people:
            self.stdout.write(f"  {user.identifier:<30} {user.full_name:<20} {role}")
