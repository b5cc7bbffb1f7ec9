"""Generate a year of learning and outreach activity on top of ``generate_training_data``, for the insights benchmark.

``manage.py generate_insights_data --force`` first runs ``generate_training_data`` (100,000 civil servants in 2,000
units, about 500,000 assignments; nothing if the province ``--prefix`` exists), then adds, spread over the last
365 days:

- ``--courses`` courses of ``--lessons`` lessons and ``--tutorials`` tutorials for four public services (pages);
- one to three enrolments per person, about half completed, with a certificate for courses that grant one;
- ``--progress`` lesson completions (1,000,000 by default) over those enrolments;
- tutorials marked done and "Was this helpful?" answers, ``--citizens`` citizens who signed up (no unit);
- tutorial page views per tutorial and day (anonymous, as ``outreach.campaign_tracking`` stores them);
- reminders (sent, some failed) and a campaign with one message, as the campaigns feature records them:
  deliveries of kind ``"campaign"`` naming the ``CampaignMessage``, clicks on its tracked links and
  touches (so that some enrolments and completions are attributed to it).

Rows go in with PostgreSQL's ``COPY`` (about 170,000 rows a second here), or ``bulk_create`` elsewhere. Run twice,
it notices the generated courses and does nothing. Like ``generate_training_data`` it writes made-up personal data,
so it runs only where ``DEMO_DATA_ALLOWED`` is set or with ``--force``.
"""

import datetime
import json
import random
import time

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from wagtail.models import Site

from accounts.models import User
from core.localtime import local_today
from courses.models import (
    CERTIFICATE_CODE_ALPHABET,
    Certificate,
    CourseIndexPage,
    CoursePage,
    Enrolment,
    Feedback,
    LessonCompletion,
    LessonPage,
    PublicService,
    TutorialCompletion,
    TutorialIndexPage,
    TutorialPage,
    TutorialPageView,
)
from outreach.models import (
    AudienceSegment,
    CampaignClick,
    CampaignIndexPage,
    CampaignMessage,
    CampaignPage,
    CampaignTouch,
    Delivery,
)

BATCH = 20_000
MARK = "[bench]"
SERVICES = ["Cấp phiếu lý lịch tư pháp", "Đăng ký khai sinh", "Cấp đổi giấy phép lái xe", "Đăng ký thường trú"]


class Command(BaseCommand):
    help = "Generate a year of enrolments, lesson progress, certificates, tutorials and deliveries (for benchmarks)."

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=100_000)
        parser.add_argument("--units", type=int, default=2_000)
        parser.add_argument("--requirements", type=int, default=5)
        parser.add_argument("--progress", type=int, default=1_000_000, help="lesson completions")
        parser.add_argument("--courses", type=int, default=4)
        parser.add_argument("--lessons", type=int, default=10)
        parser.add_argument("--tutorials", type=int, default=12)
        parser.add_argument("--citizens", type=int, default=20_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--prefix", default="GEN")
        parser.add_argument("--force", action="store_true", help="Run even where DEMO_DATA_ALLOWED is not set.")

    def handle(self, *args, **options):
        if not (getattr(settings, "DEMO_DATA_ALLOWED", False) or options["force"]):
            raise CommandError(
                "This writes thousands of made-up people: it runs only where DEMO_DATA_ALLOWED is set, or with --force."
            )
        call_command(
            "generate_training_data",
            people=options["people"],
            units=options["units"],
            requirements=options["requirements"],
            seed=options["seed"],
            prefix=options["prefix"],
            force=True,
            stdout=self.stdout,
        )
        if CoursePage.objects.filter(title__endswith=MARK).exists():
            self.stdout.write("Insights data already generated: nothing to do.")
            return
        started = time.monotonic()
        with transaction.atomic():
            counts = Activity(random.Random(options["seed"]), options, self.stdout).run()  # noqa: S311 (made-up data)
        summary = ", ".join(f"{value:,} {name}" for name, value in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Generated {summary} in {time.monotonic() - started:.1f} s."))


class Activity:
    def __init__(self, rng, options, stdout):
        self.rng, self.options, self.stdout = rng, options, stdout
        self.now = timezone.now()
        self.phase_started = time.monotonic()

    def phase(self, message):
        now = time.monotonic()
        self.stdout.write(f"  {message} ({now - self.phase_started:.1f} s)")
        self.phase_started = now

    def moment(self, days_ago_max=365, after=None):
        """A random moment in the last ``days_ago_max`` days (or between ``after`` and now)."""
        if after is not None:
            span = max(1.0, (self.now - after).total_seconds())
            return after + datetime.timedelta(seconds=self.rng.random() * span)
        return self.now - datetime.timedelta(seconds=self.rng.random() * days_ago_max * 86400)

    # Writing in bulk ---------------------------------------------------------------------------------

    def insert(self, model, rows):
        """Insert ``rows`` (dicts of attribute names) with COPY on PostgreSQL, bulk_create elsewhere."""
        if not rows:
            return 0
        if connection.vendor != "postgresql":
            model.objects.bulk_create([model(**row) for row in rows], batch_size=2000)
            return len(rows)
        # COPY writes no column defaults: add every concrete field the rows leave out that has a default,
        # or is NOT NULL text ("") — a column added later then never breaks the generator.
        missing = {
            field.attname: field.get_default()
            for field in model._meta.concrete_fields
            if field.attname not in rows[0]
            and not field.primary_key
            and (field.has_default() or (field.empty_strings_allowed and not field.null))
        }
        if missing:
            rows = [{**missing, **row} for row in rows]
        names = list(rows[0])
        columns = ", ".join(connection.ops.quote_name(model._meta.get_field(name).column) for name in names)
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([json.dumps(value) if isinstance(value, dict) else value for value in row.values()])
        return len(rows)

    # Content ---------------------------------------------------------------------------------------------

    def pages(self):
        site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
        home = site.root_page
        course_index = _index_page(home, CourseIndexPage, title="Khóa học", slug="khoa-hoc")
        courses = []
        for number in range(self.options["courses"]):
            course = CoursePage(
                title=f"Khóa học số {number + 1} {MARK}",
                slug=f"bench-khoa-{number + 1}",
                summary="Khóa học để đo.",
                issues_certificate=number % 2 == 0,
            )
            course_index.add_child(instance=course)
            lessons = []
            for lesson_number in range(self.options["lessons"]):
                lesson = LessonPage(title=f"Bài {lesson_number + 1}", slug=f"bai-{lesson_number + 1}")
                course.add_child(instance=lesson)
                lessons.append(lesson.pk)
            courses.append((course.pk, course.title, course.issues_certificate, lessons))
        services = [PublicService.objects.create(name=f"{name} {MARK}", agency="Bench") for name in SERVICES]
        tutorial_index = _index_page(home, TutorialIndexPage, title="Hướng dẫn", slug="huong-dan")
        tutorials = []
        for number in range(self.options["tutorials"]):
            tutorial = TutorialPage(
                title=f"Hướng dẫn {number + 1} {MARK}",
                slug=f"bench-huong-dan-{number + 1}",
                summary="Hướng dẫn để đo.",
                public_service=services[number % len(services)],
            )
            tutorial_index.add_child(instance=tutorial)
            tutorials.append(tutorial.pk)
        campaign_index = _index_page(home, CampaignIndexPage, title="Chiến dịch", slug="chien-dich")
        today = local_today()
        campaign = CampaignPage(
            title=f"Chiến dịch {MARK}",
            slug="bench-chien-dich",
            goal="Đo.",
            starts_on=today - datetime.timedelta(days=60),
            ends_on=today + datetime.timedelta(days=30),
        )
        campaign_index.add_child(instance=campaign)
        segment = AudienceSegment.objects.create(name=f"Mọi người {MARK}")
        message = CampaignMessage.objects.create(
            campaign=campaign,
            name=f"Đợt một {MARK}",
            segment=segment,
            email_subject="Chiến dịch",
            email_body="{link}",
            sms_body="{link}",
            in_app_body="{link}",
            status=CampaignMessage.Status.SENT,
            planned_at=self.now,
        )
        return courses, tutorials, message

    # Activity -------------------------------------------------------------------------------------------

    def run(self):
        rng = self.rng
        prefix = self.options["prefix"]
        courses, tutorials, message = self.pages()
        self.phase(f"{len(courses)} courses, {len(tutorials)} tutorials, a campaign")
        people = list(
            User.objects.filter(employee_code__startswith=prefix).order_by("pk").values_list("pk", "full_name")
        )
        counts = {}

        # Enrolments: one to three courses each, about half completed.
        enrolments = []
        for user_id, _name in people:
            for course_id, _title, _grants, _lessons in rng.sample(courses, k=rng.choice((1, 2, 2, 3))):
                enrolled_at = self.moment()
                completed_at = self.moment(after=enrolled_at) if rng.random() < 0.5 else None
                enrolments.append(
                    {
                        "user_id": user_id,
                        "course_id": course_id,
                        "enrolled_at": enrolled_at,
                        "last_activity_at": completed_at or enrolled_at,
                        "completed_at": completed_at,
                    }
                )
        counts["enrolments"] = self.insert(Enrolment, enrolments)
        self.phase(f"{counts['enrolments']:,} enrolments")

        # Lesson completions: every lesson of a completed enrolment, some of the others, until --progress.
        target = self.options["progress"]
        lessons_of = {course_id: lessons for course_id, _title, _grants, lessons in courses}
        rows, total = [], 0
        for enrolment in enrolments:
            if total >= target:
                break
            lessons = lessons_of[enrolment["course_id"]]
            done = len(lessons) if enrolment["completed_at"] else rng.randrange(len(lessons))
            for lesson_id in lessons[:done]:
                rows.append(
                    {
                        "user_id": enrolment["user_id"],
                        "lesson_id": lesson_id,
                        "course_id": enrolment["course_id"],
                        "completed_at": self.moment(after=enrolment["enrolled_at"]),
                    }
                )
            if len(rows) >= BATCH:
                total += self.insert(LessonCompletion, rows[: max(0, target - total)])
                rows = []
        total += self.insert(LessonCompletion, rows[: max(0, target - total)])
        counts["lesson completions"] = total
        self.phase(f"{total:,} lesson completions")

        # Certificates for completed enrolments of courses that grant one.
        granting = {course_id: title for course_id, title, grants, _lessons in courses if grants}
        names = dict(people)
        completed = Enrolment.objects.filter(course_id__in=granting, completed_at__isnull=False).values_list(
            "pk", "user_id", "course_id", "completed_at"
        )
        certificates = [
            {
                "enrolment_id": pk,
                "user_id": user_id,
                "course_id": course_id,
                "code": "".join(rng.choice(CERTIFICATE_CODE_ALPHABET) for _ in range(12)),
                "learner_name": names.get(user_id, ""),
                "course_title": granting[course_id],
                "issued_at": completed_at,
            }
            for pk, user_id, course_id, completed_at in completed.iterator(chunk_size=BATCH)
        ]
        counts["certificates"] = self.insert(Certificate, certificates)
        self.phase(f"{counts['certificates']:,} certificates")

        # Citizens who signed up (no unit), tutorials done and feedback.
        password = make_password(None)
        citizens = [
            User(
                email=f"{prefix.lower()}-dan{number:06d}@kynangso.invalid",
                full_name=f"Công dân {number}",
                kind=User.Kind.CITIZEN,
                password=password,
                date_joined=self.moment(),
                privacy_consent_at=self.now,
            )
            for number in range(self.options["citizens"])
        ]
        User.objects.bulk_create(citizens, batch_size=5000)
        counts["citizens"] = len(citizens)
        learners = [user_id for user_id, _name in people] + list(
            User.objects.filter(email__startswith=f"{prefix.lower()}-dan").values_list("pk", flat=True)
        )
        done, feedback = [], []
        for user_id in rng.sample(learners, k=min(len(learners), 60_000)):
            for tutorial_id in rng.sample(tutorials, k=rng.choice((1, 1, 2, 3))):
                moment = self.moment()
                done.append({"user_id": user_id, "tutorial_id": tutorial_id, "completed_at": moment})
                if rng.random() < 0.2:
                    feedback.append(
                        {
                            "page_id": tutorial_id,
                            "user_id": user_id,
                            "helpful": rng.random() < 0.8,
                            "comment": "",
                            "created_at": moment,
                        }
                    )
        counts["tutorials done"] = self.insert(TutorialCompletion, done)
        counts["feedback"] = self.insert(Feedback, feedback)
        self.phase(f"{counts['citizens']:,} citizens, {len(done):,} tutorials done, {len(feedback):,} feedback")

        # Tutorial page views: every tutorial, every day of the year.
        today = local_today()
        views = [
            {"tutorial_id": tutorial_id, "day": today - datetime.timedelta(days=days_ago), "views": rng.randint(0, 400)}
            for tutorial_id in tutorials
            for days_ago in range(365)
        ]
        counts["tutorial page views"] = self.insert(TutorialPageView, views)

        # Deliveries: reminders (some failed) and one campaign message; clicks and touches of some recipients.
        deliveries, clicks, touches = [], [], []
        for number, (user_id, _name) in enumerate(people):
            moment = self.moment(days_ago_max=180)
            failed = rng.random() < 0.03
            deliveries.append(self._delivery(user_id, "training_overdue", f"r:{number}", failed, moment, None))
            if rng.random() < 0.6:
                moment = self.moment(days_ago_max=60)
                deliveries.append(self._delivery(user_id, "campaign", f"c:{number}", False, moment, message))
                if rng.random() < 0.2:
                    clicked = self.moment(days_ago_max=1, after=moment)
                    row = {"message_id": message.pk, "recipient_id": user_id, "link": "page"}
                    clicks.append({**row, "first_at": clicked, "last_at": clicked, "count": 1})
                    touch = {"user_id": user_id, "campaign_id": message.campaign_id, "source": "link"}
                    touches.append({**touch, "first_at": clicked, "last_at": clicked})
        counts["deliveries"] = self.insert(Delivery, deliveries)
        counts["campaign clicks"] = self.insert(CampaignClick, clicks)
        counts["campaign touches"] = self.insert(CampaignTouch, touches)
        self.phase(f"{counts['deliveries']:,} deliveries, {len(clicks):,} clicks, {len(views):,} tutorial-days")
        return counts

    def _delivery(self, user_id, kind, key, failed, moment, message):
        return {
            "recipient_id": user_id,
            "kind": kind,
            "channel": "email",
            "idempotency_key": f"bench:{key}",
            "status": "failed" if failed else "sent",
            "subject_id": message.pk if message else None,
            "sequence": 0,
            "language": "vi",
            "address": "",
            "subject": "",
            "body": "",
            "context": {"campaign": message.campaign_id} if message else {},
            "reason": "",
            "last_error": "bench" if failed else "",
            "attempts": 1,
            "planned_at": moment,
            "claim": "",
            "sent_at": None if failed else moment,
        }


def _index_page(home, model, *, title, slug):
    """The ``model`` index page under ``home``, created (with ``title`` and ``slug``) if there is none."""
    index = model.objects.child_of(home).first()
    if index is None:
        index = model(title=title, slug=slug)
        home.add_child(instance=index)
    return index
