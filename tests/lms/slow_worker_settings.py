"""Settings of the workers the queue tests start: the test settings with a slow e-mail provider
(``SLOW_MAIL_SECONDS`` a message), and, with ``ONE_QUEUE`` set, every task on the default queue
(the project as it was before bulk sending and scheduled work had queues of their own)."""

import os
import time

from django.core.mail.backends.base import BaseEmailBackend

from lms.settings.test import *  # noqa: F403

EMAIL_BACKEND = "tests.lms.slow_worker_settings.SlowEmailBackend"
if os.environ.get("ONE_QUEUE"):
    TASK_QUEUE_KINDS: dict[str, str] = {}


class SlowEmailBackend(BaseEmailBackend):
    """A provider that takes ``SLOW_MAIL_SECONDS`` to accept each message (and keeps none)."""

    def send_messages(self, email_messages):
        for _message in email_messages:
            time.sleep(float(os.environ.get("SLOW_MAIL_SECONDS", "0.25")))
        return len(email_messages)
