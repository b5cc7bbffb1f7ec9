"""Reminders: the kinds of message the site sends by itself, one module per kind family.

``training`` (mandatory training due soon, due today, overdue), ``digest`` (the unit managers'
weekly digest), ``certificates`` (about to expire, issued), ``courses`` (nudges to finish a
course). Each registers its planner and its "still wanted?" re-check with ``outreach.delivery``
(``OutreachConfig.ready`` imports them). ``planning`` holds what their planners share.
"""
