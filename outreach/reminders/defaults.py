"""The default words of each kind of message (created by migration 0005; staff edit them in the admin).

Also the fallback when a kind has no template row. Placeholders: see ``models.PLACEHOLDERS``; a page is
named by ``{page}`` (the real title of the page ``{link}`` opens), never by a name written here.
Keep SMS texts short: one SMS holds 70 characters with Vietnamese diacritics.
"""

DEFAULT_TEMPLATES = {
    "training_due_soon": {
        "subject_vi": "Còn {days} ngày để hoàn thành: {requirement}",
        "body_vi": (
            "Chào {name},\n\n"
            "Bạn cần hoàn thành khóa học bắt buộc “{course}” trước ngày {due_date} (còn {days} ngày).\n\n"
            "Học tiếp từ trang “{page}”: {link}\n\n"
            "Nếu bạn cần thêm thời gian, hãy gửi đề nghị gia hạn trên trang “{page}”.\n\n"
            "{site}"
        ),
        "sms_vi": "{site}: Con {days} ngay de hoan thanh khoa hoc bat buoc {course} (han {due_date}). {link}",
        "subject_en": "{days} days left to complete: {requirement}",
        "body_en": (
            "Hello {name},\n\n"
            "Please complete the mandatory course “{course}” by {due_date} ({days} days left).\n\n"
            "Continue from the “{page}” page: {link}\n\n"
            "If you need more time, ask for an extension on the “{page}” page.\n\n"
            "{site}"
        ),
        "sms_en": "{site}: {days} days left to complete the mandatory course {course} (due {due_date}). {link}",
    },
    "training_due_today": {
        "subject_vi": "Hôm nay là hạn hoàn thành: {requirement}",
        "body_vi": (
            "Chào {name},\n\n"
            "Hôm nay ({due_date}) là hạn cuối để hoàn thành khóa học bắt buộc “{course}”.\n\n"
            "Hoàn thành ngay từ trang “{page}”: {link}\n\n"
            "{site}"
        ),
        "sms_vi": "{site}: Hom nay ({due_date}) la han hoan thanh khoa hoc bat buoc {course}. {link}",
        "subject_en": "Due today: {requirement}",
        "body_en": (
            "Hello {name},\n\n"
            "Today ({due_date}) is the last day to complete the mandatory course “{course}”.\n\n"
            "Complete it now from the “{page}” page: {link}\n\n"
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
            "Hoàn thành ngay từ trang “{page}”: {link}\n\n"
            "Nếu có lý do chính đáng, hãy gửi đề nghị gia hạn trên trang “{page}”.\n\n"
            "{site}"
        ),
        "sms_vi": "{site}: Khoa hoc bat buoc {course} da qua han tu {due_date}. Vui long hoan thanh: {link}",
        "subject_en": "Overdue by {days} days: {requirement}",
        "body_en": (
            "Hello {name},\n\n"
            "The mandatory course “{course}” was due on {due_date} and is {days} days overdue. "
            "Your unit's manager receives a weekly list of overdue training.\n\n"
            "Complete it now from the “{page}” page: {link}\n\n"
            "If you have a good reason, ask for an extension on the “{page}” page.\n\n"
            "{site}"
        ),
        "sms_en": "{site}: the mandatory course {course} has been overdue since {due_date}. Please complete it: {link}",
    },
    "manager_digest": {
        "subject_vi": "Đào tạo bắt buộc: {count} người quá hạn, {pending_count} đề nghị gia hạn chờ quyết định",
        "body_vi": (
            "Chào {name},\n\n"
            "Người quá hạn đào tạo bắt buộc trong các đơn vị bạn quản lý: {count}.\n\n"
            "{people}\n\n"
            "Xem chi tiết và xuất danh sách trên trang “{page}”: {link}\n\n"
            "{pending}\n\n"
            "{site}"
        ),
        "sms_vi": "{site}: {count} nguoi qua han dao tao, {pending_count} de nghi gia han cho quyet dinh. {link}",
        "subject_en": "Mandatory training this week: {count} overdue, {pending_count} extension requests waiting",
        "body_en": (
            "Hello {name},\n\n"
            "People overdue on mandatory training in the units you manage: {count}.\n\n"
            "{people}\n\n"
            "See the details and export the list on the “{page}” page: {link}\n\n"
            "{pending}\n\n"
            "{site}"
        ),
        "sms_en": "{site}: {count} overdue on mandatory training, {pending_count} extension requests waiting. {link}",
    },
    "certificate_expiring": {
        "subject_vi": "Chứng nhận “{course}” sắp hết hạn ({expiry_date})",
        "body_vi": (
            "Chào {name},\n\n"
            "Chứng nhận hoàn thành khóa học “{course}” (mã {code}) của bạn hết hạn vào ngày {expiry_date}, "
            "còn {days} ngày. Bạn có thể học lại để được cấp chứng nhận mới.\n\n"
            "Học lại tại trang “{page}”: {link}\n\n"
            "{site}"
        ),
        "sms_vi": "{site}: Chung nhan {course} het han ngay {expiry_date}. Hoc lai tai: {link}",
        "subject_en": "Your “{course}” certificate expires on {expiry_date}",
        "body_en": (
            "Hello {name},\n\n"
            "Your certificate for “{course}” (code {code}) expires on {expiry_date}, in {days} days. "
            "You can take the course again to receive a new certificate.\n\n"
            "Start on the “{page}” page: {link}\n\n"
            "{site}"
        ),
        "sms_en": "{site}: your {course} certificate expires on {expiry_date}. Renew it: {link}",
    },
    "certificate_issued": {
        "subject_vi": "Chúc mừng! Bạn đã được cấp chứng nhận “{course}”",
        "body_vi": (
            "Chào {name},\n\n"
            "Chúc mừng bạn đã hoàn thành khóa học “{course}”. Chứng nhận của bạn có mã {code}; "
            "bất kỳ ai cũng có thể kiểm tra chứng nhận trên trang “{page}”: {link}\n\n"
            "{site}"
        ),
        "sms_vi": "{site}: Chuc mung! Ban da duoc cap chung nhan {course}, ma {code}. {link}",
        "subject_en": "Congratulations! Your certificate for “{course}”",
        "body_en": (
            "Hello {name},\n\n"
            "Congratulations on completing “{course}”. Your certificate's code is {code}; "
            "anyone can check it on the “{page}” page: {link}\n\n"
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
            "Học tiếp tại trang “{page}”: {link}\n\n"
            "Không muốn nhận lời nhắc này? Thay đổi trên trang “{settings_page}”: {settings_link}\n\n"
            "{site}"
        ),
        "sms_vi": "{site}: Ban dang hoc do khoa {course}. Hoc tiep tai: {link}",
        "subject_en": "Continue your course “{course}”",
        "body_en": (
            "Hello {name},\n\n"
            "It has been {days} days since you last opened “{course}”. Each lesson takes a few minutes, "
            "and your progress is saved.\n\n"
            "Continue on the “{page}” page: {link}\n\n"
            "Don't want these reminders? Change them on the “{settings_page}” page: {settings_link}\n\n"
            "{site}"
        ),
        "sms_en": "{site}: you started the course {course}. Continue here: {link}",
    },
    "extension_requested": {
        "subject_vi": "Đề nghị gia hạn chờ bạn quyết định: {requester}, {requirement}",
        "body_vi": (
            "Chào {name},\n\n"
            "{requester} đề nghị gia hạn khóa học bắt buộc “{course}” ({requirement}) "
            "từ ngày {due_date} đến ngày {requested_date}.\n\n"
            "Lý do: {reason}\n\n"
            "Duyệt hoặc từ chối trên trang “{page}”: {link}\n\n"
            "{site}"
        ),
        "sms_vi": "{site}: {requester} de nghi gia han {course} den {requested_date}. Quyet dinh tai: {link}",
        "subject_en": "An extension request waits for your decision: {requester}, {requirement}",
        "body_en": (
            "Hello {name},\n\n"
            "{requester} asks to move the due date of the mandatory course “{course}” ({requirement}) "
            "from {due_date} to {requested_date}.\n\n"
            "Reason: {reason}\n\n"
            "Approve or refuse it on the “{page}” page: {link}\n\n"
            "{site}"
        ),
        "sms_en": "{site}: {requester} asks for an extension of {course} to {requested_date}. Decide: {link}",
    },
    "extension_approved": {
        "subject_vi": "Đề nghị gia hạn được chấp thuận: {requirement}, hạn mới {due_date}",
        "body_vi": (
            "Chào {name},\n\n"
            "Đề nghị gia hạn khóa học bắt buộc “{course}” của bạn đã được chấp thuận. "
            "Hạn mới: {due_date} (trước đây: {old_due_date}).\n\n"
            "Ghi chú của người duyệt: {note}\n\n"
            "Xem trên trang “{page}”: {link}\n\n"
            "{site}"
        ),
        "sms_vi": "{site}: Gia han {course} duoc chap thuan, han moi {due_date}. {link}",
        "subject_en": "Extension approved: {requirement}, new due date {due_date}",
        "body_en": (
            "Hello {name},\n\n"
            "Your request for more time on the mandatory course “{course}” was approved. "
            "New due date: {due_date} (before: {old_due_date}).\n\n"
            "Note from the manager: {note}\n\n"
            "See it on the “{page}” page: {link}\n\n"
            "{site}"
        ),
        "sms_en": "{site}: extension of {course} approved, new due date {due_date}. {link}",
    },
    "extension_refused": {
        "subject_vi": "Đề nghị gia hạn bị từ chối: {requirement}",
        "body_vi": (
            "Chào {name},\n\n"
            "Đề nghị gia hạn khóa học bắt buộc “{course}” đến ngày {requested_date} của bạn đã bị từ chối. "
            "Hạn hoàn thành vẫn là {due_date}.\n\n"
            "Lý do: {note}\n\n"
            "Xem trên trang “{page}”: {link}\n\n"
            "{site}"
        ),
        "sms_vi": "{site}: De nghi gia han {course} bi tu choi, han van la {due_date}. {link}",
        "subject_en": "Extension refused: {requirement}",
        "body_en": (
            "Hello {name},\n\n"
            "Your request to move the due date of the mandatory course “{course}” to {requested_date} "
            "was refused. The due date stays {due_date}.\n\n"
            "Reason: {note}\n\n"
            "See it on the “{page}” page: {link}\n\n"
            "{site}"
        ),
        "sms_en": "{site}: extension of {course} refused, still due {due_date}. {link}",
    },
    "certificate_revoked": {
        "subject_vi": "Chứng nhận “{course}” của bạn đã bị thu hồi",
        "body_vi": (
            "Chào {name},\n\n"
            "Chứng nhận hoàn thành khóa học “{course}” (mã {code}) của bạn đã bị thu hồi và không còn hiệu lực.\n\n"
            "Lý do: {reason}\n\n"
            "Xem các chứng nhận của bạn trên trang “{page}”: {link}\n\n"
            "{site}"
        ),
        "sms_vi": "{site}: Chung nhan {course} (ma {code}) da bi thu hoi. Xem: {link}",
        "subject_en": "Your certificate for “{course}” was revoked",
        "body_en": (
            "Hello {name},\n\n"
            "Your certificate for “{course}” (code {code}) was revoked and is no longer valid.\n\n"
            "Reason: {reason}\n\n"
            "See your certificates on the “{page}” page: {link}\n\n"
            "{site}"
        ),
        "sms_en": "{site}: your certificate for {course} (code {code}) was revoked. See: {link}",
    },
}
