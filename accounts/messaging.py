"""Sending a message to one person (a code, an invitation) without this floor knowing how it travels.

``settings.ACCOUNTS_MESSAGE_SENDERS`` lists dotted paths of functions taking one ``AccountMessage``;
``message_send`` calls each, **inside the caller's transaction**: a sender writes what it needs
(outreach writes an outbox row) in that transaction and queues the actual sending with
``transaction.on_commit``, so a message leaves only if what it is about was committed. Outreach
implements it (``outreach.account_messages``: the outbox, its delivery log, retries and shared rate
limit). With no sender configured, e-mail goes through Django's mail after commit and an SMS is
only logged (a warning): nothing to read the code from.

Any accounts feature reuses it: codes (``accounts.codes``), invitations (``accounts.roster.invitations``),
a new phone number confirmed from the profile page.
"""

import datetime
import logging
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)

SMS = "sms"
EMAIL = "email"


@dataclass(frozen=True)
class AccountMessage:
    """One message to one person on one channel.

    ``kind``: what it is (``"code"``, ``"invitation"``); ``key``: unique per message (a sender
    de-duplicates on it); ``expires_at``: not sent after it (a code past its life); ``urgent``: not
    held by SMS quiet hours (a person is waiting for it); ``secret``: the text holds a secret (a
    code) and is not kept once sent.
    """

    kind: str
    channel: str  # SMS or EMAIL
    user_id: int
    address: str
    body: str
    key: str
    subject: str = ""
    language: str = "vi"
    expires_at: datetime.datetime | None = None
    urgent: bool = False
    secret: bool = False
    context: dict = field(default_factory=dict)
    # The values of the text's placeholders ({"code": ..., "minutes": ...}): a sender that sends
    # registered templates (Zalo) fills its parameters with them.
    values: dict = field(default_factory=dict)


def message_send(message: AccountMessage) -> None:
    """Hand ``message`` to every configured sender (inside the current transaction)."""
    senders = list(getattr(settings, "ACCOUNTS_MESSAGE_SENDERS", ()))
    if not senders:
        transaction.on_commit(partial(_fallback_send, message))
        return
    for dotted_path in senders:
        import_string(dotted_path)(message)


def _fallback_send(message: AccountMessage) -> None:
    if message.channel == EMAIL:
        send_mail(message.subject, message.body, None, [message.address])
    else:
        log.warning("No ACCOUNTS_MESSAGE_SENDERS: an SMS (%s) to person %s was not sent", message.kind, message.user_id)
