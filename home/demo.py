"""Demo site content: home page text, about page, privacy notice. Idempotent."""

from django.db import transaction

from courses.demo_images import demo_image_ensure

from .models import HomePage, StandardPage

ABOUT_BODY = (
    "<p>Kỹ Năng Số là chương trình của tỉnh giúp người dân và cán bộ sử dụng thành thạo dịch vụ công trực tuyến: "
    "đăng ký tài khoản, định danh điện tử VNeID, nộp hồ sơ trực tuyến toàn trình và thanh toán phí, lệ phí.</p>"
    "<h2>Dành cho ai?</h2><ul><li>Người dân muốn làm thủ tục trên mạng, không phải xếp hàng.</li>"
    "<li>Cán bộ, công chức cần hoàn thành chương trình bồi dưỡng bắt buộc về chuyển đổi số.</li></ul>"
)

PRIVACY_BODY = (
    "<p>Chúng tôi xử lý dữ liệu cá nhân theo Nghị định 13/2023/NĐ-CP về bảo vệ dữ liệu cá nhân.</p>"
    "<h2>Dữ liệu chúng tôi thu thập</h2><ul><li>Họ tên, số điện thoại hoặc địa chỉ email.</li>"
    "<li>Đơn vị công tác (đối với cán bộ, công chức).</li><li>Tiến độ học tập và chứng chỉ.</li></ul>"
    "<h2>Mục đích</h2><p>Cung cấp khóa học, ghi nhận tiến độ, cấp chứng chỉ và gửi nhắc nhở học tập. "
    "Tin nhắn truyền thông chỉ được gửi khi bạn đồng ý riêng cho mục đích đó.</p>"
    "<h2>Quyền của bạn</h2><p>Bạn có quyền xem, tải về, chỉnh sửa và yêu cầu xóa dữ liệu của mình, "
    "và rút lại sự đồng ý bất cứ lúc nào.</p>"
)


def _child_page_ensure(parent, slug, **fields):
    page = StandardPage.objects.child_of(parent).filter(slug=slug).first()
    if page is None:
        page = StandardPage(slug=slug, **fields)
        parent.add_child(instance=page)
        page.save_revision().publish()
    return page


@transaction.atomic
def demo_site_seed():
    """Fill the home page and add the about page and privacy notice; return the home page."""
    home = HomePage.objects.first()
    if home.hero_image_id is None:
        home.hero_image = demo_image_ensure(
            "Minh họa: làm thủ tục trên điện thoại",
            (164, 22, 26),
            description="Điện thoại hiển thị biểu mẫu dịch vụ công trực tuyến",
        )
        home.body = (
            "<p>Hàng trăm thủ tục hành chính đã có thể làm trên mạng. Các hướng dẫn dưới đây giúp bạn làm từng bước, "
            "ngay trên điện thoại.</p>"
        )
        home.save_revision().publish()
    _child_page_ensure(
        home,
        "gioi-thieu",
        title="Giới thiệu",
        introduction="Chương trình nâng cao kỹ năng số cho người dân và cán bộ.",
        body=ABOUT_BODY,
        show_in_menus=True,
    )
    _child_page_ensure(
        home,
        "chinh-sach-bao-ve-du-lieu-ca-nhan",
        title="Chính sách bảo vệ dữ liệu cá nhân",
        introduction="Chúng tôi thu thập những gì, để làm gì, và quyền của bạn.",
        body=PRIVACY_BODY,
    )
    return home
