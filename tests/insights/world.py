"""A small province with every kind of figure the insights count, and the figures computed by hand.

Period: two weeks, Monday ``START`` (ten weeks ago, so that the public page's last year includes it)
to Sunday ``END``, in Vietnam time; ``at(day)`` names days as if ``START`` were the 2nd of a month
(``at(1)`` is the day before). Units: province P → commune A (with a division A1), commune B,
agency C. Times on either side of the period's edges are chosen so that counting in UTC instead of
Vietnam time would give different figures.
"""

import datetime
import zoneinfo

from accounts.models import OrganisationUnit, User
from courses.models import (
    Assignment,
    Certificate,
    Enrolment,
    Feedback,
    LessonCompletion,
    PublicService,
    TrainingRequirement,
    TutorialCompletion,
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
from tests.accounts.factories import OrganisationUnitFactory, UserFactory
from tests.courses.factories import course_create, tutorial_create, tutorial_index_create
from tests.support.pages import page_add

VN = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
_TODAY = datetime.datetime.now(VN).date()
START = _TODAY - datetime.timedelta(days=_TODAY.weekday(), weeks=10)
END = START + datetime.timedelta(days=13)
PERIOD_QUERY = f"start={START.isoformat()}&end={END.isoformat()}"


def day(number):
    """The date ``number`` days after the day before ``START`` (``day(2)`` is ``START``; may be negative)."""
    return START + datetime.timedelta(days=number - 2)


def at(number, hour=10, minute=0):
    """Vietnam time on ``day(number)``."""
    return datetime.datetime.combine(day(number), datetime.time(hour, minute), tzinfo=VN)


def person(unit, name, kind=User.Kind.CIVIL_SERVANT, **kwargs):
    return UserFactory(organisation_unit=unit, full_name=name, kind=kind, **kwargs)


def build(home_page):
    province = OrganisationUnitFactory(name="Tỉnh Minh Họa", code="P", kind="province")
    unit_a = OrganisationUnitFactory(name="Xã An Bình", code="P-A", parent=province)
    unit_a1 = OrganisationUnitFactory(name="Phòng Kinh tế An Bình", code="P-A1", kind="division", parent=unit_a)
    unit_b = OrganisationUnitFactory(name="Xã Bắc Sơn", code="P-B", parent=province)
    unit_c = OrganisationUnitFactory(name="Sở Chuyển đổi số", code="P-C", kind="agency", parent=province)
    # Units are kept in name order: adding one may renumber its siblings' paths.
    for unit in (province, unit_a, unit_a1, unit_b, unit_c):
        unit.refresh_from_db()

    course_k = course_create(
        home_page, title="Kỹ năng số cơ bản", slug="ky-nang-so", lessons=[("Bài một", []), ("Bài hai", [])]
    )
    course_l = course_create(home_page, title="Bảo mật thông tin", slug="bao-mat", issues_certificate=False)
    lessons_k = list(course_k.get_children().specific())

    a_people = [person(unit_a, f"Nguyễn Văn A{number}", phone=f"090100000{number}") for number in range(1, 7)]
    a7 = person(unit_a1, "Trần Thị A7")
    b1, b2 = person(unit_b, "Lê Văn Bảy"), person(unit_b, "Lê Thị Tám")
    c_people = [person(unit_c, f"Phạm Văn C{number}") for number in range(1, 6)]
    citizens = [person(None, f"Công Dân {number}", kind=User.Kind.CITIZEN) for number in range(1, 4)]
    for citizen in citizens:
        citizen.date_joined = at(5)
        citizen.save(update_fields=["date_joined"])
    early = person(None, "Công Dân Sớm", kind=User.Kind.CITIZEN)
    early.date_joined = at(-8)
    early.save(update_fields=["date_joined"])
    # Joined on 16 March at 03:00 in Vietnam: 15 March in UTC, outside the period.
    late = person(None, "Công Dân Muộn", kind=User.Kind.CITIZEN)
    late.date_joined = at(16, 3)
    late.save(update_fields=["date_joined"])
    b_citizen = person(unit_b, "Công Dân Bắc Sơn", kind=User.Kind.CITIZEN)
    b_citizen.date_joined = at(6)
    b_citizen.save(update_fields=["date_joined"])

    # Learning. A's six enrol at 05:00 on 2 March in Vietnam (still 1 March in UTC): inside the period.
    for number, user in enumerate(a_people):
        enrolment = Enrolment.objects.create(user=user, course=course_k, enrolled_at=at(2, 5))
        if number < 5:
            enrolment.completed_at = at(10, 9)
            enrolment.save(update_fields=["completed_at"])
            Certificate.objects.create(
                enrolment=enrolment,
                user=user,
                course=course_k,
                learner_name=user.full_name,
                course_title=course_k.title,
                issued_at=at(10, 9),
            )
            for lesson in lessons_k:
                LessonCompletion.objects.create(user=user, lesson=lesson, course=course_k, completed_at=at(9))
    # A7 enrols on 16 March at 03:00 in Vietnam (15 March in UTC): outside.
    Enrolment.objects.create(user=a7, course=course_l, enrolled_at=at(16, 3))
    for user in (b1, b2):
        enrolment = Enrolment.objects.create(user=user, course=course_k, enrolled_at=at(4))
        if user is b1:
            enrolment.completed_at = at(5)
            enrolment.save(update_fields=["completed_at"])
            Certificate.objects.create(
                enrolment=enrolment,
                user=user,
                course=course_k,
                learner_name=user.full_name,
                course_title=course_k.title,
                issued_at=at(5),
            )
    # C's five enrolled on 1 March (before the period) and completed on 12 March (inside); no certificate.
    for user in c_people:
        Enrolment.objects.create(user=user, course=course_l, enrolled_at=at(1, 23), completed_at=at(12))
    # A certificate revoked: not counted.
    revoked = Enrolment.objects.create(user=a7, course=course_k, enrolled_at=at(-54))
    Certificate.objects.create(
        enrolment=revoked,
        user=a7,
        course=course_k,
        learner_name=a7.full_name,
        course_title=course_k.title,
        issued_at=at(11),
        revoked_at=at(12),
    )

    # Tutorials and "Was this helpful?".
    service = PublicService.objects.create(name="Cấp phiếu lý lịch tư pháp", agency="Sở Tư pháp")
    index = tutorial_index_create(home_page)
    t1 = tutorial_create(index, "Đăng ký tài khoản VNeID", public_service=service)
    t2 = tutorial_create(index, "Nộp hồ sơ trực tuyến", public_service=service)
    tutorial_create(index, "Thanh toán trực tuyến")
    for citizen in citizens:
        TutorialCompletion.objects.create(user=citizen, tutorial=t1, completed_at=at(6))
    TutorialCompletion.objects.create(user=a_people[0], tutorial=t2, completed_at=at(7))
    TutorialCompletion.objects.create(user=a_people[1], tutorial=t2, completed_at=at(-27))
    Feedback.objects.create(page=t1, user=citizens[0], helpful=True, created_at=at(6))
    Feedback.objects.create(page=t2, user=a_people[0], helpful=False, created_at=at(7))
    Feedback.objects.create(page=t2, user=None, helpful=False, created_at=at(8))

    # Page views of the tutorials (anonymous, per day): t1 15 in the period, t2 4; outside: day 1 and day 16.
    for tutorial, on, views in ((t1, 2, 10), (t1, 15, 5), (t1, 16, 7), (t1, 1, 3), (t2, 8, 4)):
        TutorialPageView.objects.create(tutorial=tutorial, day=day(on), views=views)

    # Campaigns, as the campaigns feature records them: deliveries name a CampaignMessage (subject_id),
    # whose campaign is the page. Campaign X: message 1 reached A's six and B1 (B2 failed); message 2 A1
    # again (and A2 after the period). Campaign Y: C1 and C2. Test sends (sequence 1) to A3 and C3: never
    # counted. Reminders to C (sent) and B2 (failed).
    campaign_index = page_add(home_page, CampaignIndexPage(title="Chiến dịch", slug="chien-dich"))

    def campaign_add(title, slug):
        return page_add(
            campaign_index,
            CampaignPage(
                title=title, slug=slug, goal="Mọi người dùng VNeID.", starts_on=START, ends_on=END, calls_to_action=[]
            ),
        )

    campaign = campaign_add("Tháng tiêm chủng số", "thang-so")
    campaign_y = campaign_add("Dịch vụ công trực tuyến", "dich-vu-cong")
    segment = AudienceSegment.objects.create(name="Mọi người")

    def message_add(page, name):
        return CampaignMessage.objects.create(
            campaign=page,
            name=name,
            segment=segment,
            email_subject=name,
            email_body="{link}",
            sms_body="{link}",
            in_app_body="{link}",
            status=CampaignMessage.Status.SENT,
        )

    m1, m2, m3 = message_add(campaign, "Đợt một"), message_add(campaign, "Đợt hai"), message_add(campaign_y, "Đợt Y")
    number = 0

    def deliver(user, kind, status, moment, message=None, test=False, **kwargs):
        nonlocal number
        number += 1
        return Delivery.objects.create(
            recipient=user,
            kind=kind,
            channel="in_app",
            idempotency_key=f"test:{number}",
            status=status,
            subject_id=message.pk if message else None,
            sequence=1 if test else 0,
            context={"campaign": message.campaign_id, **({"test": True} if test else {})} if message else {},
            planned_at=moment,
            sent_at=moment if status == "sent" else None,
            **kwargs,
        )

    for user in a_people:
        deliver(user, "campaign", "sent", at(7), m1, read_at=at(8) if user is a_people[0] else None)
    deliver(a_people[0], "campaign", "sent", at(9), m2)
    deliver(a_people[1], "campaign", "sent", at(20), m2)  # after the period
    deliver(b1, "campaign", "sent", at(7), m1)
    deliver(b2, "campaign", "failed", at(7), m1)
    deliver(a_people[2], "campaign", "sent", at(8), m1, test=True)
    deliver(c_people[2], "campaign", "sent", at(8), m1, test=True)
    for user in c_people[:2]:
        deliver(user, "campaign", "sent", at(8), m3)
    for user in c_people:
        deliver(user, "training_overdue", "sent", at(8))
    deliver(b2, "training_overdue", "failed", at(8))
    deliver(c_people[0], "training_overdue", "sent", at(20))  # after the period

    # Tracked links followed (first click): X by A1 (twice, two links), A2 and B1 in the period, A4 on
    # 16 March at 03:00 in Vietnam (15 March in UTC: outside); Y by C1.
    def click(message, user, moment, link="page"):
        CampaignClick.objects.create(message=message, recipient=user, link=link, first_at=moment, last_at=moment)

    click(m1, a_people[0], at(7, 12))
    click(m1, a_people[0], at(7, 13), link="action")
    click(m2, a_people[0], at(9))
    click(m1, a_people[1], at(8))
    click(m1, b1, at(8))
    click(m1, a_people[3], at(16, 3))
    click(m3, c_people[0], at(8))

    # Touches, and what is attributed (30 days after a touch): X: A1 and A2 (completed at(10, 9): 2
    # completions), A3 (QR before the period: its enrolment at(2, 5) and completion: 1 + 1), B1 (touched
    # after completing: nothing), A7 (enrols course L at(16, 3): outside the period). Y: C1 (completion
    # at(12)), C2 (touched 52 days before completing: outside the window).
    def touch(user, page, first, last=None, source="link"):
        CampaignTouch.objects.create(user=user, campaign=page, source=source, first_at=first, last_at=last or first)

    touch(a_people[0], campaign, at(7, 12), at(9))
    touch(a_people[1], campaign, at(8))
    touch(a_people[2], campaign, at(1), at(2, 6), source="qr")
    touch(b1, campaign, at(8))
    touch(a7, campaign, at(8))
    touch(c_people[0], campaign_y, at(8))
    touch(c_people[1], campaign_y, at(-40))

    # Mandatory training, as of today: A 5 completed + 1 overdue, A1 exempt; B 1 completed + 1 overdue; C 5 open.
    from core.localtime import local_today

    today = local_today()
    requirement = TrainingRequirement.objects.create(
        name="Kỹ năng số bắt buộc",
        course=course_k,
        due_rule=TrainingRequirement.DueRule.FIXED,
        due_on=today + datetime.timedelta(days=30),
    )

    def assign(user, status="open", due=30, completed=False):
        Assignment.objects.create(
            requirement=requirement,
            user=user,
            unit=user.organisation_unit,
            unit_path=OrganisationUnit.objects.get(pk=user.organisation_unit_id).path,
            due_on=today + datetime.timedelta(days=due),
            status=status,
            completed_at=at(10) if completed else None,
        )

    for number, user in enumerate(a_people):
        if number < 5:
            assign(user, "completed", completed=True)
        else:
            assign(user, due=-1)
    assign(a7, "exempt")
    assign(b1, "completed", completed=True)
    assign(b2, due=-3)
    for user in c_people:
        assign(user)

    leader = UserFactory(leader=True, email="lanhdao@example.vn", full_name="Lãnh Đạo Tỉnh")
    office = UserFactory(training_admin=True, email="daotao@example.vn", full_name="Cán Bộ Đào Tạo")
    manager_a = UserFactory(
        unit_manager=True, email="quanly.a@example.vn", full_name="Quản Lý An Bình", organisation_unit=unit_a
    )
    unit_a.managers.add(manager_a)
    manager_b = UserFactory(unit_manager=True, email="quanly.b@example.vn", full_name="Quản Lý Bắc Sơn")
    unit_b.managers.add(manager_b)
    # The daily summary the dashboard reads (beat refreshes it in production).
    from insights.services import figures_rebuild

    figures_rebuild(start=day(-60), end=today)
    return {
        "province": province,
        "a": unit_a,
        "a1": unit_a1,
        "b": unit_b,
        "c": unit_c,
        "course_k": course_k,
        "course_l": course_l,
        "t1": t1,
        "t2": t2,
        "service": service,
        "campaign": campaign,
        "campaign_y": campaign_y,
        "leader": leader,
        "office": office,
        "manager_a": manager_a,
        "manager_b": manager_b,
        "people": [*a_people, a7, b1, b2, *c_people, *citizens, early, late, b_citizen],
    }


# The training office's figures for the period (exact), by unit row, computed by hand from build().
# "reached": people with a real (not test) campaign delivery sent in the period: A's six, B1, C1 and C2.
EXACT = {
    "Xã An Bình": {
        "signups": 0, "reached": 6, "tutorials": 1, "enrolled": 6, "completed": 5, "trained": 5, "certificates": 5,
        "lessons": 10, "required": 6, "compliant": 5, "overdue": 1, "reminders_sent": 0, "reminders_failed": 0,
    },
    "Xã Bắc Sơn": {
        "signups": 1, "reached": 1, "tutorials": 0, "enrolled": 2, "completed": 1, "trained": 1, "certificates": 1,
        "lessons": 0, "required": 2, "compliant": 1, "overdue": 1, "reminders_sent": 0, "reminders_failed": 1,
    },
    "Sở Chuyển đổi số": {
        "signups": 0, "reached": 2, "tutorials": 0, "enrolled": 0, "completed": 5, "trained": 5, "certificates": 0,
        "lessons": 0, "required": 5, "compliant": 0, "overdue": 0, "reminders_sent": 5, "reminders_failed": 0,
    },
}  # fmt: skip
EXACT_TOTAL = {
    "signups": 4, "reached": 9, "tutorials": 4, "enrolled": 8, "completed": 11, "trained": 11, "certificates": 6,
    "lessons": 10, "required": 13, "compliant": 6, "overdue": 2, "reminders_sent": 5, "reminders_failed": 1,
}  # fmt: skip
