"""Notice hooks: let higher layers hear of what happened in ``courses`` without it importing them.

``settings.COURSES_NOTICE_HOOKS`` lists dotted paths of functions taking ``event=`` (one of
``EVENTS``) and ``pk=`` (the id of the row concerned). The services call ``notice_hooks_run``
inside the transaction that wrote the fact; a hook defers its work with
``transaction.on_commit`` (outreach plans the notice after commit, and its planners also find
the row on their own at the next planning pass, so a lost hook only delays the message).
"""

from django.conf import settings
from django.utils.module_loading import import_string

# An extension request was made (pk: the ExtensionRequest), decided (approved or refused), a
# certificate was revoked (pk: the Certificate).
EXTENSION_REQUESTED = "extension_requested"
EXTENSION_DECIDED = "extension_decided"
CERTIFICATE_REVOKED = "certificate_revoked"
EVENTS = (EXTENSION_REQUESTED, EXTENSION_DECIDED, CERTIFICATE_REVOKED)


def notice_hooks_run(*, event: str, pk: int) -> None:
    """Call every configured notice hook with ``event`` and ``pk``, in order."""
    for dotted_path in getattr(settings, "COURSES_NOTICE_HOOKS", ()):
        import_string(dotted_path)(event=event, pk=pk)
