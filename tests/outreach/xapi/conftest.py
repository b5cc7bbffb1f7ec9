import uuid

import pytest

from tests.support.lrs import RalphLRS


@pytest.fixture(scope="session")
def ralph():
    """One real Ralph LRS for the session (tests keep apart by a site address and pseudonym key of their own)."""
    lrs = RalphLRS().start()
    yield lrs
    lrs.remove()


@pytest.fixture
def xapi_on(settings, ralph):
    """xAPI on, to the session's Ralph; a site address and pseudonym key of this test's own (fresh ids)."""
    if ralph.process is None:
        ralph.start()
    settings.XAPI_ENDPOINT = ralph.endpoint
    settings.XAPI_USERNAME = ralph.username
    settings.XAPI_PASSWORD = ralph.password
    settings.XAPI_RETRY_BASE_SECONDS = 0.2
    settings.XAPI_RETRY_MAX_SECONDS = 1
    settings.XAPI_TIMEOUT = 5
    settings.XAPI_ACTOR_KEY = uuid.uuid4().hex
    settings.WAGTAILADMIN_BASE_URL = f"https://t{uuid.uuid4().hex[:10]}.kynangso.test"
    yield ralph
    if ralph.process is None:
        ralph.start()
