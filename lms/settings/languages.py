"""Languages, the time zone and date formats, the same on every machine (imported by ``base``)."""

from pathlib import Path

from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

# Internationalisation: the public site is in Vietnamese only, without a language prefix
# (docs/languages.md); the code's msgids stay English. Staff may keep Wagtail's admin in English.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese"))]
# Ours first (it wins), then the Vietnamese we ship for Wagtail's and Django's admin strings
# (locale_upstream/sync.py): their own catalogues cover a fraction of the admin.
LOCALE_PATHS = [BASE_DIR / "locale", *sorted((BASE_DIR / "locale_upstream").glob("**/locale"))]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
# Dates are typed and shown as dd/mm/yyyy (ISO still accepted): lms/formats/<language>/formats.py,
# and Wagtail's admin date pickers write the same (its formats must be among the input formats).
FORMAT_MODULE_PATH = ["lms.formats"]
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
DATETIME_INPUT_FORMATS = ["%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"]
WAGTAIL_DATE_FORMAT = "%d/%m/%Y"
WAGTAIL_DATETIME_FORMAT = "%d/%m/%Y %H:%M"
WAGTAIL_TIME_FORMAT = "%H:%M"
WAGTAILADMIN_PERMITTED_LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
WAGTAIL_I18N_ENABLED = False
WAGTAIL_CONTENT_LANGUAGES = [("vi", _("Vietnamese"))]
