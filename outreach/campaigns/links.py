"""Signed links of campaign messages, and the posters' short links.

Links in the text are signed (``django.core.signing``) and name only ids: ``/r/<token>/`` names
the message, the person and which link (the campaign page or its first call to action), so
the redirect can only lead where the campaign leads; ``/unsubscribe/<token>/`` names the
person, the message and the channel it went on (tokens made before channels were named, with
two parts, stand for every channel). Nothing is tracked by pixels. A poster's short link ``/c/<code>/``
leads to the campaign (``views.py``).
"""

import datetime
import functools
import hashlib
import hmac
import re

from django.conf import settings
from django.core import signing
from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.encoding import force_bytes, force_str
from wagtail.models import Page

from accounts.consent.channels import CHANNEL_CODES

UNSUBSCRIBE_SALT = "outreach.campaign.unsubscribe"
LINK_SALT = "outreach.campaign.link"
# Links stay valid this long after the message was sent.
LINK_MAX_AGE = datetime.timedelta(days=365)
# Which link a tracked token names: the campaign page, or the campaign's first call to action.
LINK_PAGE, LINK_ACTION = "p", "a"


# Tokens --------------------------------------------------------------------------------------


def _b36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return out


class _Signer(signing.TimestampSigner):
    """Django's TimestampSigner, with the HMAC key derived once per salt and key instead of per call.

    Same algorithm and output as ``signing.TimestampSigner`` (``salted_hmac``): a planning pass
    signs two or three links for each of 100,000 people.
    """

    _macs = {}

    def signature(self, value: str, key: str | None = None) -> str:
        key = key or self.key
        cache_key = (self.salt, key, self.algorithm)
        mac = self._macs.get(cache_key)
        if mac is None:
            hasher = getattr(hashlib, self.algorithm)
            derived = hasher((self.salt + "signer" + force_str(key)).encode()).digest()
            mac = self._macs[cache_key] = hmac.new(derived, digestmod=hasher)
        mac = mac.copy()
        mac.update(force_bytes(value))
        return signing.b64_encode(mac.digest()).decode()


_SIGNERS: dict = {}


def _signer(salt: str) -> _Signer:
    """One signer per salt and secret key (a signer reads five settings when it is made)."""
    key = (salt, settings.SECRET_KEY)
    signer = _SIGNERS.get(key)
    if signer is None:
        signer = _SIGNERS[key] = _Signer(salt=salt)
    return signer


def link_token(*, message_id: int, user_id: int, link: str, test: bool = False) -> str:
    """A signed token naming the message, the recipient and the link (and whether it is a test send)."""
    value = f"{_b36(message_id)}.{_b36(user_id)}.{link}{'t' if test else ''}"
    return _signer(LINK_SALT).sign(value)


def unsubscribe_token(*, message_id: int, user_id: int, channel: str | None = None) -> str:
    """A signed token naming the message, the recipient and the channel (None: every channel)."""
    value = f"{_b36(message_id)}.{_b36(user_id)}"
    return _signer(UNSUBSCRIBE_SALT).sign(f"{value}.{channel}" if channel else value)


class BadToken(Exception):
    pass


def _unsign(salt: str, token: str) -> list[str]:
    try:
        value = _signer(salt).unsign(token, max_age=LINK_MAX_AGE)
    except signing.SignatureExpired as error:
        raise BadToken("expired") from error
    except signing.BadSignature as error:
        raise BadToken("bad") from error
    return value.split(".")


def link_token_read(*, token: str) -> tuple[int, int, str, bool]:
    """(message id, user id, link, test) from a tracked link's token; BadToken if tampered or expired."""
    parts = _unsign(LINK_SALT, token)
    if len(parts) != 3 or not parts[2] or parts[2][0] not in (LINK_PAGE, LINK_ACTION):
        raise BadToken("bad")
    try:
        return int(parts[0], 36), int(parts[1], 36), parts[2][0], parts[2][1:] == "t"
    except ValueError as error:
        raise BadToken("bad") from error


def unsubscribe_token_read(*, token: str) -> tuple[int, int, str | None]:
    """(message id, user id, channel or None for every channel); BadToken if tampered or expired."""
    parts = _unsign(UNSUBSCRIBE_SALT, token)
    if len(parts) not in (2, 3):
        raise BadToken("bad")
    channel = parts[2] if len(parts) == 3 else None
    if channel is not None and channel not in CHANNEL_CODES:
        raise BadToken("bad")
    try:
        return int(parts[0], 36), int(parts[1], 36), channel
    except ValueError as error:
        raise BadToken("bad") from error


# Links ---------------------------------------------------------------------------------------


def base_url() -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/")


@functools.lru_cache(maxsize=8)
def _url_around(name: str, base: str) -> tuple[str, str]:
    """(before, after) the token in the absolute URL of ``name``: reversed once, not per person."""
    before, after = reverse(name, args=["TOKEN"]).split("TOKEN")
    return base + before, after


def tracked_url(*, message_id: int, user_id: int, link: str, test: bool = False, base: str | None = None) -> str:
    before, after = _url_around("campaign_link", base or base_url())
    return before + link_token(message_id=message_id, user_id=user_id, link=link, test=test) + after


def unsubscribe_url(*, message_id: int, user_id: int, channel: str | None = None, base: str | None = None) -> str:
    before, after = _url_around("campaign_unsubscribe", base or base_url())
    return before + unsubscribe_token(message_id=message_id, user_id=user_id, channel=channel) + after


def campaign_targets(*, campaign: Page, request: HttpRequest | None = None) -> dict[str, str]:
    """{link code: URL}: where the tracked links of ``campaign`` may lead, and nowhere else.

    Our own pages as Wagtail gives them (a path on this site), public services as their official URL.
    """
    targets = {LINK_PAGE: campaign.get_url(request) or "/"}
    for block in campaign.calls_to_action:
        value = block.value
        if block.block_type == "service":
            service = value.get("service")
            url = service.official_url if service is not None else ""
        else:
            page = value.get("page")
            url = (page.specific.get_url(request) or "") if page is not None and page.live else ""
        if url:
            targets[LINK_ACTION] = url
            break
    return targets


# Short links in SMS ----------------------------------------------------------------------------
#
# ``/s/<token>``: the same three links (campaign page, call to action, unsubscribe) signed compactly
# for SMS, where every character counts: ``2s-255s-p-2hs-0k3f9qaz1x`` is the message, the person, the
# link (``t`` after it for a test send), the day it was signed (days since SHORT_EPOCH, base 36) and
# ten base-36 characters of an HMAC (about 52 bits) of all that. Nothing is stored: the same
# message, person and day always give the same token, and a changed character fails the check
# ("This link does not work"). Valid LINK_MAX_AGE after the day it was signed, like the long ones.

SHORT_SALT = "outreach.campaign.short"
SHORT_EPOCH = datetime.date(2024, 1, 1)
SHORT_MAC_LENGTH = 10
LINK_UNSUBSCRIBE = "u"
_SHORT_LINKS = (LINK_PAGE, LINK_ACTION, LINK_UNSUBSCRIBE)


def _short_mac(value: str) -> str:
    number = int.from_bytes(salted_hmac(SHORT_SALT, value, algorithm="sha256").digest()[:8], "big")
    return _b36(number % 36**SHORT_MAC_LENGTH).zfill(SHORT_MAC_LENGTH)


def short_token(*, message_id: int, user_id: int, link: str, test: bool = False, day: datetime.date) -> str:
    """The compact signed token of an SMS link (``link``: LINK_PAGE, LINK_ACTION or LINK_UNSUBSCRIBE)."""
    value = f"{_b36(message_id)}-{_b36(user_id)}-{link}{'t' if test else ''}-{_b36((day - SHORT_EPOCH).days)}"
    return f"{value}-{_short_mac(value)}"


def short_token_read(*, token: str, today: datetime.date) -> tuple[int, int, str, bool]:
    """(message id, user id, link, test) from an SMS link's token; BadToken if tampered or expired."""
    token = token.strip().lower()
    value, _sep, mac = token.rpartition("-")
    parts = value.split("-")
    if len(parts) != 4 or not constant_time_compare(mac, _short_mac(value)):
        raise BadToken("bad")
    message, user, link, day = parts
    test = link.endswith("t") and len(link) == 2
    link = link[:1] if test else link
    if link not in _SHORT_LINKS or (test and link == LINK_UNSUBSCRIBE):
        raise BadToken("bad")
    try:
        signed_on = SHORT_EPOCH + datetime.timedelta(days=int(day, 36))
        ids = int(message, 36), int(user, 36)
    except (ValueError, OverflowError) as error:
        raise BadToken("bad") from error
    if today - signed_on > LINK_MAX_AGE:
        raise BadToken("expired")
    return ids[0], ids[1], link, test


def short_url(
    *, message_id: int, user_id: int, link: str, test: bool = False, day: datetime.date, base: str | None = None
) -> str:
    """The absolute ``/s/<token>`` link of an SMS (``links`` above)."""
    before, after = _url_around("campaign_short", base or base_url())
    return before + short_token(message_id=message_id, user_id=user_id, link=link, test=test, day=day) + after


# Short links ---------------------------------------------------------------------------------


def short_link(*, campaign: Page) -> str:
    """The absolute short link printed on the poster (Vietnamese: no language prefix)."""
    with translation.override("vi"):
        path = reverse("campaigns:short_link", args=[campaign.short_code])
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def short_link_display(*, campaign: Page) -> str:
    """The short link without its scheme, as people type it."""
    return re.sub(r"^https?://", "", short_link(campaign=campaign))
