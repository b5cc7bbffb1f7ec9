from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import DEMO_PASSWORD, demo_people_seed
from courses.demo import demo_courses_seed, demo_tutorials_seed
from outreach.demo import demo_site_seed


class Command(BaseCommand):
    help = "Add realistic Vietnamese demo content and one account per role. Safe to run again."

    def handle(self, *args, **options):
        if not (settings.DEBUG or getattr(settings, "DEMO_DATA_ALLOWED", False)):
            raise CommandError("Demo accounts have a published password: seed_demo runs only with DEBUG on.")
        people = demo_people_seed()
        home = demo_site_seed()
        demo_tutorials_seed(home)
        demo_courses_seed(home)
        self.stdout.write(self.style.SUCCESS("Demo content is ready."))
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        for user, role in people:
            self.stdout.write(f"  {user.identifier:<30} {user.full_name:<20} {role}")
