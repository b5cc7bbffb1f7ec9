"""The default words of each kind of message (created by migration 0005; staff edit them in the admin).

Also the fallback when a kind has no template row. Placeholders: see ``models.PLACEHOLDERS``.
Keep SMS texts short: one SMS holds 70 characters with Vietnamese diacritics.
"""

DEFAULT_TEMPLATES = {
    "training_due_soon": {
        "subject_vi": "Còn {days} ngày để hoàn thành: {requirement}",
        "body_vi": (
            "Chào {name},\n\n"
            "Bạn cần hoàn thành khóa học bắt buộc “{course}” trước ngày {due_date} (còn {days} ngày).\n\n"
            "Học tiếp tại: {link}\n\n"
            "Nếu bạn cần thêm thời gian, hãy gửi đề nghị gia hạn trên trang “Đào tạo bắt buộc của tôi”.\n\n"
            "{site}"
        ),
        "sms_vi": "{site}: Con {days} ngay de hoan thanh khoa hoc bat buoc {course} (han {due_date}). {link}",
        "subject_en": "{days} days left to complete: {requirement}",
        "body_en": (
            "Hello {name},\n\n"
            "Please complete the mandatory course “{course}” by {due_date} ({days} days left).\n\n"
            "Continue here: {link}\n\n"
            "If you need more time, ask for an extension on the “My training” page.\n\n"
            "{site}"
        ),
        "sms_en": "{site}: {days} days left to complete the mandatory course {course} (due {due_date}). {link}",
    },
    "training_due_today": {
        "subject_vi": "Hôm nay là hạn hoàn thành: {requirement}",
        "body_vi": (
            "Chào {name},\n\n"
            "Hôm nay ({due_date}) là hạn cuối để hoàn thành khóa học bắt buộc “{course}”.\n\n"
            "Hoàn thành ngay tại: {link}\n\n"
            "{site}"
        ),
        "sms_vi": "{site}: Hom nay ({due_date}) la han hoan thanh khoa hoc bat buoc {course}. {link}",
        "subject_en": "Due today: {requirement}",
        "body_en": (
            "Hello {name},\n\n"
            "Today ({due_date}) is the last day to complete the mandatory course “{course}”.\n\n"
            "Complete it now: {link}\n\n"
            "{site}"
        ),
        "sms_en": "{site}: the mandatory course {course} is due today ({due_date}). {link}",
    },
    "training_overdue": {
        "subject_vi": "Quá hạn {days} ngày: {requirement}",
        "body_vi": (
            "Chào {name},\n\n"
            "Khóa học bắt buộc “{course}” đã quá hạn từ ngày {due_date} ({days} ngày). "
            "Lãnh đạo đơn vị của bạn sẽ nhận được danh sách các khóa học quá hạn hằng tuần.\n\n"
            "Hoàn thành ngay tại: {link}\n\n"
            "Nếu có lý do chính đáng, hãy gửi đề nghị gia hạn trên trang “Đào tạo bắt buộc của tôi”.\n\n"
            "{site}"
        ),
        "sms_vi": "{site}: Khoa hoc bat buoc {course} da qua han tu {due_date}. Vui long hoan thanh: {link}",
        "subject_en": "Overdue by {days} days: {requirement}",
        "body_en": (
            "Hello {name},\n\n"
            "The mandatory course “{course}” was due on {due_date} and is {days} days overdue. "
            "Your unit's manager receives a weekly list of overdue training.\n\n"
            "Complete it now: {link}\n\n"
            "If you have a good reason, ask for an extension on the “My training” page.\n\n"
            "{site}"
        ),
        "sms_en": "{site}: the mandatory course {course} has been overdue since {due_date}. Please complete it: {link}",
    },
    "manager_digest": {
        "subject_vi": "{count} người trong đơn vị của bạn quá hạn đào tạo bắt buộc",
        "body_vi": (
            "Chào {name},\n\n"
            "Những người sau trong các đơn vị bạn quản lý chưa hoàn thành khóa học bắt buộc đúng hạn:\n\n"
            "{people}\n\n"
            "Xem chi tiết và xuất danh sách tại: {link}\n\n"
            "{site}"
        ),
        "sms_vi": "{site}: {count} nguoi trong don vi cua ban qua han dao tao bat buoc. Xem: {link}",
        "subject_en": "{count} people in your units have overdue mandatory training",
        "body_en": (
            "Hello {name},\n\n"
            "These people in the units you manage have not completed their mandatory training on time:\n\n"
            "{people}\n\n"
            "See the details and export the list: {link}\n\n"
            "{site}"
        ),
        "sms_en": "{site}: {count} people in your units have overdue mandatory training. See: {link}",
    },
    "certificate_expiring": {
        "subject_vi": "Chứng nhận “{course}” sắp hết hạn ({expiry_date})",
        "body_vi": (
            "Chào {name},\n\n"
            "Chứng nhận hoàn thành khóa học “{course}” (mã {code}) của bạn hết hạn vào ngày {expiry_date}, "
            "còn {days} ngày. Bạn có thể học lại để được cấp chứng nhận mới.\n\n"
            "Học lại tại: {link}\n\n"
            "{site}"
        ),
        "sms_vi": "{site}: Chung nhan {course} het han ngay {expiry_date}. Hoc lai tai: {link}",
        "subject_en": "Your “{course}” certificate expires on {expiry_date}",
        "body_en": (
            "Hello {name},\n\n"
            "Your certificate for “{course}” (code {code}) expires on {expiry_date}, in {days} days. "
            "You can take the course again to receive a new certificate.\n\n"
            "Start here: {link}\n\n"
            "{site}"
        ),
        "sms_en": "{site}: your {course} certificate expires on {expiry_date}. Renew it: {link}",
    },
    "certificate_issued": {
        "subject_vi": "Chúc mừng! Bạn đã được cấp chứng nhận “{course}”",
        "body_vi": (
            "Chào {name},\n\n"
            "Chúc mừng bạn đã hoàn thành khóa học “{course}”. Chứng nhận của bạn có mã {code}; "
            "bất kỳ ai cũng có thể kiểm tra chứng nhận tại: {link}\n\n"
            "{site}"
        ),
        "sms_vi": "{site}: Chuc mung! Ban da duoc cap chung nhan {course}, ma {code}. {link}",
        "subject_en": "Congratulations! Your certificate for “{course}”",
        "body_en": (
            "Hello {name},\n\n"
            "Congratulations on completing “{course}”. Your certificate's code is {code}; "
            "anyone can check it at: {link}\n\n"
            "{site}"
        ),
        "sms_en": "{site}: congratulations! Your certificate for {course} is issued, code {code}. {link}",
    },
    "course_nudge": {
        "subject_vi": "Bạn đang học dở khóa “{course}”",
        "body_vi": (
            "Chào {name},\n\n"
            "Đã {days} ngày bạn chưa quay lại khóa học “{course}”. Mỗi bài chỉ mất vài phút, "
            "và tiến độ của bạn vẫn được giữ nguyên.\n\n"
            "Học tiếp tại: {link}\n\n"
            "Không muốn nhận lời nhắc này? Thay đổi trong phần Cài đặt thông báo.\n\n"
            "{site}"
        ),
        "sms_vi": "{site}: Ban dang hoc do khoa {course}. Hoc tiep tai: {link}",
        "subject_en": "Continue your course “{course}”",
        "body_en": (
            "Hello {name},\n\n"
            "It has been {days} days since you last opened “{course}”. Each lesson takes a few minutes, "
            "and your progress is saved.\n\n"
            "Continue here: {link}\n\n"
            "Don't want these reminders? Change them in your notification settings.\n\n"
            "{site}"
        ),
        "sms_en": "{site}: you started the course {course}. Continue here: {link}",
    },
}
