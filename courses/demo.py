"""Demo tutorials on real online public services (used by ``manage.py seed_demo``). Idempotent."""

import datetime
import uuid

from django.conf import settings
from django.db import transaction

from accounts.models import OrganisationUnit

from .demo_images import demo_image_ensure
from .learning.audio.demo import demo_narration_seed
from .models import (
    Audience,
    CertificateSetting,
    CourseIndexPage,
    CoursePage,
    LessonPage,
    PublicService,
    TrainingRequirement,
    TutorialIndexPage,
    TutorialPage,
)
from .training.services import assignments_sync


def _step(title, text, tip="", screenshot=None):
    value = {"title": title, "text": text, "tip": tip}
    if screenshot is not None:
        value["screenshot"] = {"image": screenshot.pk, "decorative": False, "alt_text": title}
    return {"type": "step", "value": value}


def _callout(kind, text):
    return {"type": "callout", "value": {"kind": kind, "text": text}}


PORTAL = '<a href="https://dichvucong.gov.vn">Cổng Dịch vụ công quốc gia</a>'

TUTORIALS = [
    {
        "slug": "dang-ky-tai-khoan-cong-dich-vu-cong-quoc-gia",
        "service": "portal",
        "tags": ["tài khoản", "cổng dịch vụ công"],
        "title": "Hướng dẫn đăng ký tài khoản trên Cổng Dịch vụ công quốc gia",
        "summary": "Tạo tài khoản để nộp hồ sơ, theo dõi kết quả và thanh toán trực tuyến trên Cổng Dịch vụ công quốc gia.",
        "minutes": 10,
        "accent": (164, 22, 26),
        "body": lambda shot: [
            _callout(
                "needs",
                "<ul><li>Căn cước công dân hoặc số định danh cá nhân</li><li>Số điện thoại đang dùng để nhận mã OTP</li>"
                "<li>Điện thoại thông minh đã cài ứng dụng VNeID (nếu đăng nhập bằng tài khoản định danh điện tử)</li></ul>",
            ),
            _step(
                "Mở Cổng Dịch vụ công quốc gia",
                f"<p>Trên điện thoại hoặc máy tính, mở trình duyệt và vào {PORTAL}. Chọn <b>Đăng ký</b> ở góc trên bên phải.</p>",
                screenshot=shot,
            ),
            _step(
                "Chọn cách đăng ký",
                "<p>Chọn <b>Công dân</b>, sau đó chọn đăng ký bằng <b>tài khoản định danh điện tử VNeID</b> "
                "(khuyến nghị) hoặc bằng số điện thoại.</p>",
                tip="Nếu đã có tài khoản VNeID mức độ 2, bạn có thể đăng nhập ngay mà không cần đăng ký lại.",
            ),
            _step(
                "Nhập thông tin và mã OTP",
                "<p>Điền số định danh cá nhân, họ tên, ngày sinh và số điện thoại. Nhập mã OTP được gửi qua tin nhắn.</p>",
            ),
            _step(
                "Đặt mật khẩu và hoàn tất",
                "<p>Đặt mật khẩu có ít nhất 8 ký tự, gồm chữ hoa, chữ thường, chữ số và ký tự đặc biệt. "
                "Bấm <b>Đăng ký</b> để hoàn tất.</p>",
                tip="Không chia sẻ mật khẩu và mã OTP với bất kỳ ai, kể cả người tự xưng là cán bộ.",
            ),
        ],
    },
    {
        "slug": "kich-hoat-tai-khoan-dinh-danh-dien-tu-muc-do-2-vneid",
        "service": "vneid",
        "tags": ["VNeID", "định danh điện tử"],
        "title": "Kích hoạt tài khoản định danh điện tử mức độ 2 trên ứng dụng VNeID",
        "summary": "Sau khi đăng ký tại công an cấp xã, kích hoạt tài khoản định danh điện tử mức độ 2 trên ứng dụng VNeID.",
        "minutes": 8,
        "accent": (10, 79, 143),
        "body": lambda shot: [
            _callout(
                "needs",
                "<ul><li>Đã đăng ký định danh điện tử mức độ 2 tại công an cấp xã</li>"
                "<li>Điện thoại thông minh dùng số thuê bao chính chủ</li></ul>",
            ),
            _step(
                "Cài ứng dụng VNeID",
                "<p>Tải ứng dụng <b>VNeID</b> của Bộ Công an trên CH Play hoặc App Store và mở ứng dụng.</p>",
                screenshot=shot,
            ),
            _step(
                "Chọn kích hoạt tài khoản",
                "<p>Chọn <b>Kích hoạt tài khoản định danh điện tử</b>, nhập số định danh cá nhân và số điện thoại.</p>",
            ),
            _step(
                "Xác thực khuôn mặt và mã kích hoạt",
                "<p>Làm theo hướng dẫn để chụp khuôn mặt, sau đó nhập mã kích hoạt được gửi qua tin nhắn.</p>",
                tip="Đứng nơi đủ ánh sáng, không đeo kính râm hay khẩu trang khi xác thực khuôn mặt.",
            ),
            _step(
                "Đặt mật khẩu và mã bảo vệ",
                "<p>Đặt mật khẩu đăng nhập và mã bảo vệ gồm 6 chữ số. Tài khoản mức độ 2 đã sẵn sàng để dùng "
                "dịch vụ công trực tuyến.</p>",
            ),
        ],
    },
    {
        "slug": "nop-ho-so-truc-tuyen-toan-trinh",
        "service": "portal",
        "tags": ["nộp hồ sơ", "cổng dịch vụ công"],
        "title": "Nộp hồ sơ trực tuyến toàn trình trên Cổng Dịch vụ công",
        "summary": "Nộp hồ sơ thủ tục hành chính hoàn toàn trên mạng, không phải đến cơ quan nhà nước.",
        "minutes": 15,
        "accent": (21, 128, 61),
        "body": lambda shot: [
            _step(
                "Đăng nhập và tìm thủ tục",
                f"<p>Đăng nhập {PORTAL} bằng tài khoản VNeID. Gõ tên thủ tục vào ô tìm kiếm và chọn đúng cơ quan giải quyết.</p>",
                screenshot=shot,
            ),
            _step(
                "Điền tờ khai điện tử",
                "<p>Điền các trường bắt buộc (có dấu *). Nhiều thông tin cá nhân được điền sẵn từ Cơ sở dữ liệu quốc gia về dân cư.</p>",
            ),
            _step(
                "Đính kèm giấy tờ",
                "<p>Chụp hoặc quét giấy tờ theo yêu cầu và tải lên. Có thể dùng giấy tờ đã lưu trong kho dữ liệu cá nhân.</p>",
                tip="Ảnh chụp cần rõ chữ, không bị lóa, đủ bốn góc giấy tờ.",
            ),
            _step(
                "Nộp hồ sơ và lưu mã hồ sơ",
                "<p>Kiểm tra lại, bấm <b>Nộp hồ sơ</b>. Ghi lại <b>mã hồ sơ</b> để tra cứu tình trạng giải quyết.</p>",
            ),
        ],
    },
    {
        "slug": "thanh-toan-phi-le-phi-truc-tuyen",
        "service": "payment",
        "tags": ["thanh toán"],
        "title": "Thanh toán phí, lệ phí trực tuyến",
        "summary": "Trả phí, lệ phí thủ tục hành chính qua ngân hàng hoặc ví điện tử ngay trên Cổng Dịch vụ công.",
        "minutes": 6,
        "accent": (180, 83, 9),
        "body": lambda shot: [
            _step(
                "Mở hồ sơ cần thanh toán",
                "<p>Vào <b>Quản lý hồ sơ đã nộp</b>, chọn hồ sơ có trạng thái <b>Chờ thanh toán</b>.</p>",
                screenshot=shot,
            ),
            _step(
                "Chọn phương thức thanh toán",
                "<p>Chọn ngân hàng hoặc ví điện tử bạn đang dùng. Hệ thống chuyển sang trang thanh toán của đơn vị đó.</p>",
            ),
            _step(
                "Xác nhận và lưu biên lai",
                "<p>Xác nhận giao dịch bằng mã OTP. Biên lai điện tử được lưu trong hồ sơ, có thể tải về khi cần.</p>",
                tip="Chỉ thanh toán trên Cổng Dịch vụ công; không chuyển khoản theo tin nhắn lạ.",
            ),
            _callout(
                "warning",
                "<p>Kẻ gian có thể giả danh cơ quan nhà nước để yêu cầu chuyển tiền. Cơ quan nhà nước không bao giờ "
                "yêu cầu chuyển khoản vào tài khoản cá nhân.</p>",
            ),
        ],
    },
    {
        "slug": "tra-cuu-tinh-trang-ho-so",
        "service": "portal",
        "tags": ["tra cứu", "cổng dịch vụ công"],
        "title": "Tra cứu tình trạng giải quyết hồ sơ",
        "summary": "Biết hồ sơ của bạn đang ở bước nào và khi nào có kết quả, không cần gọi điện hay đến cơ quan.",
        "minutes": 4,
        "accent": (91, 33, 182),
        "body": lambda shot: [
            _step(
                "Mở trang tra cứu",
                f"<p>Trên {PORTAL}, chọn <b>Tra cứu hồ sơ</b>.</p>",
                screenshot=shot,
            ),
            _step(
                "Nhập mã hồ sơ",
                "<p>Nhập mã hồ sơ ghi trên giấy biên nhận hoặc trong tin nhắn, rồi bấm <b>Tra cứu</b>.</p>",
            ),
            _step(
                "Đọc kết quả",
                "<p>Xem trạng thái hiện tại, cơ quan đang xử lý và ngày hẹn trả kết quả.</p>",
                tip="Nếu quá hạn mà chưa có kết quả, bạn có thể gửi phản ánh, kiến nghị ngay trên Cổng.",
            ),
        ],
    },
    {
        "slug": "dang-ky-khai-sinh-truc-tuyen",
        "service": "birth",
        "tags": ["hộ tịch", "nộp hồ sơ"],
        "title": "Đăng ký khai sinh trực tuyến",
        "summary": "Làm giấy khai sinh cho con trên mạng, cùng lúc đăng ký thường trú và cấp thẻ bảo hiểm y tế.",
        "minutes": 12,
        "accent": (190, 24, 93),
        "body": lambda shot: [
            _callout(
                "needs",
                "<ul><li>Giấy chứng sinh của bệnh viện (ảnh chụp)</li><li>Tài khoản định danh điện tử mức độ 2 của cha hoặc mẹ</li></ul>",
            ),
            _step(
                "Chọn nhóm thủ tục liên thông",
                f"<p>Đăng nhập {PORTAL}, chọn <b>Đăng ký khai sinh, đăng ký thường trú, cấp thẻ BHYT cho trẻ dưới 6 tuổi</b>.</p>",
                screenshot=shot,
            ),
            _step(
                "Khai thông tin của trẻ",
                "<p>Nhập họ tên, ngày sinh, nơi sinh, quê quán và dân tộc của trẻ; thông tin cha mẹ được điền sẵn.</p>",
            ),
            _step(
                "Nộp và nhận kết quả",
                "<p>Đính kèm giấy chứng sinh, nộp hồ sơ. Bản điện tử giấy khai sinh được gửi vào tài khoản của bạn.</p>",
                tip="Có thể chọn nhận bản giấy qua bưu điện nếu cần.",
            ),
        ],
    },
]


@transaction.atomic
def demo_tutorials_seed(home_page):
    """Create the tutorial index under ``home_page`` and the demo tutorials; return the index."""
    services = demo_services_seed()
    index = TutorialIndexPage.objects.child_of(home_page).first()
    if index is None:
        index = TutorialIndexPage(
            title="Hướng dẫn",
            slug="huong-dan",
            intro="Hướng dẫn từng bước sử dụng các dịch vụ công trực tuyến phổ biến.",
            show_in_menus=True,
        )
        home_page.add_child(instance=index)
        index.save_revision().publish()
    for spec in TUTORIALS:
        if TutorialPage.objects.filter(slug=spec["slug"]).exists():
            continue
        shot = demo_image_ensure(f"Minh họa: {spec['title']}", spec["accent"], description=spec["title"])
        tutorial = TutorialPage(
            title=spec["title"],
            slug=spec["slug"],
            summary=spec["summary"],
            estimated_minutes=spec["minutes"],
            audience=Audience.EVERYONE,
            public_service=services[spec["service"]],
            body=[*spec["body"](shot), _try_it(services[spec["service"]])],
        )
        tutorial.tags.add(*spec["tags"])
        index.add_child(instance=tutorial)
        tutorial.save_revision().publish()
    # In development the worker records it once it starts (make run stays quick); elsewhere now.
    demo_narration_seed(
        TutorialPage.objects.child_of(index).live().values_list("pk", flat=True), enqueue=settings.DEBUG
    )
    return index


def _try_it(service):
    return {"type": "try_it", "value": {"label": "Làm thử ngay", "service": service.pk, "url": ""}}


SERVICES = {
    "portal": ("Cổng Dịch vụ công quốc gia", "Văn phòng Chính phủ", "full", "", "https://dichvucong.gov.vn"),
    "vneid": ("Định danh và xác thực điện tử (VNeID)", "Bộ Công an", "partial", "", "https://vneid.gov.vn"),
    "payment": (
        "Thanh toán trực tuyến phí, lệ phí",
        "Văn phòng Chính phủ",
        "full",
        "",
        "https://dichvucong.gov.vn",
    ),
    "birth": (
        "Đăng ký khai sinh",
        "UBND cấp xã",
        "full",
        "1.001193",
        "https://dichvucong.gov.vn",
    ),
}


def demo_services_seed():
    services = {}
    for key, (name, agency, level, code, url) in SERVICES.items():
        service, _created = PublicService.objects.get_or_create(
            name=name, defaults={"agency": agency, "online_level": level, "procedure_code": code, "official_url": url}
        )
        services[key] = service
    return services


def question_block(text, choices, explanation, multiple=False):
    """A quiz question in Wagtail's raw block format; ``choices`` is [(text, correct), ...]."""
    return {
        "type": "question",
        "id": str(uuid.uuid4()),
        "value": {
            "question": text,
            "multiple": multiple,
            "choices": [
                {"type": "item", "id": str(uuid.uuid4()), "value": {"text": choice, "correct": correct}}
                for choice, correct in choices
            ],
            "explanation": explanation,
        },
    }


def _paragraph(html):
    return {"type": "paragraph", "value": html}


COURSES = [
    {
        "slug": "dung-dich-vu-cong-truc-tuyen",
        "title": "Dùng dịch vụ công trực tuyến",
        "summary": "Khóa học ngắn cho người dân: tài khoản, định danh điện tử, nộp hồ sơ và thanh toán trên mạng.",
        "audience": Audience.CITIZENS,
        "minutes": 30,
        "validity": None,
        "lessons": [
            (
                "Dịch vụ công trực tuyến là gì?",
                [
                    _paragraph(
                        "<p>Dịch vụ công trực tuyến cho phép bạn làm thủ tục hành chính qua mạng: nộp hồ sơ, "
                        "theo dõi tiến độ, nhận kết quả và thanh toán phí mà không phải đến cơ quan nhà nước.</p>"
                    ),
                    _callout(
                        "tip",
                        "<p>Dịch vụ công <b>toàn trình</b> là dịch vụ làm được hoàn toàn trên mạng, từ nộp hồ sơ "
                        "đến nhận kết quả.</p>",
                    ),
                ],
            ),
            (
                "Tài khoản định danh điện tử VNeID",
                [
                    _paragraph(
                        "<p>Tài khoản định danh điện tử mức độ 2 trên ứng dụng VNeID dùng để đăng nhập Cổng "
                        "Dịch vụ công quốc gia và nhiều dịch vụ khác. Bạn đăng ký tại công an cấp xã, rồi kích "
                        "hoạt trên điện thoại.</p>"
                    ),
                    question_block(
                        "Bạn đăng ký tài khoản định danh điện tử mức độ 2 ở đâu?",
                        [("Công an cấp xã", True), ("Ngân hàng", False), ("Bưu điện", False)],
                        "Tài khoản mức độ 2 được đăng ký tại công an cấp xã, sau đó kích hoạt trên ứng dụng VNeID.",
                    ),
                    question_block(
                        "Có nên cho người khác biết mã kích hoạt hoặc mã OTP không?",
                        [("Có, nếu họ là cán bộ", False), ("Không bao giờ", True)],
                        "Không chia sẻ mã OTP hay mật khẩu với bất kỳ ai, kể cả người tự xưng là cán bộ.",
                    ),
                ],
            ),
            (
                "Nộp hồ sơ và thanh toán trực tuyến",
                [
                    _paragraph(
                        "<p>Trên Cổng Dịch vụ công quốc gia, bạn tìm thủ tục, điền tờ khai, đính kèm giấy tờ và "
                        "nộp hồ sơ. Sau đó thanh toán phí, lệ phí qua ngân hàng hoặc ví điện tử và lưu mã hồ sơ "
                        "để tra cứu.</p>"
                    ),
                    question_block(
                        "Sau khi nộp hồ sơ, bạn cần giữ lại thông tin gì để tra cứu?",
                        [("Mã hồ sơ", True), ("Tên cán bộ tiếp nhận", False), ("Số điện thoại của cơ quan", False)],
                        "Mã hồ sơ giúp bạn tra cứu tình trạng giải quyết bất cứ lúc nào.",
                    ),
                ],
            ),
        ],
        "final": [
            question_block(
                "Dịch vụ công trực tuyến toàn trình là gì?",
                [
                    ("Làm hoàn toàn trên mạng, từ nộp hồ sơ đến nhận kết quả", True),
                    ("Chỉ xem thông tin trên mạng", False),
                ],
                "Toàn trình nghĩa là mọi bước đều làm trên mạng.",
            ),
            question_block(
                "Những cách nào dùng được để thanh toán phí, lệ phí trực tuyến?",
                [("Ngân hàng", True), ("Ví điện tử", True), ("Chuyển khoản theo tin nhắn lạ", False)],
                "Chỉ thanh toán trên Cổng Dịch vụ công qua ngân hàng hoặc ví điện tử; không làm theo tin nhắn lạ.",
                multiple=True,
            ),
            question_block(
                "Tài khoản nào dùng để đăng nhập Cổng Dịch vụ công quốc gia?",
                [("Tài khoản định danh điện tử VNeID", True), ("Tài khoản mạng xã hội", False)],
                "Tài khoản VNeID mức độ 2 là cách đăng nhập được khuyến nghị.",
            ),
        ],
    },
    {
        "slug": "an-toan-thong-tin-co-ban",
        "title": "An toàn thông tin cơ bản cho cán bộ, công chức",
        "summary": "Bắt buộc với cán bộ, công chức: mật khẩu, thư lừa đảo và bảo vệ dữ liệu cá nhân của người dân.",
        "audience": Audience.CIVIL_SERVANTS,
        "minutes": 45,
        "validity": 12,
        "lessons": [
            (
                "Mật khẩu mạnh và xác thực hai lớp",
                [
                    _paragraph(
                        "<p>Dùng mật khẩu dài (ít nhất 12 ký tự), khác nhau cho từng hệ thống, và bật xác thực "
                        "hai lớp cho thư công vụ.</p>"
                    ),
                    question_block(
                        "Mật khẩu nào an toàn nhất?",
                        [("123456", False), ("Tên và năm sinh", False), ("Một câu dài, dễ nhớ, khó đoán", True)],
                        "Một câu dài dễ nhớ với bạn nhưng khó đoán với người khác là mật khẩu tốt.",
                    ),
                ],
            ),
            (
                "Nhận diện thư điện tử lừa đảo",
                [
                    _paragraph(
                        "<p>Thư lừa đảo thường giả danh cơ quan cấp trên, tạo cảm giác gấp gáp và yêu cầu mở tệp "
                        "đính kèm hoặc nhập mật khẩu.</p>"
                    ),
                    question_block(
                        "Dấu hiệu nào cho thấy một thư điện tử có thể là lừa đảo?",
                        [
                            ("Địa chỉ người gửi lạ hoặc gần giống địa chỉ thật", True),
                            ("Yêu cầu nhập mật khẩu gấp", True),
                            ("Thư từ đồng nghiệp hẹn họp như thường lệ", False),
                        ],
                        "Địa chỉ lạ và yêu cầu gấp về mật khẩu là hai dấu hiệu phổ biến của thư lừa đảo.",
                        multiple=True,
                    ),
                ],
            ),
            (
                "Bảo vệ dữ liệu cá nhân của người dân",
                [
                    _paragraph(
                        "<p>Chỉ thu thập dữ liệu cần thiết, không gửi hồ sơ của người dân qua ứng dụng nhắn tin "
                        "cá nhân, và báo cáo ngay khi nghi ngờ lộ lọt dữ liệu (Nghị định 13/2023/NĐ-CP).</p>"
                    ),
                ],
            ),
        ],
        "final": [
            question_block(
                "Khi nghi ngờ dữ liệu của người dân bị lộ, bạn làm gì?",
                [("Báo cáo ngay cho bộ phận phụ trách", True), ("Im lặng chờ xem", False)],
                "Báo cáo sớm giúp hạn chế thiệt hại.",
            ),
            question_block(
                "Có nên gửi hồ sơ của người dân qua ứng dụng nhắn tin cá nhân không?",
                [("Không", True), ("Có, cho nhanh", False)],
                "Dùng hệ thống công vụ được phép; không dùng ứng dụng nhắn tin cá nhân.",
            ),
            question_block(
                "Xác thực hai lớp giúp gì?",
                [("Bảo vệ tài khoản ngay cả khi lộ mật khẩu", True), ("Làm đăng nhập nhanh hơn", False)],
                "Kẻ gian cần cả mật khẩu và lớp xác thực thứ hai.",
            ),
        ],
    },
]


@transaction.atomic
def demo_courses_seed(home_page):
    """Create the course index and the two demo courses with lessons and quizzes; return the index."""
    index = CourseIndexPage.objects.child_of(home_page).first()
    if index is None:
        index = CourseIndexPage(
            title="Khóa học",
            slug="khoa-hoc",
            intro="Các khóa học ngắn, có bài kiểm tra và chứng nhận hoàn thành.",
            show_in_menus=True,
        )
        home_page.add_child(instance=index)
        index.save_revision().publish()
    for spec in COURSES:
        if CoursePage.objects.filter(slug=spec["slug"]).exists():
            continue
        course = CoursePage(
            title=spec["title"],
            slug=spec["slug"],
            summary=spec["summary"],
            audience=spec["audience"],
            estimated_minutes=spec["minutes"],
            pass_mark=80,
            issues_certificate=True,
            certificate_validity_months=spec["validity"],
            final_quiz=spec["final"],
        )
        index.add_child(instance=course)
        course.save_revision().publish()
        for number, (title, body) in enumerate(spec["lessons"], start=1):
            lesson = LessonPage(title=title, slug=f"bai-{number}", estimated_minutes=10, body=body)
            course.add_child(instance=lesson)
            lesson.save_revision().publish()
    demo_narration_seed(
        LessonPage.objects.descendant_of(index).live().values_list("pk", flat=True), enqueue=settings.DEBUG
    )
    demo_certificate_issuer_seed()
    return index


def demo_certificate_issuer_seed():
    """The demo province's issuer and signer (configuration: the setting itself); kept if already filled in."""
    setting = CertificateSetting.load()
    if setting.issuer_name:
        return setting
    setting.issuer_name = "Sở Khoa học và Công nghệ tỉnh Thái Nguyên"
    setting.signer_name = "Nguyễn Văn An"
    setting.signer_title = "Giám đốc"
    setting.issued_place = "Thái Nguyên"
    setting.full_clean()
    setting.save()
    return setting


@transaction.atomic
def demo_training_seed():
    """Two training requirements for the demo province, and their assignments (synchronously)."""
    province = OrganisationUnit.objects.get(code="TN")
    communes = OrganisationUnit.objects.filter(code__in=["TN-PB", "TN-DT"])
    specs = [
        (
            "An toàn thông tin cơ bản (hằng năm)",
            "an-toan-thong-tin-co-ban",
            [province],
            {"due_rule": "after_assigned", "due_days": 30, "recertify_months": 12, "renewal_window_days": 30},
        ),
        (
            "Hướng dẫn người dân dùng dịch vụ công trực tuyến",
            "dung-dich-vu-cong-truc-tuyen",
            list(communes),
            {"due_rule": "fixed", "due_on": datetime.date(2026, 10, 31)},
        ),
    ]
    for name, course_slug, units, rule in specs:
        course = CoursePage.objects.filter(slug=course_slug).first()
        if course is None or TrainingRequirement.objects.filter(name=name).exists():
            continue
        requirement = TrainingRequirement.objects.create(name=name, course=course, learner_kind="civil_servant", **rule)
        requirement.units.set(units)
    return assignments_sync()
