"""The LTI 1.3 tool (courses/lti/, docs/lti.md): our signing key, and how long a launch's hand-over lasts.

The tool signs what it sends to a platform (the deep-linking response, the client-credentials
assertion) with one RSA key, published at ``/lti/jwks/``. Production reads it from
``LTI_TOOL_PRIVATE_KEY`` (the PEM itself) or ``LTI_TOOL_PRIVATE_KEY_FILE`` (a path) and refuses to sign
without one; with neither set and ``LTI_TOOL_KEY_GENERATE`` on (development, tests), a key is generated once
into ``var/lti/tool-key.pem`` (never committed: var/ is ignored).
"""

from .environment import env, env_bool

__all__ = [
    "LTI_BEAT_SCHEDULE",
    "LTI_ENTRY_TICKET_SECONDS",
    "LTI_SERVICE_TIMEOUT",
    "LTI_TASK_QUEUE_KINDS",
    "LTI_TOOL_KEY_GENERATE",
    "LTI_TOOL_PRIVATE_KEY",
    "LTI_TOOL_PRIVATE_KEY_FILE",
]

LTI_TOOL_PRIVATE_KEY = env("LTI_TOOL_PRIVATE_KEY", "")
LTI_TOOL_PRIVATE_KEY_FILE = env("LTI_TOOL_PRIVATE_KEY_FILE", "")
# Generate a development key into var/ when none is configured (production.py turns this off).
LTI_TOOL_KEY_GENERATE = env_bool("LTI_TOOL_KEY_GENERATE", True)
# The launch hands the learner over to a new window with a one-time ticket that works this long.
LTI_ENTRY_TICKET_SECONDS = int(env("LTI_ENTRY_TICKET_SECONDS", "120"))
# Seconds to wait for a platform's token, names-and-roles and score endpoints.
LTI_SERVICE_TIMEOUT = float(env("LTI_SERVICE_TIMEOUT", "10"))
# Beat: used and expired hand-over tickets are deleted daily (a short tick: the scheduled queue).
LTI_BEAT_SCHEDULE = {"forget-lti-entry-tickets": {"task": "courses.lti.entry_tickets_forget", "schedule": 24 * 3600.0}}
LTI_TASK_QUEUE_KINDS = {"courses.lti.entry_tickets_forget": "scheduled"}
