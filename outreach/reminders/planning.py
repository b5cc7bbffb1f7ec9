"""What the reminder planners share: the settings and templates of a pass, links, selections."""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy

from accounts.models import Consent
from courses.models import Assignment, CoursePage
from outreach.delivery import kinds
from outreach.delivery.models import Channel
from outreach.delivery.outbox import Outbox, Person
from outreach.delivery.texts import render, sms_link, subject_line

from .defaults import DEFAULT_TEMPLATES
from .models import MessageKind, MessageTemplate, ReminderSetting


def date_display(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def templates_load() -> dict[str, dict[str, tuple[str, str, str]]]:
    """{kind: (subject, body, sms) per language}, from the database, defaults for missing kinds."""
    found = {template.kind: template for template in MessageTemplate.objects.all()}
    loaded = {}
    for kind in MessageKind.values:
        template = found.get(kind) or MessageTemplate(kind=kind, **DEFAULT_TEMPLATES[kind])
        loaded[kind] = {language: template.texts(language) for language in ("vi", "en")}
    return loaded


# The pages messages link to, by URL name, with the heading each page shows (the same msgid as its
# template's <h1>, so the message names the page as the person sees it; tests follow each link and
# compare). A message never names a page by another name.
PAGE_TITLES = {
    "courses:my_training": gettext_lazy("My training"),
    "courses:my_learning": gettext_lazy("My learning"),
    "courses:team": gettext_lazy("Your units' training"),
    "courses:extension_decisions": gettext_lazy("Extension requests"),
    "accounts:notification_settings": gettext_lazy("Notification settings"),
}


class PageLink(NamedTuple):
    """A page a message sends the person to: its absolute link and its real title."""

    link: str
    page: str

    def values(self, prefix: str = "") -> dict[str, str]:
        """The template's values: ``{link}`` and ``{page}`` (or ``{<prefix>_link}``, ``{<prefix>_page}``)."""
        start = f"{prefix}_" if prefix else ""
        return {f"{start}link": self.link, f"{start}page": self.page}


class Links:
    """Absolute links in a person's language, computed once per planning pass."""

    def __init__(self) -> None:
        self.base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
        self._named: dict = {}
        self._courses: dict = {}
        self._titles: dict = {}
        self._course_titles: dict = {}

    def page(self, name: str, language: str, *, fragment: str = "") -> PageLink:
        """(absolute link, the page's real title) of the page named ``name`` (a key of PAGE_TITLES)."""
        key = (name, language)
        if key not in self._titles:
            with translation.override(language):
                self._titles[key] = str(PAGE_TITLES[name])
        return PageLink(self.named(name, language) + (f"#{fragment}" if fragment else ""), self._titles[key])

    def certificate(self, code: str, language: str) -> PageLink:
        """(absolute link, title) of a certificate's public page ("Certificate <code>", as its heading)."""
        with translation.override(language):
            title = gettext("Certificate %(code)s") % {"code": code}
        return PageLink(self.named("certificates:verify", language, code), title)

    def course_page(self, course_id: int, language: str) -> PageLink:
        """(absolute link, the Wagtail page's title) of a course."""
        link = self.course(course_id, language)
        return PageLink(link, self._course_titles.get(course_id, ""))

    def named(self, name: str, language: str, *args: Any) -> str:
        key = (name, language, args)
        if key not in self._named:
            with translation.override(language):
                self._named[key] = self.base + reverse(name, args=args)
        return self._named[key]

    def course(self, course_id: int, language: str) -> str:
        key = (course_id, language)
        if key not in self._courses:
            page = CoursePage.objects.filter(pk=course_id).first()
            self._course_titles[course_id] = page.title if page else ""
            path = (page.get_url() or "/") if page else "/"
            if path.startswith("http"):
                self._courses[key] = path
            else:
                self._courses[key] = self.base + ("/en" if language == "en" else "") + path
        return self._courses[key]


@dataclass
class ReminderPlan:
    """A planning pass as the reminder planners see it: its outbox, settings, templates and links."""

    outbox: Outbox
    config: ReminderSetting
    templates: dict
    links: Links

    @property
    def now(self) -> datetime.datetime:
        return self.outbox.now

    @property
    def today(self) -> datetime.date:
        return self.outbox.today

    def add(
        self,
        kind: str,
        person: Person,
        *,
        series: str,
        subject_id: int | None = None,
        sequence: int = 0,
        values: Mapping[str, Any] | None = None,
        context: dict | None = None,
    ) -> None:
        """Plan one reminder for ``person`` on each of their channels, in the words of the kind's template."""
        subject_text, body_text, sms_template = self.templates[kind][person.lang]
        values = {"name": person.full_name, "site": settings.WAGTAIL_SITE_NAME, **(values or {})}

        sms_values = {**values, "link": sms_link(str(values["link"]))} if "link" in values else values

        def texts(channel: str) -> tuple[str, str]:
            if channel == Channel.SMS:
                return subject_line(subject_text, values), render(sms_template, sms_values)
            return subject_line(subject_text, values), render(body_text, values)

        self.outbox.add(
            person=person,
            kind=kind,
            channels=person.channels(),
            key=lambda channel: f"{kind}:{person.id}:{series}:{channel}",
            texts=texts,
            subject_id=subject_id,
            sequence=sequence,
            context=context or {},
            values=values,
        )
        self.outbox.flush_if_full()


def reminder_plan(*, outbox: Outbox) -> ReminderPlan:
    """The reminders' view of ``outbox``: settings, templates and links loaded once per pass."""
    return outbox.shared(
        "reminders",
        lambda: ReminderPlan(outbox=outbox, config=ReminderSetting.load(), templates=templates_load(), links=Links()),
    )


def open_training() -> QuerySet:
    """Current, open assignments of active people (what training reminders and the digest are about)."""
    return Assignment.objects.filter(is_current=True, status=Assignment.Status.OPEN, user__is_active=True)


def not_refused(purpose: str, user_ref: str = "user_id") -> Exists:
    """A filter: the person has not refused ``purpose`` (an optional kind of message)."""
    return ~Exists(Consent.objects.filter(user_id=OuterRef(user_ref), purpose=purpose, granted=False))


def _quiet_hours() -> tuple[datetime.time, datetime.time]:
    config = ReminderSetting.load()
    return config.quiet_hours_start, config.quiet_hours_end


# The reminder settings hold the quiet hours of every message (no SMS within them).
kinds.quiet_hours_register(_quiet_hours)
