"""Each role's first week, in Chromium, on a fresh demo site (``seed_demo``, as ``make run`` seeds it) with a
real worker: everything after the seeding is done through the site, as the person would, with no ORM step.
The tests may read the database to check what happened, never to make it happen."""

import io

import pytest
from django.core.management import call_command

from accounts.demo import DEMO_PASSWORD


@pytest.fixture
def demo_site(settings):
    """The demo content and accounts; returns the shared demo password."""
    settings.DEMO_DATA_ALLOWED = True
    call_command("seed_demo", stdout=io.StringIO())
    return DEMO_PASSWORD
