"""Vietnamese phone numbers: one canonical form so a number is found however it was typed.

Parsed and validated by ``phonenumbers`` (Google's libphonenumber data, region VN), stored in
national form ("0912345678"). Every way of writing the same number ("+84 912 345 678",
"0084912345678", "+84 0912345678", "091.234.5678") means the same account; numbers that no
Vietnamese operator issues ("0000000000", the retired 11-digit mobile numbers) are refused.
Landlines are valid identifiers, but only mobile numbers receive SMS (``phone_is_mobile``).
"""

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Digits, an optional leading "+", and the separators people type; no letters (no vanity numbers).
_WRITTEN = re.compile(r"^\(?\+?[\d\s.\-()]{6,30}$")
_NOT_A_DIGIT = re.compile(r"\D")
_MOBILE_TYPES = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
_VIETNAM = 84
# A stored (validated, national-form) mobile number: 10 digits, 03/05/07/08/09 since 2018. Landlines
# are 11 digits from 02. The sender asks for every planned SMS, so it need not parse these.
_STORED_MOBILE = re.compile(r"0[35789]\d{8}")
_STORED_LANDLINE = re.compile(r"02\d{9}")


def _parsed(raw: object) -> phonenumbers.PhoneNumber | None:
    if raw is None:
        return None
    text = str(raw).strip()
    if not _WRITTEN.match(text):
        return None
    try:
        number = phonenumbers.parse(text, "VN")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != _VIETNAM or not phonenumbers.is_valid_number(number):
        return None
    return number


def phone_normalise(raw: object) -> str | None:
    """Return the number in national form ("0912345678"), or None if it is not a Vietnamese number."""
    number = _parsed(raw)
    if number is None:
        return None
    return _NOT_A_DIGIT.sub("", phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL))


def phone_is_mobile(raw: object) -> bool:
    """Whether the number can receive SMS (a mobile number, not a landline)."""
    if isinstance(raw, str) and _STORED_MOBILE.fullmatch(raw):
        return True
    if isinstance(raw, str) and _STORED_LANDLINE.fullmatch(raw):
        return False
    number = _parsed(raw)
    return number is not None and phonenumbers.number_type(number) in _MOBILE_TYPES


def validate_phone(value: object) -> None:
    if phone_normalise(value) is None:
        raise ValidationError(
            _("Enter a Vietnamese phone number, for example 0912 345 678."),
            code="invalid_phone",
        )
