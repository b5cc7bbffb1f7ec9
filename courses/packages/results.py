"""What a SCORM attempt's data says: completion, success and score, in the standards' own terms.

- SCORM 1.2: ``cmi.core.lesson_status`` passed, completed or failed is complete (failed is not
  passed); with a mastery score (the manifest's ``adlcp:masteryscore``) and a raw score, the LMS
  decides passed or failed (RTE 3.4.2.1.2). Scaled score: raw / max (max 100 if unset).
- SCORM 2004: ``cmi.completion_status`` and ``cmi.success_status`` as set; ``cmi.score.scaled``
  (else raw / max).
"""

from dataclasses import dataclass

from .models import PackageAttempt, Standard


@dataclass(frozen=True)
class Statuses:
    completion: str  # PackageAttempt.Completion
    success: str  # PackageAttempt.Success
    raw: float | None
    minimum: float | None
    maximum: float | None
    scaled: float | None

    @property
    def completed(self) -> bool:
        return self.completion == PackageAttempt.Completion.COMPLETED

    @property
    def passed(self) -> bool | None:
        if self.success == PackageAttempt.Success.UNKNOWN:
            return None
        return self.success == PackageAttempt.Success.PASSED


def _number(value: object) -> float | None:
    try:
        return float(str(value)) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _scaled(raw: float | None, maximum: float | None, minimum: float | None) -> float | None:
    if raw is None:
        return None
    low = minimum or 0.0
    high = maximum if maximum is not None else 100.0
    if high <= low:
        return None
    return max(-1.0, min(1.0, (raw - low) / (high - low)))


def _scorm12(cmi: dict, manifest: dict) -> Statuses:
    status = cmi.get("cmi.core.lesson_status", "not attempted")
    raw, minimum, maximum = (_number(cmi.get(f"cmi.core.score.{part}")) for part in ("raw", "min", "max"))
    completion = {
        "passed": PackageAttempt.Completion.COMPLETED,
        "completed": PackageAttempt.Completion.COMPLETED,
        "failed": PackageAttempt.Completion.COMPLETED,
        "incomplete": PackageAttempt.Completion.INCOMPLETE,
        "browsed": PackageAttempt.Completion.INCOMPLETE,
    }.get(status, PackageAttempt.Completion.NOT_ATTEMPTED)
    success = {"passed": PackageAttempt.Success.PASSED, "failed": PackageAttempt.Success.FAILED}.get(
        status, PackageAttempt.Success.UNKNOWN
    )
    mastery = _number(manifest.get("mastery_score"))
    if mastery is not None and raw is not None and completion == PackageAttempt.Completion.COMPLETED:
        success = PackageAttempt.Success.PASSED if raw >= mastery else PackageAttempt.Success.FAILED
    return Statuses(completion, success, raw, minimum, maximum, _scaled(raw, maximum, minimum))


def _scorm2004(cmi: dict) -> Statuses:
    completion = cmi.get("cmi.completion_status", "unknown")
    if completion not in PackageAttempt.Completion.values:
        completion = PackageAttempt.Completion.UNKNOWN
    success = cmi.get("cmi.success_status", "unknown")
    if success not in PackageAttempt.Success.values:
        success = PackageAttempt.Success.UNKNOWN
    raw, minimum, maximum = (_number(cmi.get(f"cmi.score.{part}")) for part in ("raw", "min", "max"))
    scaled = _number(cmi.get("cmi.score.scaled"))
    if scaled is None:
        scaled = _scaled(raw, maximum, minimum) if maximum is not None else None
    return Statuses(completion, success, raw, minimum, maximum, scaled)


def statuses_read(*, standard: str, cmi: dict, manifest: dict) -> Statuses:
    if standard == Standard.SCORM12:
        return _scorm12(cmi, manifest)
    return _scorm2004(cmi)


def lesson_done(*, statuses: Statuses, pass_mark: int) -> bool:
    """Does this result complete the lesson? Complete, not failed, and a score (if any) at the course's pass mark."""
    if not statuses.completed or statuses.passed is False:
        return False
    if statuses.scaled is not None:
        return round(statuses.scaled * 100, 6) >= pass_mark
    return True
