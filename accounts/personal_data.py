"""Personal data: export everything held about a person, and erase it.

Each layer that stores personal data lists a module in
``settings.ACCOUNTS_PERSONAL_DATA_PROVIDERS`` with two functions:
``export(user) -> dict`` (JSON-serialisable) and ``erase(user)`` (removes or
detaches what would block or outlive deleting the account). This layer never
imports the higher ones; a test checks that every model with a foreign key to
the user is covered by a provider or by the cascade.
"""

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_module

from core.localtime import moment_iso

from .audit.models import AuthEvent
from .audit.services import auth_event_record
from .models import (
    Consent,
    ConsentRecord,
    EmailChange,
    OneTimeCode,
    OrganisationUnit,
    PersonalAccessToken,
    RosterImport,
    User,
)


def _providers():
    return [import_module(path) for path in getattr(settings, "ACCOUNTS_PERSONAL_DATA_PROVIDERS", ())]


def personal_data_export(user):
    """Everything held about ``user``, as a JSON-serialisable dict."""
    data = {
        "exported_at": moment_iso(timezone.now()),
        "account": {
            "full_name": user.full_name,
            "email": user.email,
            "phone": user.phone,
            "kind": user.kind,
            "organisation_unit": str(user.organisation_unit) if user.organisation_unit_id else None,
            "employee_code": user.employee_code,
            "position": user.position,
            "started_on": user.started_on.isoformat() if user.started_on else None,
            "preferred_language": user.preferred_language,
            "privacy_consent_at": moment_iso(user.privacy_consent_at),
            "date_joined": moment_iso(user.date_joined),
            "last_login": moment_iso(user.last_login),
            "is_active": user.is_active,
            "roles": sorted(user.groups.values_list("name", flat=True)),
            "manages_units": sorted(OrganisationUnit.objects.filter(managers=user).values_list("name", flat=True)),
        },
    }
    data["auth_events"] = [
        {
            "at": moment_iso(event.at),
            "kind": event.kind,
            "by_you": event.actor_id == user.pk,
            "client_address": event.client_address,
            "user_agent": event.user_agent,
        }
        for event in AuthEvent.objects.filter(Q(subject=user) | Q(actor=user)).order_by("at", "pk")
    ]
    data["email_changes"] = [
        {
            "new_email": change.new_email,
            "requested_at": moment_iso(change.requested_at),
            "confirmed_at": moment_iso(change.confirmed_at),
        }
        for change in EmailChange.objects.filter(user=user).order_by("requested_at", "pk")
    ]
    data["consents"] = [
        {
            "purpose": c.purpose,
            "channel": c.channel or "all",
            "given": c.granted,
            "at": moment_iso(c.at),
            "how": c.source,
        }
        for c in Consent.objects.filter(user=user).order_by("purpose", "channel")
    ]
    data["consent_record"] = [
        {
            "at": moment_iso(r.at),
            "purpose": r.purpose,
            "channel": r.channel or "all",
            "given": r.granted,
            "how": r.source,
            "detail": r.detail,
            "privacy_notice_version": r.notice_version,
        }
        for r in ConsentRecord.objects.filter(user=user).order_by("at", "pk")
    ]
    # One-time codes: what was sent where and what became of it (never the code, not even hashed).
    data["one_time_codes"] = [
        {
            "purpose": code.purpose,
            "sent_to": code.address,
            "created_at": moment_iso(code.created_at),
            "expires_at": moment_iso(code.expires_at),
            "outcome": code.outcome,
        }
        for code in OneTimeCode.objects.filter(user=user).order_by("created_at", "pk")
    ]
    # Personal access tokens: what each may read and when it was used (never the token, not even hashed).
    data["personal_access_tokens"] = [
        {
            "name": token.name,
            "begins_with": token.prefix,
            "scopes": token.scopes,
            "created_at": moment_iso(token.created_at),
            "expires_at": moment_iso(token.expires_at),
            "last_used_at": moment_iso(token.last_used_at),
            "revoked_at": moment_iso(token.revoked_at),
        }
        for token in PersonalAccessToken.objects.filter(user=user).order_by("created_at", "pk")
    ]
    for provider in _providers():
        data.update(provider.export(user))
    return data


def personal_data_erase(user, *, request=None, by="admin"):
    """Erase ``user`` and everything held about them, all or nothing.

    Roster imports they uploaded stay (without the uploader); the people
    those imports created are separate accounts. The auth event log keeps its
    rows without the person (actor and subject become empty) and records the
    erasure itself, by whom (``by``: "self" or "admin") and the erased id.
    """
    with transaction.atomic():
        auth_event_record(
            kind=AuthEvent.Kind.ERASURE,
            request=request,
            actor=None if by == "self" else getattr(request, "user", None),
            detail={"user_id": user.pk, "by": by},
        )
        for provider in _providers():
            provider.erase(user)
        RosterImport.objects.filter(uploaded_by=user).update(uploaded_by=None)
        ConsentRecord.objects.filter(user=user).delete()
        PersonalAccessToken.objects.filter(user=user).delete()
        Consent.objects.filter(user=user).delete()
        # Codes sent to the person go with the account (cascade); invitations they sent keep no sender.
        OneTimeCode.objects.filter(sent_by=user).update(sent_by=None)
        user.managed_units.clear()
        User.objects.filter(pk=user.pk).delete()
