"""The provincial leaders' role (a Django group created by ``insights/migrations/0002``).

Leaders read the operations dashboard for the whole province, with small groups suppressed; they
change nothing. The other roles are in ``accounts.roles``.
"""

LEADER = "Lãnh đạo"
