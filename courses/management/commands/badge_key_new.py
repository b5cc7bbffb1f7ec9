"""Print a new Open Badges signing key as a JWK Set (docs/badges.md), to stdout only.

python manage.py badge_key_new > /etc/kynangso/badge-keys.json && chmod 600 /etc/kynangso/badge-keys.json
python manage.py badge_key_new --add /etc/kynangso/badge-keys.json   # rotation: the new key first, old kept
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from courses.certificates.badges.keys import key_new


class Command(BaseCommand):
    help = "Print a new Ed25519 signing key for Open Badges as a JWK Set (with --add: before the keys of a file)."

    def add_arguments(self, parser):
        parser.add_argument("--add", metavar="FILE", help="a JWK Set file whose keys follow the new one")

    def handle(self, *args, **options):
        keys = [json.loads(key_new().export_private())]
        if options["add"]:
            try:
                keys += json.loads(Path(options["add"]).read_text(encoding="utf-8"))["keys"]
            except (OSError, ValueError, KeyError) as error:
                raise CommandError(f"{options['add']} is not a JWK Set: {error}") from error
        self.stdout.write(json.dumps({"keys": keys}, indent=2))
