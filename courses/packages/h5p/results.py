"""What an H5P activity's xAPI statement says, checked: its verb and its result (xAPI 1.0.3, section 4.1.5).

The player in the sandboxed frame relays the statements H5P's core hands to ``H5P.externalDispatcher``
for the activity itself (not its sub-contents), verbs ``answered`` and ``completed`` only, as
``{"verb": <IRI>, "result": {"score": {"raw", "min", "max", "scaled"}, "completion", "success",
"duration"}}``. Anything else is refused with a reason; nothing is written.
"""

import math
import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .. import cmi
from ..models import PackageAttempt, Standard
from ..results import Statuses

VERBS = {
    "http://adlnet.gov/expapi/verbs/answered": "answered",
    "http://adlnet.gov/expapi/verbs/completed": "completed",
}
_SCALED_TOLERANCE = 0.001  # H5P rounds scaled to 4 decimals
# xAPI's duration: ISO 8601 (as SCORM 2004's timeinterval, any decimals of a second).
_DURATION = re.compile(r"^P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")


class StatementInvalid(ValueError):
    """The relayed statement is refused: ``message`` says why (translated)."""

    def __init__(self, message) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class H5PResult:
    verb: str  # "answered" or "completed"
    statuses: Statuses
    duration_seconds: float


def _number(value: object, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise StatementInvalid(_("The score's %(name)s is not a number.") % {"name": name})
    return float(value)


def _score(score: object) -> tuple[float | None, float | None, float | None, float | None]:
    if score is None:
        return None, None, None, None
    if not isinstance(score, dict):
        raise StatementInvalid(_("The statement's score is not an object."))
    raw, low, high, scaled = (_number(score.get(key), key) for key in ("raw", "min", "max", "scaled"))
    if scaled is not None and not -1 <= scaled <= 1:
        raise StatementInvalid(_("The scaled score must be between -1 and 1."))
    if raw is not None:
        if high is None or high <= (low or 0):
            raise StatementInvalid(_("A raw score needs a maximum above its minimum."))
        if not (low or 0) <= raw <= high:
            raise StatementInvalid(_("The raw score is outside the minimum and maximum."))
        computed = (raw - (low or 0)) / (high - (low or 0))
        if scaled is None:
            scaled = round(computed, 4)
        elif abs(scaled - computed) > _SCALED_TOLERANCE:
            raise StatementInvalid(_("The scaled score does not match the raw score."))
    return raw, low, high, scaled


def _flag(result: dict, key: str) -> bool | None:
    value = result.get(key)
    if value is not None and not isinstance(value, bool):
        raise StatementInvalid(_("The statement's %(name)s is not true or false.") % {"name": key})
    return value


def statement_read(*, values: dict) -> H5PResult:
    """The checked result of a relayed statement; ``StatementInvalid`` if it is not one we take."""
    verb = VERBS.get(values.get("verb"))  # type: ignore[arg-type]
    if verb is None:
        raise StatementInvalid(_("Only the xAPI verbs “answered” and “completed” are recorded."))
    result = values.get("result", {})
    if not isinstance(result, dict):
        raise StatementInvalid(_("The statement's result is not an object."))
    raw, low, high, scaled = _score(result.get("score"))
    completion, success = _flag(result, "completion"), _flag(result, "success")
    duration = result.get("duration", "")
    seconds = 0.0
    if duration:
        if not isinstance(duration, str) or not _DURATION.match(duration):
            raise StatementInvalid(_("The statement's duration is not an ISO 8601 duration."))
        seconds = cmi.timespan_seconds(Standard.SCORM2004, duration)
    completed = verb == "completed" or completion is True
    return H5PResult(
        verb=verb,
        statuses=Statuses(
            completion=PackageAttempt.Completion.COMPLETED if completed else PackageAttempt.Completion.INCOMPLETE,
            success={True: PackageAttempt.Success.PASSED, False: PackageAttempt.Success.FAILED}.get(
                success,  # type: ignore[arg-type]
                PackageAttempt.Success.UNKNOWN,
            ),
            raw=raw,
            minimum=low,
            maximum=high,
            scaled=scaled,
        ),
        duration_seconds=seconds,
    )
