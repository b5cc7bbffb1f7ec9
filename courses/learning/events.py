"""What learning announces, and who listens: the one registry between learning and the rooms above it.

Learning never imports ``courses.training`` or ``courses.certificates``. They subscribe here
(``CoursesConfig.ready`` calls their ``subscribe_to_learning``), and learning announces:

- ``enrolment_created``: a learner enrolled in a course (a new run). Announced inside the
  transaction that creates the enrolment.
- ``course_completed``: an enrolment was completed, once (the conditional update that wrote the
  completion time). Announced inside that transaction, so what the subscribers write (the
  certificate, the completed assignments) commits or rolls back with the completion.

- ``tutorial_viewed``: a signed-in person viewed a tutorial page (``user=``, ``tutorial_id=``,
  ``path=`` the page's address, ``viewed_at=``), announced after the response by the page-view
  counter (``core.page_views``, every view: subscribers decide what a repeat is), outside any transaction.
- ``lesson_completed``: a lesson was recorded complete (``user=``, ``lesson=``, ``course=``,
  ``enrolment=``, ``completed_at=``), inside the completing transaction, each time the learner
  completes it (the completion row itself is written once): subscribers key on (user, lesson).
- ``quiz_graded``: a quiz attempt was recorded and graded (``attempt=`` a ``QuizAttempt`` with its
  score and ``passed``, ``user=``, ``course=``, ``lesson=`` None for the final test, ``enrolment=``),
  once per attempt, inside the transaction that stored it.

- ``package_finished``: a SCORM package or an H5P activity in a lesson reported a result for one
  attempt (``user=``, ``lesson=``, ``result=`` a ``PackageResult``), announced once per attempt and
  change of result, inside the transaction that stored it.

Subscribers run in the order they subscribed, synchronously; an exception in one rolls the
announcing transaction back, as a direct call would. Every subscriber takes the announcement's
facts as keyword arguments.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Subscriber = Callable[..., object]


@dataclass(frozen=True)
class PackageResult:
    """What a SCORM package or an H5P activity reported for one attempt, in the standards' own terms."""

    attempt_id: str  # stable for the attempt (a UUID): statements built from it keep their ids
    standard: str  # "scorm12", "scorm2004" or "h5p"
    activity_id: str  # the package's identifier (imsmanifest.xml's, or the H5P content's)
    title: str
    completed: bool
    passed: bool | None  # None: the package reports no success status
    score_scaled: float | None = None  # -1..1 (SCORM 2004's scaled; raw / max otherwise)
    score_raw: float | None = None
    score_min: float | None = None
    score_max: float | None = None
    duration_seconds: float | None = None


class Announcement:
    """One fact learning announces: a list of subscribers, each called with the fact's keyword arguments."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber, *, first: bool = False) -> Subscriber:
        """Add ``subscriber`` (once: subscribing again changes nothing). Usable as a decorator.

        ``first``: run before the subscribers already there (a record of the fact itself, which must
        precede the records of what follows from it, such as the certificate a completion issues).
        """
        if subscriber not in self.subscribers:
            if first:
                self.subscribers.insert(0, subscriber)
            else:
                self.subscribers.append(subscriber)
        return subscriber

    def announce(self, **facts: object) -> None:
        for subscriber in self.subscribers:
            subscriber(**facts)

    def __repr__(self) -> str:
        return f"<Announcement {self.name}: {len(self.subscribers)} subscribers>"


enrolment_created = Announcement("enrolment created")
course_completed = Announcement("course completed")
package_finished = Announcement("package finished")
tutorial_viewed = Announcement("tutorial viewed")
lesson_completed = Announcement("lesson completed")
quiz_graded = Announcement("quiz graded")


def tutorial_view_announce(request: Any, response: Any, page_id: int) -> None:
    """After a counted view of a tutorial (``core.page_views``'s ``on_view``): a signed-in person's view
    is announced (``tutorial_viewed``); nothing is done without a subscriber."""
    user = getattr(request, "user", None)
    if tutorial_viewed.subscribers and user is not None and user.is_authenticated:
        now = datetime.datetime.now(tz=datetime.UTC)
        tutorial_viewed.announce(user=user, tutorial_id=page_id, path=request.path, viewed_at=now)
