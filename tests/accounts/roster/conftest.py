from tests.accounts.roster.test_roster import trainer, units  # noqa: F401 (shared fixtures)
