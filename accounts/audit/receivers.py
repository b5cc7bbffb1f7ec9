"""Django's sign-in signals, wired to the auth event log (wiring only: each receiver writes one row)."""

from django.contrib.auth import get_user_model

from .models import AuthEvent
from .services import auth_event_record, group_change_record


def signed_in(sender, request, user, **kwargs):
    auth_event_record(
        kind=AuthEvent.Kind.SIGN_IN, request=request, actor=user, subject=user, detail={"path": request.path}
    )


def sign_in_failed(sender, credentials, request=None, **kwargs):
    # The typed identifier is not stored (people type passwords into it); the account is, when it exists.
    User = get_user_model()
    identifier = credentials.get("username") or credentials.get(User.USERNAME_FIELD) or ""
    subject = None
    if identifier:
        try:
            subject = User._default_manager.get_by_identifier(identifier)
        except User.DoesNotExist:
            subject = None
    auth_event_record(
        kind=AuthEvent.Kind.SIGN_IN_FAILED,
        request=request,
        subject=subject,
        detail={"known_account": subject is not None, "path": request.path if request is not None else ""},
    )


def export_made(*, request, name: str, fmt: str, rows: int) -> None:
    """``core.exports`` listener: every CSV/XLSX download the site writes."""
    auth_event_record(kind=AuthEvent.Kind.EXPORT, request=request, detail={"name": name, "format": fmt, "rows": rows})


def groups_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """``User.groups`` changed (from the user's side; the admin's user form logs its own change once)."""
    if reverse or action not in ("post_add", "post_remove") or not pk_set:
        return
    group_change_record(user=instance, action="added" if action == "post_add" else "removed", group_ids=pk_set)
