"""Demo outreach: notification choices, reminders due, and campaigns. Idempotent."""

import datetime

from django.db import transaction
from django.utils import timezone
from wagtail.models import Page

from accounts.models import User
from accounts.preferences import preferences_save
from core.localtime import local_today
from courses.demo_images import demo_image_ensure
from courses.learning.services import enrolment_create
from courses.models import Assignment, CoursePage, Enrolment, PublicService, TutorialPage

from .models import CampaignIndexPage, CampaignPage


@transaction.atomic
def demo_reminders_seed() -> None:
    """Demo people's notification choices, training due in a week, and a citizen who went quiet.

    With the demo's overdue commune training, the planner then has something of every
    common kind to send: due soon, overdue, the unit manager's digest and a course nudge.
    """
    today = local_today()
    people = {user.email or user.phone: user for user in User.objects.filter(is_active=True)}
    choices = {
        "canbo@kynangso.local": ["email", "in_app"],
        "quanly@kynangso.local": ["email", "in_app"],
        "0912345678": ["sms", "in_app"],
        # Zalo: one on Zalo, one whose number the development backend has "not on Zalo" (SMS instead).
        "0987654321": ["zalo", "in_app"],
        "0912345699": ["zalo"],
    }
    for identifier, channels in choices.items():
        if identifier in people:
            preferences_save(people[identifier], channels=channels, purposes={}, source="demo")
    civil_servant = people.get("canbo@kynangso.local")
    if civil_servant is not None:
        # The yearly security course is due in a week (the commune's course is already overdue).
        Assignment.objects.filter(
            user=civil_servant,
            is_current=True,
            status=Assignment.Status.OPEN,
            requirement__course__slug="an-toan-thong-tin-co-ban",
            due_on__gt=today + datetime.timedelta(days=7),
        ).update(due_on=today + datetime.timedelta(days=7))
    course = CoursePage.objects.filter(slug="dung-dich-vu-cong-truc-tuyen").first()
    # Citizens who went quiet on a course: the planner nudges them (by SMS, by Zalo, by Zalo then SMS).
    for phone in ("0912345678", "0987654321", "0912345699"):
        citizen = people.get(phone)
        if citizen is None or course is None or Enrolment.objects.filter(user=citizen, course=course).exists():
            continue
        enrolment = enrolment_create(user=citizen, course=course)
        Enrolment.objects.filter(pk=enrolment.pk).update(last_activity_at=timezone.now() - datetime.timedelta(days=9))


# (slug, title, goal, days from today to start, days to end, accent, tutorial slugs, course slugs, service names, body)
DEMO_CAMPAIGNS = [
    (
        "lam-thu-tuc-tren-mang-khong-phai-xep-hang",
        "Làm thủ tục trên mạng, không phải xếp hàng",
        "Mỗi gia đình trong tỉnh nộp ít nhất một hồ sơ trực tuyến toàn trình trong quý này, "
        "ngay trên điện thoại, không phải đến trụ sở.",
        -7,
        60,
        (10, 110, 70),
        ["dang-ky-tai-khoan-cong-dich-vu-cong-quoc-gia", "nop-ho-so-truc-tuyen-toan-trinh"],
        ["dung-dich-vu-cong-truc-tuyen"],
        ["Cổng Dịch vụ công quốc gia", "Thanh toán trực tuyến phí, lệ phí"],
        "<p>Hơn 4.000 thủ tục đã làm được trên Cổng Dịch vụ công quốc gia. Cán bộ bộ phận một cửa của xã, phường "
        "sẵn sàng hướng dẫn bạn đăng ký tài khoản và nộp hồ sơ đầu tiên.</p>",
    ),
    (
        "khai-sinh-truc-tuyen-cho-be",
        "Khai sinh trực tuyến cho bé, nhận kết quả tại nhà",
        "Cha mẹ có con mới sinh đăng ký khai sinh trên mạng, nhận giấy khai sinh điện tử mà không phải "
        "mang bé đến ủy ban.",
        -3,
        45,
        (120, 60, 150),
        ["dang-ky-khai-sinh-truc-tuyen", "kich-hoat-tai-khoan-dinh-danh-dien-tu-muc-do-2-vneid"],
        [],
        ["Đăng ký khai sinh"],
        "<p>Liên thông khai sinh, thường trú và cấp thẻ bảo hiểm y tế cho trẻ dưới 6 tuổi: một lần nộp, "
        "ba kết quả.</p>",
    ),
]


@transaction.atomic
def demo_campaigns_seed(home: Page) -> CampaignIndexPage:
    """The campaign index and two running campaigns pointing at the demo tutorials and course."""
    index = CampaignIndexPage.objects.child_of(home).first()
    if index is None:
        index = CampaignIndexPage(
            title="Chiến dịch",
            slug="chien-dich",
            introduction="Các chiến dịch truyền thông của tỉnh về dịch vụ công trực tuyến.",
            show_in_menus=True,
        )
        home.add_child(instance=index)
        index.save_revision().publish()
    today = local_today()
    for slug, title, goal, start, end, accent, tutorials, courses, services, body in DEMO_CAMPAIGNS:
        if CampaignPage.objects.filter(slug=slug).exists():
            continue
        calls = [
            {"type": "tutorial", "value": {"label": "", "page": page.pk}}
            for page in TutorialPage.objects.filter(slug__in=tutorials).order_by("pk")
        ]
        calls += [
            {"type": "course", "value": {"label": "Học khóa ngắn miễn phí", "page": page.pk}}
            for page in CoursePage.objects.filter(slug__in=courses)
        ]
        promoted = list(PublicService.objects.filter(name__in=services))
        if promoted:
            calls.append({"type": "service", "value": {"label": "Vào Cổng Dịch vụ công", "service": promoted[0].pk}})
        campaign = CampaignPage(
            title=title,
            slug=slug,
            goal=goal,
            starts_on=today + datetime.timedelta(days=start),
            ends_on=today + datetime.timedelta(days=end),
            hero_image=demo_image_ensure(f"Minh họa: {title}", accent, description=title),
            body=[{"type": "paragraph", "value": body}],
            calls_to_action=calls[:4],
        )
        index.add_child(instance=campaign)
        campaign.services.set(promoted)
        campaign.save_revision().publish()
    return index
