"""The roles people hold, as Django groups (created by migration 0002_roles).

See docs/roles.md for what each may do.
"""

COMMUNICATIONS_STAFF = "Cán bộ truyền thông"
TRAINING_ADMINISTRATOR = "Quản trị đào tạo"
UNIT_MANAGER = "Quản lý đơn vị"
CIVIL_SERVANT = "Cán bộ, công chức"
CITIZEN = "Người dân"

ALL = (COMMUNICATIONS_STAFF, TRAINING_ADMINISTRATOR, UNIT_MANAGER, CIVIL_SERVANT, CITIZEN)
