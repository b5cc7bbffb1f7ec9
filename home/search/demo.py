"""Demo search data: promoted results for the top needs and a month of searches for the editors' report. Idempotent."""

import datetime

from django.db import transaction

from core.localtime import local_today
from courses.models import TutorialPage

from .models import SearchQueryDay
from .promotions import search_promotion_ensure

# query -> (words of the tutorial's title, description shown under the promoted result)
PROMOTIONS = {
    "vneid": ("VNeID", "Kích hoạt tài khoản định danh điện tử mức độ 2 ngay trên điện thoại."),
    "cccd": ("VNeID", "Căn cước công dân gắn chip và tài khoản định danh điện tử: kích hoạt trên VNeID."),
    "le phi": ("lệ phí", "Thanh toán phí, lệ phí thủ tục hành chính trực tuyến."),
}
# query -> (searches a day, results it finds): frequent needs, and what nothing answers yet.
SEARCHES = {
    "dang ky tai khoan": (14, 3),
    "vneid": (11, 2),
    "le phi": (6, 2),
    "cccd": (9, 0),
    "doi giay phep lai xe": (5, 0),
    "bhyt": (4, 0),
    "tra cuu ho so": (3, 1),
    "dang ky ket hon": (2, 0),
}
DAYS = 30


@transaction.atomic
def demo_search_log_seed() -> None:
    for query, (title_words, description) in PROMOTIONS.items():
        page = TutorialPage.objects.live().filter(title__icontains=title_words).order_by("pk").first()
        if page is not None:
            search_promotion_ensure(query=query, page=page, description=description)
    today = local_today()
    for back in range(DAYS):
        day = today - datetime.timedelta(days=back)
        for number, (query, (per_day, results)) in enumerate(SEARCHES.items()):
            searches = max(1, per_day - (back + number) % 4)
            SearchQueryDay.objects.update_or_create(
                day=day,
                query=query,
                defaults={
                    "searches": searches,
                    "zero_results": searches if results == 0 else 0,
                    "last_results": results,
                },
            )
