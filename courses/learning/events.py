"""What learning announces, and who listens: the one registry between learning and the rooms above it.

Learning never imports ``courses.training`` or ``courses.certificates``. They subscribe here
(``CoursesConfig.ready`` calls their ``subscribe_to_learning``), and learning announces:

- ``enrolment_created``: a learner enrolled in a course (a new run). Announced inside the
  transaction that creates the enrolment.
- ``course_completed``: an enrolment was completed, once (the conditional update that wrote the
  completion time). Announced inside that transaction, so what the subscribers write (the
  certificate, the completed assignments) commits or rolls back with the completion.

Subscribers run in the order they subscribed, synchronously; an exception in one rolls the
announcing transaction back, as a direct call would.
"""

from collections.abc import Callable

from .models import Enrolment

Subscriber = Callable[..., object]


class Announcement:
    """One fact learning announces: a list of subscribers, each called with ``enrolment=``."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> Subscriber:
        """Add ``subscriber`` (once: subscribing again changes nothing). Usable as a decorator."""
        if subscriber not in self.subscribers:
            self.subscribers.append(subscriber)
        return subscriber

    def announce(self, *, enrolment: Enrolment) -> None:
        for subscriber in self.subscribers:
            subscriber(enrolment=enrolment)

    def __repr__(self) -> str:
        return f"<Announcement {self.name}: {len(self.subscribers)} subscribers>"


enrolment_created = Announcement("enrolment created")
course_completed = Announcement("course completed")
