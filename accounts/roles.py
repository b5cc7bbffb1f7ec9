"""The roles people hold, as Django groups (created by migrations 0002_roles and 0007_communications_lead;
the helper by courses/migrations/0012_helper_role).

See docs/roles.md for what each may do.
"""

COMMUNICATIONS_STAFF = "Cán bộ truyền thông"
# Approves and publishes campaigns (migration 0007_communications_lead; see outreach.moderation).
COMMUNICATIONS_LEAD = "Trưởng nhóm truyền thông"
TRAINING_ADMINISTRATOR = "Quản trị đào tạo"
UNIT_MANAGER = "Quản lý đơn vị"
CIVIL_SERVANT = "Cán bộ, công chức"
CITIZEN = "Người dân"
# A civil servant at a commune's one-stop counter who guides citizens (courses/migrations/0012_helper_role).
HELPER = "Hỗ trợ viên"

ALL = (COMMUNICATIONS_STAFF, COMMUNICATIONS_LEAD, TRAINING_ADMINISTRATOR, UNIT_MANAGER, CIVIL_SERVANT, CITIZEN, HELPER)
