"""Vietnamese phone numbers: one canonical form so a number is found however it was typed."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_SEPARATORS = re.compile(r"[\s.\-()]")
_CANONICAL = re.compile(r"^0\d{9,10}$")


def phone_normalise(raw):
    """Return the number in national form ("0912345678"), or None if it is not one.

    Accepts spaces, dots, dashes and brackets, and the +84 / 84 / 0084 prefixes.
    """
    if raw is None:
        return None
    number = _SEPARATORS.sub("", str(raw).strip())
    for prefix in ("+84", "0084"):
        if number.startswith(prefix):
            number = "0" + number[len(prefix) :]
            break
    else:
        if number.startswith("84") and len(number) in (11, 12):
            number = "0" + number[2:]
    return number if _CANONICAL.match(number) else None


def validate_phone(value):
    if phone_normalise(value) is None:
        raise ValidationError(
            _("Enter a Vietnamese phone number, for example 0912 345 678."),
            code="invalid_phone",
        )
