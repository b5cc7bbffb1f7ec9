"""Settings of the worker subprocesses the reminder tests start: the test settings, with
providers whose output another process can read (files), configured from the environment."""

import os

from lms.settings.test import *  # noqa: F403

EMAIL_BACKEND = "tests.outreach.support.JsonLinesEmailBackend"
TEST_EMAIL_FILE = os.environ.get("TEST_EMAIL_FILE", "")
SMS_BACKEND = os.environ.get("SMS_BACKEND", "outreach.delivery.channels.FileSmsBackend")
SMS_FILE_PATH = os.environ.get("SMS_FILE_PATH", "")
DELIVERY_RETRY_BASE_SECONDS = float(os.environ.get("DELIVERY_RETRY_BASE_SECONDS", "1"))
DELIVERY_RETRY_MAX_SECONDS = float(os.environ.get("DELIVERY_RETRY_MAX_SECONDS", "5"))
DELIVERY_BATCH_SIZE = int(os.environ.get("DELIVERY_BATCH_SIZE", "50"))
ZALO_BACKEND = os.environ.get("ZALO_BACKEND", "outreach.delivery.zalo.channel.FileZaloBackend")
ZALO_FILE_PATH = os.environ.get("ZALO_FILE_PATH", ZALO_FILE_PATH)  # noqa: F405
ZALO_API_URL = os.environ.get("ZALO_API_URL", "")
ZALO_ACCESS_TOKEN = os.environ.get("ZALO_ACCESS_TOKEN", "")
