"""SCORM's run-time data models (CMI): which elements exist, who may read or write them, what values fit.

One table per standard, read by the server (every value a commit stores is checked against it) and
sent to the adapter in the browser (``static/courses/packages/scorm-api.js`` applies the same table,
answering the standard's error codes), so both sides agree. A row: the element's pattern (``n`` an
index), its access (``r`` read-only, ``w`` write-only, ``rw``) and its type with its arguments.

- SCORM 1.2 RTE, section 3.4 (the ``cmi.core`` elements, suspend data, comments, objectives,
  interactions, student data and preferences).
- SCORM 2004 4th edition RTE, section 4.2 (every ``cmi`` element of the data model, and
  ``adl.nav.request``, kept but not acted upon: sequencing is not supported; docs/packages.md).
"""

import re
from dataclasses import dataclass

from .models import Standard

N = r"(\d{1,3})"  # an array's index: at most 1000 of anything

TIMESPAN_12 = r"^\d{2,4}:\d{2}:\d{2}(\.\d{1,2})?$"
TIME_12 = r"^\d{2}:\d{2}:\d{2}(\.\d{1,2})?$"
INTERVAL_2004 = r"^P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d{1,2})?S)?)?$"
TIME_2004 = r"^\d{4}(-\d{2}(-\d{2}(T\d{2}(:\d{2}(:\d{2}(\.\d{1,2})?)?)?(Z|[+-]\d{2}(:\d{2})?)?)?)?)?$"

STATUS_12 = ["passed", "completed", "failed", "incomplete", "browsed"]
INTERACTION_TYPES_12 = ["true-false", "choice", "fill-in", "matching", "performance", "sequencing", "likert", "numeric"]
INTERACTION_TYPES_2004 = [*INTERACTION_TYPES_12[:2], "fill-in", "long-fill-in", *INTERACTION_TYPES_12[3:], "other"]
COMPLETION_2004 = ["completed", "incomplete", "not attempted", "unknown"]
SUCCESS_2004 = ["passed", "failed", "unknown"]

# (pattern, access, type, argument, argument): types "vocab" (values), "string" (max length),
# "decimal" (min, max: SCORM 1.2's CMIDecimal), "real" (min, max: SCORM 2004's real(10,7); out of
# range is its own error), "int" (min, max), "regex" (pattern), "result" (a vocabulary or a number).
_MODEL_12 = [
    (r"cmi\.core\.(student_id|student_name|credit|entry|total_time|lesson_mode)", "r", "string", 255),
    (r"cmi\.core\.lesson_location", "rw", "string", 255),
    (r"cmi\.core\.lesson_status", "rw", "vocab", STATUS_12),
    (r"cmi\.core\.score\.(raw|min|max)", "rw", "decimal", 0, 100),
    (r"cmi\.core\.exit", "w", "vocab", ["time-out", "suspend", "logout", ""]),
    (r"cmi\.core\.session_time", "w", "regex", TIMESPAN_12),
    (r"cmi\.suspend_data", "rw", "string", 4096),
    (r"cmi\.launch_data", "r", "string", 4096),
    (r"cmi\.comments", "rw", "string", 4096),
    (r"cmi\.comments_from_lms", "r", "string", 4096),
    (r"cmi\.student_data\.(mastery_score|max_time_allowed|time_limit_action)", "r", "string", 255),
    (r"cmi\.student_preference\.audio", "rw", "int", -1, 100),
    (r"cmi\.student_preference\.language", "rw", "string", 255),
    (r"cmi\.student_preference\.speed", "rw", "int", -100, 100),
    (r"cmi\.student_preference\.text", "rw", "int", -1, 1),
    (rf"cmi\.objectives\.{N}\.id", "rw", "regex", r"^\S{1,255}$"),
    (rf"cmi\.objectives\.{N}\.score\.(raw|min|max)", "rw", "decimal", 0, 100),
    (rf"cmi\.objectives\.{N}\.status", "rw", "vocab", [*STATUS_12, "not attempted"]),
    (rf"cmi\.interactions\.{N}\.id", "w", "regex", r"^\S{1,255}$"),
    (rf"cmi\.interactions\.{N}\.objectives\.{N}\.id", "w", "regex", r"^\S{1,255}$"),
    (rf"cmi\.interactions\.{N}\.time", "w", "regex", TIME_12),
    (rf"cmi\.interactions\.{N}\.type", "w", "vocab", INTERACTION_TYPES_12),
    (rf"cmi\.interactions\.{N}\.correct_responses\.{N}\.pattern", "w", "string", 255),
    (rf"cmi\.interactions\.{N}\.weighting", "w", "decimal", -1e9, 1e9),
    (rf"cmi\.interactions\.{N}\.student_response", "w", "string", 255),
    (rf"cmi\.interactions\.{N}\.result", "w", "result", ["correct", "wrong", "unanticipated", "neutral"]),
    (rf"cmi\.interactions\.{N}\.latency", "w", "regex", TIMESPAN_12),
]

_MODEL_2004 = [
    (r"cmi\._version", "r", "string", 10),
    (r"cmi\.(credit|entry|mode|learner_id|learner_name|total_time|time_limit_action)", "r", "string", 4000),
    (r"cmi\.(completion_threshold|scaled_passing_score|max_time_allowed|launch_data)", "r", "string", 4000),
    (r"cmi\.location", "rw", "string", 1000),
    (r"cmi\.completion_status", "rw", "vocab", COMPLETION_2004),
    (r"cmi\.success_status", "rw", "vocab", SUCCESS_2004),
    (r"cmi\.exit", "w", "vocab", ["time-out", "suspend", "logout", "normal", ""]),
    (r"cmi\.session_time", "w", "regex", INTERVAL_2004),
    (r"cmi\.suspend_data", "rw", "string", 64000),
    (r"cmi\.progress_measure", "rw", "real", 0, 1),
    (r"cmi\.score\.scaled", "rw", "real", -1, 1),
    (r"cmi\.score\.(raw|min|max)", "rw", "real", -1e10, 1e10),
    (r"cmi\.learner_preference\.(audio_level|delivery_speed)", "rw", "real", 0, 1e10),
    (r"cmi\.learner_preference\.language", "rw", "string", 250),
    (r"cmi\.learner_preference\.audio_captioning", "rw", "vocab", ["-1", "0", "1"]),
    (rf"cmi\.comments_from_learner\.{N}\.(comment|location)", "rw", "string", 4000),
    (rf"cmi\.comments_from_learner\.{N}\.timestamp", "rw", "regex", TIME_2004),
    (rf"cmi\.comments_from_lms\.{N}\.(comment|location|timestamp)", "r", "string", 4000),
    (rf"cmi\.objectives\.{N}\.id", "rw", "regex", r"^\S{1,4000}$"),
    (rf"cmi\.objectives\.{N}\.score\.scaled", "rw", "real", -1, 1),
    (rf"cmi\.objectives\.{N}\.score\.(raw|min|max)", "rw", "real", -1e10, 1e10),
    (rf"cmi\.objectives\.{N}\.success_status", "rw", "vocab", SUCCESS_2004),
    (rf"cmi\.objectives\.{N}\.completion_status", "rw", "vocab", COMPLETION_2004),
    (rf"cmi\.objectives\.{N}\.progress_measure", "rw", "real", 0, 1),
    (rf"cmi\.objectives\.{N}\.description", "rw", "string", 250),
    (rf"cmi\.interactions\.{N}\.id", "rw", "regex", r"^\S{1,4000}$"),
    (rf"cmi\.interactions\.{N}\.type", "rw", "vocab", INTERACTION_TYPES_2004),
    (rf"cmi\.interactions\.{N}\.objectives\.{N}\.id", "rw", "regex", r"^\S{1,4000}$"),
    (rf"cmi\.interactions\.{N}\.timestamp", "rw", "regex", TIME_2004),
    (rf"cmi\.interactions\.{N}\.correct_responses\.{N}\.pattern", "rw", "string", 4000),
    (rf"cmi\.interactions\.{N}\.weighting", "rw", "real", -1e10, 1e10),
    (rf"cmi\.interactions\.{N}\.learner_response", "rw", "string", 4000),
    (rf"cmi\.interactions\.{N}\.result", "rw", "result", ["correct", "incorrect", "unanticipated", "neutral"]),
    (rf"cmi\.interactions\.{N}\.latency", "rw", "regex", INTERVAL_2004),
    (rf"cmi\.interactions\.{N}\.description", "rw", "string", 250),
    (r"adl\.nav\.request", "rw", "string", 4000),
]

CHILDREN: dict[str, dict[str, str]] = {
    Standard.SCORM12: {
        "cmi.core": "student_id,student_name,lesson_location,credit,lesson_status,entry,score,total_time,"
        "lesson_mode,exit,session_time",
        "cmi.core.score": "raw,min,max",
        "cmi.objectives": "id,score,status",
        "cmi.objectives.n.score": "raw,min,max",
        "cmi.student_data": "mastery_score,max_time_allowed,time_limit_action",
        "cmi.student_preference": "audio,language,speed,text",
        "cmi.interactions": "id,objectives,time,type,correct_responses,weighting,student_response,result,latency",
    },
    Standard.SCORM2004: {
        "cmi.score": "scaled,raw,min,max",
        "cmi.objectives": "id,score,success_status,completion_status,progress_measure,description",
        "cmi.objectives.n.score": "scaled,raw,min,max",
        "cmi.learner_preference": "audio_level,language,delivery_speed,audio_captioning",
        "cmi.comments_from_learner": "comment,location,timestamp",
        "cmi.comments_from_lms": "comment,location,timestamp",
        "cmi.interactions": "id,type,objectives,timestamp,correct_responses,weighting,learner_response,result,"
        "latency,description",
    },
}

# Written by the content for this session only: not handed back when it is launched again.
SESSION_ELEMENTS: dict[str, tuple[str, ...]] = {
    Standard.SCORM12: ("cmi.core.exit", "cmi.core.session_time"),
    Standard.SCORM2004: ("cmi.exit", "cmi.session_time", "adl.nav.request"),
}
_INTERVAL_PARTS = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")
_NUMBER = re.compile(r"^-?(\d+(\.\d*)?|\.\d+)$")


@dataclass(frozen=True)
class Element:
    pattern: re.Pattern
    access: str
    type: str
    arguments: tuple


def _compiled(rows: list) -> list[Element]:
    return [Element(re.compile(f"^{row[0]}$"), row[1], row[2], tuple(row[3:])) for row in rows]


MODELS: dict[str, list[Element]] = {Standard.SCORM12: _compiled(_MODEL_12), Standard.SCORM2004: _compiled(_MODEL_2004)}


def model_for_browser(standard: str) -> list[list]:
    """The table as the adapter reads it: [pattern, access, type, *arguments]."""
    rows = _MODEL_12 if standard == Standard.SCORM12 else _MODEL_2004
    return [[f"^{row[0]}$", *row[1:]] for row in rows]


def element_find(standard: str, name: str) -> Element | None:
    for element in MODELS.get(standard, []):
        if element.pattern.match(name):
            return element
    return None


def _number_in(value: str, low: float, high: float) -> bool | None:
    """None: not a number; else whether it is within [low, high]."""
    if not _NUMBER.match(value):
        return None
    return low <= float(value) <= high


def value_problem(element: Element, value: str) -> str | None:
    """None if ``value`` fits the element, else "type" (a value of the wrong kind) or "range"."""
    kind, arguments = element.type, element.arguments
    if kind == "vocab":
        return None if value in arguments[0] else "type"
    if kind == "string":
        return None if len(value) <= arguments[0] else "type"
    if kind == "regex":
        return None if re.match(arguments[0], value) else "type"
    if kind in ("decimal", "real", "int"):
        if kind == "decimal" and value == "":
            return None  # SCORM 1.2: an empty score is "no score"
        if kind == "int" and not re.match(r"^-?\d+$", value):
            return "type"
        fits = _number_in(value, arguments[0], arguments[1])
        return "type" if fits is None else None if fits else "range"
    if kind == "result":
        return None if value in arguments[0] or _NUMBER.match(value) else "type"
    return "type"  # pragma: no cover


def values_check(*, standard: str, values: dict) -> list[tuple[str, str]]:
    """Every (element, problem) in what a commit would store: "unknown", "read-only", "type", "range"."""
    problems = []
    for name, value in values.items():
        element = element_find(standard, name) if isinstance(name, str) else None
        if element is None:
            problems.append((str(name)[:200], "unknown"))
        elif element.access == "r":
            problems.append((name, "read-only"))
        elif not isinstance(value, str):
            problems.append((name, "type"))
        elif problem := value_problem(element, value):
            problems.append((name, problem))
    return problems


def timespan_seconds(standard: str, value: str) -> float:
    """SCORM 1.2's HHHH:MM:SS.SS or SCORM 2004's ISO 8601 duration, in seconds (0 if unreadable)."""
    if standard == Standard.SCORM12:
        match = re.match(TIMESPAN_12, value or "")
        if not match:
            return 0.0
        hours, minutes, seconds = value.split(":")
        return int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    match = _INTERVAL_PARTS.match(value or "")
    if not match:
        return 0.0
    years, months, days, hours, minutes, seconds = (float(part or 0) for part in match.groups())
    return ((years * 365 + months * 30 + days) * 24 + hours) * 3600 + minutes * 60 + seconds


def timespan_format(standard: str, seconds: float) -> str:
    if standard == Standard.SCORM12:
        hours, rest = divmod(seconds, 3600)
        minutes, secs = divmod(rest, 60)
        return f"{min(int(hours), 9999):04d}:{int(minutes):02d}:{secs:05.2f}"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"PT{int(hours)}H{int(minutes)}M{round(secs, 2)}S"
