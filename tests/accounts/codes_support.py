"""Reading a one-time code the way a person would: from the message sent (the outbox row before it is
sent, in tests without a worker; the SMS provider's file or the gateway stub, with one)."""

import re

from outreach.models import Delivery

CODE = re.compile(r"\b(\d{6})\b")


def code_in(text):
    match = CODE.search(text or "")
    assert match, f"no code in {text!r}"
    return match.group(1)


def planned_code(address):
    """The code of the newest planned message to ``address`` (before a worker sends it)."""
    delivery = Delivery.objects.filter(address=address, status=Delivery.Status.PLANNED).order_by("-pk").first()
    assert delivery is not None, f"no message planned to {address}"
    return code_in(delivery.body)
