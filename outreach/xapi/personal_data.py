"""Personal data of xAPI (see ``accounts.personal_data``): the statements about a person, queued or sent.

Erasure voids them in the LRS: a voiding statement for each (naming no one, so it outlives the
person's rows), then the person's rows go (``services.statements_void``).
"""

from accounts.models import User
from core.localtime import moment_iso

from .models import Statement
from .services import statements_void


def export(user: User) -> dict:
    return {
        "learning_records_xapi": [
            {
                "statement_id": str(row.statement_id),
                "verb": row.verb,
                "activity": row.activity,
                "status": row.status,
                "planned_at": moment_iso(row.planned_at),
                "sent_at": moment_iso(row.sent_at),
                "statement": row.payload,
            }
            for row in Statement.objects.filter(learner=user).order_by("pk")
        ]
    }


def erase(user: User) -> None:
    statements_void(user=user)
