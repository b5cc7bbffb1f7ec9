"""Delivery: the outbox, sending, channels, the shared rate limit, the inbox and the delivery log.

It knows no message kind: each kind registers its planner and its "still wanted?" re-check in
``kinds.py`` (reminders in ``outreach.reminders``, campaign messages in ``outreach.campaigns``).
"""
