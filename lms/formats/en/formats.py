"""Date and time formats for English (``FORMAT_MODULE_PATH``): input as day/month/year like Vietnamese,
never month first (see ``lms/formats/vi/formats.py``)."""

from django.conf.locale.en.formats import *  # noqa: F403

from ..vi.formats import DATE_INPUT_FORMATS, DATETIME_INPUT_FORMATS, TIME_INPUT_FORMATS  # noqa: F401
