"""Date and time formats for Vietnamese (``FORMAT_MODULE_PATH``): Django's own, with input as dd/mm/yyyy.

Django's Vietnamese locale names no input formats, so forms fell back to ``%Y-%m-%d`` and
``%m/%d/%Y``: "20/11/2026" was refused and "01/02/2026" read as 2 January. Every date field
(admin and public forms) now reads day/month/year first, and still ISO (what ``<input type=date>``
sends). Wagtail's admin date picker writes ``WAGTAIL_DATE_FORMAT``, the first format here.
"""

from django.conf.locale.vi.formats import *  # noqa: F403

DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"]
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S"]
DATETIME_INPUT_FORMATS = [
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%d/%m/%Y",
    "%Y-%m-%d",
]
