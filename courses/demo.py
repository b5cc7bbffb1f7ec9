"""Demo tutorials on real online public services (used by ``manage.py seed_demo``). Idempotent."""

from django.db import transaction

from .demo_images import demo_image_ensure
from .models import TutorialIndexPage, TutorialPage


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
            body=spec["body"](shot),
        )
        index.add_child(instance=tutorial)
        tutorial.save_revision().publish()
    return index
