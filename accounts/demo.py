"""Demo people and organisation units (used by ``manage.py seed_demo``). Idempotent."""

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from . import roles
from .consent.channels import EMAIL, IN_APP, SMS, ZALO
from .consent.services import SOURCE_DEMO, consent_give
from .models import Consent, ConsentRecord, OrganisationUnit, User

DEMO_PASSWORD = "kynangso-demo-2026"

# (code, name, kind, children)
ORGANISATION_TREE = (
    "TN",
    "Tỉnh Thái Nguyên",
    OrganisationUnit.Kind.PROVINCE,
    [
        ("TN-VP", "Văn phòng UBND tỉnh", OrganisationUnit.Kind.AGENCY, []),
        (
            "TN-SKHCN",
            "Sở Khoa học và Công nghệ",
            OrganisationUnit.Kind.AGENCY,
            [("TN-SKHCN-CDS", "Phòng Chuyển đổi số", OrganisationUnit.Kind.DIVISION, [])],
        ),
        ("TN-SNV", "Sở Nội vụ", OrganisationUnit.Kind.AGENCY, []),
        ("TN-TTPVHCC", "Trung tâm Phục vụ hành chính công tỉnh", OrganisationUnit.Kind.AGENCY, []),
        ("TN-PDP", "Phường Phan Đình Phùng", OrganisationUnit.Kind.COMMUNE, []),
        ("TN-SC", "Phường Sông Công", OrganisationUnit.Kind.COMMUNE, []),
        ("TN-PB", "Xã Phú Bình", OrganisationUnit.Kind.COMMUNE, []),
        ("TN-DT", "Xã Đại Từ", OrganisationUnit.Kind.COMMUNE, []),
        ("TN-DH", "Xã Định Hóa", OrganisationUnit.Kind.COMMUNE, []),
    ],
)

# (email, phone, full name, kind, unit code, role, is_superuser)
DEMO_PEOPLE = [
    ("admin@kynangso.local", None, "Quản trị hệ thống", User.Kind.CIVIL_SERVANT, "TN-SKHCN-CDS", None, True),
    (
        "truyenthong@kynangso.local",
        None,
        "Nguyễn Thị Hoa",
        User.Kind.CIVIL_SERVANT,
        "TN-VP",
        roles.COMMUNICATIONS_STAFF,
        False,
    ),
    (
        "truongnhom@kynangso.local",
        None,
        "Đặng Quốc Bảo",
        User.Kind.CIVIL_SERVANT,
        "TN-VP",
        roles.COMMUNICATIONS_LEAD,
        False,
    ),
    (
        "daotao@kynangso.local",
        None,
        "Trần Văn Minh",
        User.Kind.CIVIL_SERVANT,
        "TN-SNV",
        roles.TRAINING_ADMINISTRATOR,
        False,
    ),
    ("quanly@kynangso.local", None, "Lê Thị Thu", User.Kind.CIVIL_SERVANT, "TN-PB", roles.UNIT_MANAGER, False),
    ("canbo@kynangso.local", None, "Phạm Văn Nam", User.Kind.CIVIL_SERVANT, "TN-PB", roles.CIVIL_SERVANT, False),
    (None, "0912345678", "Hoàng Thị Lan", User.Kind.CITIZEN, "TN-PB", roles.CITIZEN, False),
    # Citizens who chose Zalo (outreach/demo.py); the development Zalo backend has numbers ending
    # in 99 "not on Zalo", so the second one's messages fall back to SMS (docs/zalo.md).
    (None, "0987654321", "Đặng Văn Hải", User.Kind.CITIZEN, "TN-PB", roles.CITIZEN, False),
    (None, "0912345699", "Trịnh Thị Hoa", User.Kind.CITIZEN, "TN-DT", roles.CITIZEN, False),
]


# Civil servants from the "HR roster" of two communes: (employee code, full name, unit code, position, email).
DEMO_STAFF = [
    ("PB-001", "Đỗ Văn Hùng", "TN-PB", "Công chức Văn phòng - Thống kê", "hung.dv@kynangso.local"),
    ("PB-002", "Ngô Thị Mai", "TN-PB", "Công chức Tư pháp - Hộ tịch", "mai.nt@kynangso.local"),
    ("PB-003", "Bùi Quang Vinh", "TN-PB", "Công chức Địa chính - Xây dựng", "vinh.bq@kynangso.local"),
    ("DT-001", "Vũ Thị Hằng", "TN-DT", "Công chức Văn phòng - Thống kê", "hang.vt@kynangso.local"),
    ("DT-002", "Lý Văn Toàn", "TN-DT", "Công chức Tư pháp - Hộ tịch", "toan.lv@kynangso.local"),
]


# Who agreed to campaign news, and on which channels: about half of the demo people (the others
# never answered, and silence is not consent), so a segment counts some, not all.
DEMO_CAMPAIGN_CONSENTS = {
    "0912345678": [SMS, IN_APP],
    "0987654321": [ZALO],
    "0912345699": [ZALO, SMS],
    "canbo@kynangso.local": [EMAIL],
    "quanly@kynangso.local": [EMAIL, IN_APP],
    "hung.dv@kynangso.local": [EMAIL],
    "mai.nt@kynangso.local": [EMAIL, IN_APP],
    "hang.vt@kynangso.local": [EMAIL],
}


def demo_consents_seed():
    """Campaign consent of the demo people above, through the consent service (source "demo").

    Only for people who never answered: running the seed again does not undo a withdrawal.
    """
    for identifier, channels in DEMO_CAMPAIGN_CONSENTS.items():
        lookup = {"email": identifier} if "@" in identifier else {"phone": identifier}
        user = User.objects.filter(**lookup).first()
        if user is None or ConsentRecord.objects.filter(user=user, purpose=Consent.Purpose.CAMPAIGNS).exists():
            continue
        consent_give(user=user, purpose=Consent.Purpose.CAMPAIGNS, channels=channels, source=SOURCE_DEMO)


def _unit_ensure(parent, code, name, kind):
    unit = OrganisationUnit.objects.filter(code=code).first()
    if unit is not None:
        return unit
    if parent is None:
        return OrganisationUnit.add_root(code=code, name=name, kind=kind)
    parent.refresh_from_db()
    return parent.add_child(code=code, name=name, kind=kind)


def _tree_ensure(parent, node):
    code, name, kind, children = node
    unit = _unit_ensure(parent, code, name, kind)
    for child in children:
        _tree_ensure(unit, child)
    return unit


@transaction.atomic
def demo_account_ensure(*, email=None, phone=None, full_name, kind, unit, role=None, is_superuser=False):
    """A demo account with the published demo password, in ``role`` (a group name) if given."""
    lookup = {"email": email} if email else {"phone": phone}
    user = User.objects.filter(**lookup).first() or User(**lookup)
    user.full_name = full_name
    user.kind = kind
    user.organisation_unit = unit
    user.is_superuser = user.is_staff = is_superuser
    user.is_active = True
    user.privacy_consent_at = user.privacy_consent_at or timezone.now()
    user.set_password(DEMO_PASSWORD)
    user.save()
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def demo_people_seed():
    """Create the organisation tree and one demo account per role; return the accounts."""
    _tree_ensure(None, ORGANISATION_TREE)
    units = {unit.code: unit for unit in OrganisationUnit.objects.all()}
    people = []
    for email, phone, full_name, kind, unit_code, role, is_superuser in DEMO_PEOPLE:
        user = demo_account_ensure(
            email=email,
            phone=phone,
            full_name=full_name,
            kind=kind,
            unit=units[unit_code],
            role=role,
            is_superuser=is_superuser,
        )
        if role == roles.UNIT_MANAGER:
            user.organisation_unit.managers.add(user)
        people.append((user, role or "superuser"))
    civil_servants = Group.objects.get(name=roles.CIVIL_SERVANT)
    for code, full_name, unit_code, position, email in DEMO_STAFF:
        user = User.objects.filter(employee_code=code).first() or User(employee_code=code, email=email)
        user.full_name, user.position = full_name, position
        user.kind, user.organisation_unit = User.Kind.CIVIL_SERVANT, units[unit_code]
        user.privacy_consent_at = user.privacy_consent_at or timezone.now()
        user.set_password(DEMO_PASSWORD)
        user.save()
        user.groups.add(civil_servants)
    demo_consents_seed()
    return people
