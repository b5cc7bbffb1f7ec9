"""New message kinds (extension request waiting, approved, refused; certificate revoked) and texts
that name pages by their real titles.

The templates of the new kinds are created. A template still as it was shipped (``OLD_TEMPLATES``,
frozen here) takes the new default words; one edited by staff keeps its words, with the invented
page name “Đào tạo bắt buộc của tôi” / “My training” replaced by ``{page}`` (the page's real
title), and the digest gets ``{pending}`` (the extension requests waiting) before ``{site}``.
"""

from django.db import migrations, models

from outreach.reminders.defaults import DEFAULT_TEMPLATES

TEXT_FIELDS = ("subject_vi", "body_vi", "sms_vi", "subject_en", "body_en", "sms_en")
INVENTED_PAGE_NAMES = ("“Đào tạo bắt buộc của tôi”", "“My training”")

OLD_TEMPLATES = {
    "certificate_expiring": {
        "body_en": "Hello {name},\n"
        "\n"
        "Your certificate for “{course}” (code {code}) expires on "
        "{expiry_date}, in {days} days. You can take the course again to "
        "receive a new certificate.\n"
        "\n"
        "Start here: {link}\n"
        "\n"
        "{site}",
        "body_vi": "Chào {name},\n"
        "\n"
        "Chứng nhận hoàn thành khóa học “{course}” (mã {code}) của bạn hết hạn "
        "vào ngày {expiry_date}, còn {days} ngày. Bạn có thể học lại để được "
        "cấp chứng nhận mới.\n"
        "\n"
        "Học lại tại: {link}\n"
        "\n"
        "{site}",
        "sms_en": "{site}: your {course} certificate expires on {expiry_date}. Renew it: {link}",
        "sms_vi": "{site}: Chung nhan {course} het han ngay {expiry_date}. Hoc lai tai: {link}",
        "subject_en": "Your “{course}” certificate expires on {expiry_date}",
        "subject_vi": "Chứng nhận “{course}” sắp hết hạn ({expiry_date})",
    },
    "certificate_issued": {
        "body_en": "Hello {name},\n"
        "\n"
        "Congratulations on completing “{course}”. Your certificate's code is "
        "{code}; anyone can check it at: {link}\n"
        "\n"
        "{site}",
        "body_vi": "Chào {name},\n"
        "\n"
        "Chúc mừng bạn đã hoàn thành khóa học “{course}”. Chứng nhận của bạn có "
        "mã {code}; bất kỳ ai cũng có thể kiểm tra chứng nhận tại: {link}\n"
        "\n"
        "{site}",
        "sms_en": "{site}: congratulations! Your certificate for {course} is issued, code {code}. {link}",
        "sms_vi": "{site}: Chuc mung! Ban da duoc cap chung nhan {course}, ma {code}. {link}",
        "subject_en": "Congratulations! Your certificate for “{course}”",
        "subject_vi": "Chúc mừng! Bạn đã được cấp chứng nhận “{course}”",
    },
    "course_nudge": {
        "body_en": "Hello {name},\n"
        "\n"
        "It has been {days} days since you last opened “{course}”. Each lesson takes a "
        "few minutes, and your progress is saved.\n"
        "\n"
        "Continue here: {link}\n"
        "\n"
        "Don't want these reminders? Change them in your notification settings.\n"
        "\n"
        "{site}",
        "body_vi": "Chào {name},\n"
        "\n"
        "Đã {days} ngày bạn chưa quay lại khóa học “{course}”. Mỗi bài chỉ mất vài "
        "phút, và tiến độ của bạn vẫn được giữ nguyên.\n"
        "\n"
        "Học tiếp tại: {link}\n"
        "\n"
        "Không muốn nhận lời nhắc này? Thay đổi trong phần Cài đặt thông báo.\n"
        "\n"
        "{site}",
        "sms_en": "{site}: you started the course {course}. Continue here: {link}",
        "sms_vi": "{site}: Ban dang hoc do khoa {course}. Hoc tiep tai: {link}",
        "subject_en": "Continue your course “{course}”",
        "subject_vi": "Bạn đang học dở khóa “{course}”",
    },
    "manager_digest": {
        "body_en": "Hello {name},\n"
        "\n"
        "These people in the units you manage have not completed their mandatory "
        "training on time:\n"
        "\n"
        "{people}\n"
        "\n"
        "See the details and export the list: {link}\n"
        "\n"
        "{site}",
        "body_vi": "Chào {name},\n"
        "\n"
        "Những người sau trong các đơn vị bạn quản lý chưa hoàn thành khóa học bắt "
        "buộc đúng hạn:\n"
        "\n"
        "{people}\n"
        "\n"
        "Xem chi tiết và xuất danh sách tại: {link}\n"
        "\n"
        "{site}",
        "sms_en": "{site}: {count} people in your units have overdue mandatory training. See: {link}",
        "sms_vi": "{site}: {count} nguoi trong don vi cua ban qua han dao tao bat buoc. Xem: {link}",
        "subject_en": "{count} people in your units have overdue mandatory training",
        "subject_vi": "{count} người trong đơn vị của bạn quá hạn đào tạo bắt buộc",
    },
    "training_due_soon": {
        "body_en": "Hello {name},\n"
        "\n"
        "Please complete the mandatory course “{course}” by {due_date} ({days} "
        "days left).\n"
        "\n"
        "Continue here: {link}\n"
        "\n"
        "If you need more time, ask for an extension on the “My training” page.\n"
        "\n"
        "{site}",
        "body_vi": "Chào {name},\n"
        "\n"
        "Bạn cần hoàn thành khóa học bắt buộc “{course}” trước ngày {due_date} "
        "(còn {days} ngày).\n"
        "\n"
        "Học tiếp tại: {link}\n"
        "\n"
        "Nếu bạn cần thêm thời gian, hãy gửi đề nghị gia hạn trên trang “Đào tạo "
        "bắt buộc của tôi”.\n"
        "\n"
        "{site}",
        "sms_en": "{site}: {days} days left to complete the mandatory course {course} (due {due_date}). {link}",
        "sms_vi": "{site}: Con {days} ngay de hoan thanh khoa hoc bat buoc {course} (han {due_date}). {link}",
        "subject_en": "{days} days left to complete: {requirement}",
        "subject_vi": "Còn {days} ngày để hoàn thành: {requirement}",
    },
    "training_due_today": {
        "body_en": "Hello {name},\n"
        "\n"
        "Today ({due_date}) is the last day to complete the mandatory course "
        "“{course}”.\n"
        "\n"
        "Complete it now: {link}\n"
        "\n"
        "{site}",
        "body_vi": "Chào {name},\n"
        "\n"
        "Hôm nay ({due_date}) là hạn cuối để hoàn thành khóa học bắt buộc "
        "“{course}”.\n"
        "\n"
        "Hoàn thành ngay tại: {link}\n"
        "\n"
        "{site}",
        "sms_en": "{site}: the mandatory course {course} is due today ({due_date}). {link}",
        "sms_vi": "{site}: Hom nay ({due_date}) la han hoan thanh khoa hoc bat buoc {course}. {link}",
        "subject_en": "Due today: {requirement}",
        "subject_vi": "Hôm nay là hạn hoàn thành: {requirement}",
    },
    "training_overdue": {
        "body_en": "Hello {name},\n"
        "\n"
        "The mandatory course “{course}” was due on {due_date} and is {days} days "
        "overdue. Your unit's manager receives a weekly list of overdue training.\n"
        "\n"
        "Complete it now: {link}\n"
        "\n"
        "If you have a good reason, ask for an extension on the “My training” "
        "page.\n"
        "\n"
        "{site}",
        "body_vi": "Chào {name},\n"
        "\n"
        "Khóa học bắt buộc “{course}” đã quá hạn từ ngày {due_date} ({days} ngày). "
        "Lãnh đạo đơn vị của bạn sẽ nhận được danh sách các khóa học quá hạn hằng "
        "tuần.\n"
        "\n"
        "Hoàn thành ngay tại: {link}\n"
        "\n"
        "Nếu có lý do chính đáng, hãy gửi đề nghị gia hạn trên trang “Đào tạo bắt "
        "buộc của tôi”.\n"
        "\n"
        "{site}",
        "sms_en": "{site}: the mandatory course {course} has been overdue since {due_date}. Please complete it: {link}",
        "sms_vi": "{site}: Khoa hoc bat buoc {course} da qua han tu {due_date}. Vui long hoan thanh: {link}",
        "subject_en": "Overdue by {days} days: {requirement}",
        "subject_vi": "Quá hạn {days} ngày: {requirement}",
    },
}


def _edited_fix(template):
    for field in TEXT_FIELDS:
        text = getattr(template, field) or ""
        for invented in INVENTED_PAGE_NAMES:
            text = text.replace(invented, "“{page}”")
        if template.kind == "manager_digest" and field in ("body_vi", "body_en") and text and "{pending" not in text:
            text = text.replace("{site}", "{pending}\n\n{site}", 1) if "{site}" in text else text + "\n\n{pending}"
        setattr(template, field, text)


def update(apps, schema_editor):
    MessageTemplate = apps.get_model("outreach", "MessageTemplate")
    for kind, texts in DEFAULT_TEMPLATES.items():
        template, created = MessageTemplate.objects.get_or_create(kind=kind, defaults=texts)
        if created:
            continue
        shipped = OLD_TEMPLATES.get(kind)
        if shipped is not None and all((getattr(template, f) or "") == shipped[f] for f in TEXT_FIELDS):
            for field in TEXT_FIELDS:
                setattr(template, field, texts[field])
        else:
            _edited_fix(template)
        template.save()


def remove(apps, schema_editor):
    MessageTemplate = apps.get_model("outreach", "MessageTemplate")
    MessageTemplate.objects.filter(
        kind__in=["extension_requested", "extension_approved", "extension_refused", "certificate_revoked"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0012_delivery_kind_registry"),
    ]

    operations = [
        migrations.AlterField(
            model_name="messagetemplate",
            name="kind",
            field=models.CharField(
                choices=[
                    ("training_due_soon", "Mandatory training: due soon"),
                    ("training_due_today", "Mandatory training: due today"),
                    ("training_overdue", "Mandatory training: overdue"),
                    ("manager_digest", "Weekly digest for unit managers: overdue training, extension requests"),
                    ("certificate_expiring", "Certificate about to expire"),
                    ("certificate_issued", "Certificate issued"),
                    ("course_nudge", "Reminder to finish a course"),
                    ("extension_requested", "Extension request waiting for a decision (to managers)"),
                    ("extension_approved", "Extension approved"),
                    ("extension_refused", "Extension refused"),
                    ("certificate_revoked", "Certificate revoked"),
                ],
                max_length=30,
                unique=True,
                verbose_name="kind",
            ),
        ),
        migrations.RunPython(update, remove),
    ]
