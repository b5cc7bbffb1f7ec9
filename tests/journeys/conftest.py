"""Each role's first week, in Chromium, on a fresh demo site (the ``demo_site`` fixture in ``tests/conftest.py``,
seeded as ``make run`` seeds it) with a real worker: everything after the seeding is done through the site, as
the person would, with no ORM step. The tests may read the database to check what happened, never to make it
happen."""
