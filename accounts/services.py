"""The writes of the accounts layer: sign-up, organisation units placed in the tree, admin changes to people.

Forms only validate; the views (public sign-up) and the admin viewsets (units, users) call these.
Each tells the higher layers what changed through ``accounts.hooks`` (people changed, units changed),
inside the caller's transaction.
"""

from collections.abc import Collection
from typing import Any

from django.contrib.auth import password_validation
from django.contrib.auth.models import Group
from django.http import HttpRequest
from django.utils import timezone

from . import roles
from .audit.services import role_change_record
from .consent.services import SOURCE_SIGN_UP, consent_give
from .hooks import people_changed_hooks_run, units_changed_hooks_run
from .models import Consent, OrganisationUnit, User

# A change to one of these can change which mandatory training applies to the person.
TRAINING_FIELDS = {"kind", "organisation_unit", "position", "started_on", "is_active"}


def user_sign_up(
    *,
    full_name: str,
    email: str | None,
    phone: str | None,
    password: str,
    language: str,
    campaign_channels: Collection[str] = (),
    active: bool = True,
) -> User:
    """Create a citizen's account, with the time they accepted the privacy notice, and their consent to
    campaign news on ``campaign_channels`` (the boxes they ticked; none by default).

    ``active=False``: a sign-up by phone, usable once its code is typed (``accounts.codes.flows``).

    Call inside ``transaction.atomic()``: the database refuses (IntegrityError) an email or a phone
    taken by someone who signed up at the same time.
    """
    user = User.objects.create_user(
        email=email,
        phone=phone,
        password=password,
        full_name=full_name,
        kind=User.Kind.CITIZEN,
        preferred_language=language,
        privacy_consent_at=timezone.now(),
        is_active=active,
    )
    group, _created = Group.objects.get_or_create(name=roles.CITIZEN)
    user.groups.add(group)
    password_validation.password_changed(password, user)
    if campaign_channels:
        consent_give(user=user, purpose=Consent.Purpose.CAMPAIGNS, channels=campaign_channels, source=SOURCE_SIGN_UP)
    return user


def user_saved(
    *,
    user: User,
    created: bool,
    changed_fields: Collection[str],
    roles_before: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> bool:
    """After the admin's user form saved a person: log a change of their roles, tell higher layers if their
    training may change.

    ``roles_before`` is ``accounts.audit.services.role_snapshot`` taken before the save (a new person: the
    empty snapshot). Call inside the transaction that saved them. Returns whether the people-changed hooks ran.
    """
    if roles_before is not None:
        role_change_record(request=request, user=user, before=roles_before)
    if not created and not TRAINING_FIELDS.intersection(changed_fields):
        return False
    people_changed_hooks_run([user.pk])
    return True


def unit_create(*, unit: OrganisationUnit, parent: OrganisationUnit | None) -> OrganisationUnit:
    """Place a new (unsaved) unit in the tree: at the top when ``parent`` is None, else under it."""
    unit = OrganisationUnit.add_root(instance=unit) if parent is None else parent.add_child(instance=unit)
    units_changed_hooks_run()
    return unit


def unit_update(*, unit: OrganisationUnit, parent: OrganisationUnit | None) -> OrganisationUnit:
    """Save an existing unit's fields and, if ``parent`` is not its parent, move it with its sub-units."""
    unit.save()
    if parent != unit.get_parent():
        if parent is None:
            unit.move(OrganisationUnit.get_first_root_node(), "sorted-sibling")
        else:
            unit.move(parent, "sorted-child")
        unit.refresh_from_db()
        units_changed_hooks_run()
    return unit
