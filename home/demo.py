"""Demo site content: home page text, about page, privacy notice. Idempotent."""

from django.db import transaction

from courses.demo_images import demo_image_ensure
from courses.models import PublicService, TutorialIndexPage, TutorialPage

from .models import HomePage, StandardPage
from .search.services import search_index_rebuild, search_synonyms_demo_seed

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


GPLX_TUTORIAL = {
    "slug": "doi-giay-phep-lai-xe-truc-tuyen",
    "title": "Đổi giấy phép lái xe trực tuyến",
    "summary": "Đổi giấy phép lái xe (GPLX) sắp hết hạn hoặc bị hỏng trên Cổng Dịch vụ công, nhận bằng mới qua bưu điện.",
    "service": (
        "Đổi giấy phép lái xe",
        "Phòng Cảnh sát giao thông Công an tỉnh",
        "1.002809",
        "https://dichvucong.gov.vn",
    ),
    "body": [
        {
            "type": "callout",
            "value": {
                "kind": "needs",
                "text": "<ul><li>Giấy phép lái xe cần đổi (ảnh chụp hai mặt)</li>"
                "<li>Tài khoản định danh điện tử mức độ 2</li>"
                "<li>Giấy khám sức khỏe của người lái xe (bản điện tử đã liên thông)</li></ul>",
            },
        },
        {
            "type": "step",
            "value": {
                "title": "Chọn thủ tục đổi giấy phép lái xe",
                "text": "<p>Đăng nhập Cổng Dịch vụ công quốc gia bằng tài khoản VNeID, tìm "
                "<b>Đổi giấy phép lái xe</b> và chọn nơi nhận kết quả.</p>",
                "tip": "Bằng lái còn hạn dưới 3 tháng hoặc đã hết hạn đều đổi được trực tuyến.",
            },
        },
        {
            "type": "step",
            "value": {
                "title": "Khai thông tin và đính kèm ảnh",
                "text": "<p>Kiểm tra thông tin giấy phép được điền sẵn, tải ảnh chân dung nền trắng "
                "và chọn giấy khám sức khỏe đã liên thông.</p>",
                "tip": "",
            },
        },
        {
            "type": "step",
            "value": {
                "title": "Nộp lệ phí và nhận bằng mới",
                "text": "<p>Thanh toán lệ phí trực tuyến. Giấy phép lái xe mới được gửi qua bưu điện "
                "đến địa chỉ bạn chọn.</p>",
                "tip": "Giữ bằng cũ cho đến khi nhận được bằng mới.",
            },
        },
    ],
}


@transaction.atomic
def demo_search_seed(home):
    """What search needs beyond the other demo content: the synonyms, a tutorial citizens look for, the index."""
    index = TutorialIndexPage.objects.child_of(home).first()
    spec = GPLX_TUTORIAL
    if index is not None and not TutorialPage.objects.filter(slug=spec["slug"]).exists():
        name, agency, code, url = spec["service"]
        service, _created = PublicService.objects.get_or_create(
            name=name, defaults={"agency": agency, "procedure_code": code, "official_url": url}
        )
        tutorial = TutorialPage(
            title=spec["title"],
            slug=spec["slug"],
            summary=spec["summary"],
            estimated_minutes=8,
            public_service=service,
            body=spec["body"],
        )
        tutorial.tags.add("giấy phép lái xe")
        index.add_child(instance=tutorial)
        tutorial.save_revision().publish()
    search_synonyms_demo_seed()
    search_index_rebuild(stale_only=True)
