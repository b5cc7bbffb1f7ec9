"""An H5P attempt's writes: a relayed xAPI statement stored on the attempt, mapped onto the lesson.

The attempt is the SCORM runtime's (``PackageAttempt``, named by the signed attempt token the player
was launched with); its ``cmi`` holds H5P's last result under ``"h5p"``. The latest ``answered`` or
``completed`` statement is the attempt's result (a "Retry" in the activity replaces it); the lesson
is completed, through learning's ``lesson_complete`` (which completes the course), when the result
is complete, not failed, and its scaled score reaches the course's pass mark; ``package_finished``
is announced once per attempt and change of result, inside the storing transaction.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User

from ...learning.services import lesson_complete
from ..models import LearningPackage
from ..results import lesson_done
from ..services import CommitOutcome, CommitRefused, _announce_if_changed, _attempt_for_commit, _result
from .results import StatementInvalid, statement_read


def h5p_attempt_commit(
    *, user: User, lesson: Any, package: LearningPackage, attempt_uuid: str, values: dict, terminate: bool = False
) -> CommitOutcome:
    """Store the statement's result (a bad statement: ``CommitRefused(400)`` and nothing written)."""
    try:
        read = statement_read(values=values)
    except StatementInvalid as invalid:
        raise CommitRefused(400, str(invalid.message)) from None
    statuses = read.statuses
    now = timezone.now()
    with transaction.atomic():
        attempt = _attempt_for_commit(user=user, lesson=lesson, package=package, attempt_uuid=attempt_uuid)
        previous = attempt.cmi.get("h5p", {}) if isinstance(attempt.cmi, dict) else {}
        attempt.cmi = {
            "h5p": {
                "verb": read.verb,
                "result": {
                    "score": {"raw": statuses.raw, "min": statuses.minimum, "max": statuses.maximum},
                    "scaled": statuses.scaled,
                    "completion": statuses.completed,
                    "success": statuses.passed,
                },
                "statements": int(previous.get("statements", 0)) + 1,
            }
        }
        attempt.completion_status, attempt.success_status = statuses.completion, statuses.success
        attempt.score_raw, attempt.score_min, attempt.score_max = statuses.raw, statuses.minimum, statuses.maximum
        attempt.score_scaled = statuses.scaled
        attempt.session_seconds = max(attempt.session_seconds, read.duration_seconds)
        attempt.updated_at = now
        if statuses.completed and attempt.completed_at is None:
            attempt.completed_at = now
        attempt.save()
        _announce_if_changed(
            attempt=attempt,
            user=user,
            lesson=lesson,
            result=_result(attempt=attempt, package=package, statuses=statuses),
        )
        if not lesson_done(statuses=statuses, pass_mark=lesson.course.pass_mark):
            return CommitOutcome(attempt=attempt, lesson_completed=False, course_completed=False)
        try:
            enrolment = lesson_complete(user=user, lesson=lesson)
        except ValidationError as error:
            return CommitOutcome(attempt, False, False, not_recorded=" ".join(error.messages))
    return CommitOutcome(attempt=attempt, lesson_completed=True, course_completed=enrolment.completed_at is not None)
