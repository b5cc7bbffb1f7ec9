"""Personal data of learning packages (``ACCOUNTS_PERSONAL_DATA_PROVIDERS``, see ``accounts.personal_data``).

- Export: every attempt of the person: the package and lesson, the result, the time spent and the run-time
  data the package stored (SCORM's CMI: what they answered, where they were).
- Erasure: their attempts are deleted; packages they uploaded stay (course content), naming nobody.
"""

from core.localtime import moment_iso

from .models import LearningPackage, PackageAttempt


def export(user):
    attempts = PackageAttempt.objects.filter(user=user).select_related("package", "lesson").order_by("started_at", "pk")
    return {
        "package_attempts": [
            {
                "attempt": str(attempt.uuid),
                "package": attempt.package.title,
                "standard": attempt.package.standard,
                "lesson": attempt.lesson.title,
                "completion": attempt.completion_status,
                "success": attempt.success_status,
                "score_raw": attempt.score_raw,
                "score_min": attempt.score_min,
                "score_max": attempt.score_max,
                "score_scaled": attempt.score_scaled,
                "time_spent_seconds": attempt.session_seconds,
                "started_at": moment_iso(attempt.started_at),
                "updated_at": moment_iso(attempt.updated_at),
                "completed_at": moment_iso(attempt.completed_at),
                "closed_at": moment_iso(attempt.closed_at),
                "data": attempt.cmi,
            }
            for attempt in attempts
        ],
        "packages_uploaded": [
            {"package": package.title, "uploaded_at": moment_iso(package.uploaded_at)}
            for package in LearningPackage.objects.filter(uploaded_by=user).order_by("uploaded_at", "pk")
        ],
    }


def erase(user):
    PackageAttempt.objects.filter(user=user).delete()
    LearningPackage.objects.filter(uploaded_by=user).update(uploaded_by=None)
