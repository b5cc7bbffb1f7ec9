"""Personal data of assisted learning (``ACCOUNTS_PERSONAL_DATA_PROVIDERS``, see ``accounts.personal_data``).

- A citizen's export: their sessions (who helped, where, when, how they agreed, what was done) and the log
  entries about them. A helper's: the sessions they ran and their log entries, without the citizens' names
  or numbers (other people's data).
- Erasure: a citizen's sessions and marks go with the account (cascade); the log keeps the facts, naming
  nobody. A helper's sessions and log entries stay (the citizens' progress and its record), naming no helper.
"""

from core.localtime import moment_iso

from .models import AssistedLogEntry, AssistedSession


def _marks(session):
    return [
        {
            "kind": mark.kind,
            "what": mark.lesson.title
            if mark.lesson_id
            else mark.tutorial.title
            if mark.tutorial_id
            else mark.service.name,
            "procedure_code": mark.service.procedure_code if mark.service_id else None,
            "at": moment_iso(mark.at),
        }
        for mark in session.marks.select_related("lesson", "tutorial", "service")
    ]


def export(user):
    helped = AssistedSession.objects.filter(citizen=user).select_related("helper", "unit").order_by("started_at", "pk")
    run = AssistedSession.objects.filter(helper=user).select_related("unit").order_by("started_at", "pk")
    return {
        "assisted_sessions": [
            {
                "helper": s.helper.full_name if s.helper_id else None,
                "unit": str(s.unit) if s.unit_id else None,
                "phone": s.phone,
                "status": s.status,
                "started_at": moment_iso(s.started_at),
                "consent_method": s.consent_method,
                "consent_at": moment_iso(s.consent_at),
                "consent_text": s.consent_text,
                "notice_version": s.notice_version,
                "ended_at": moment_iso(s.ended_at),
                "withdrawn_at": moment_iso(s.withdrawn_at),
                "done_together": _marks(s),
            }
            for s in helped
        ],
        "assisted_sessions_run": [
            {
                "unit": str(s.unit) if s.unit_id else None,
                "status": s.status,
                "started_at": moment_iso(s.started_at),
                "ended_at": moment_iso(s.ended_at),
            }
            for s in run
        ],
        "assisted_log": [
            {"at": moment_iso(entry.at), "action": entry.action, "as_helper": entry.helper_id == user.pk}
            for entry in AssistedLogEntry.objects.filter(helper=user) | AssistedLogEntry.objects.filter(citizen=user)
        ],
    }


def erase(user):
    """Name the person nowhere in the log or in the sessions they ran (their own sessions go with them)."""
    AssistedLogEntry.objects.filter(citizen=user).update(citizen=None)
    AssistedLogEntry.objects.filter(helper=user).update(helper=None)
    AssistedSession.objects.filter(helper=user).update(helper=None)
