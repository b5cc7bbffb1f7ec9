"""Demo learning package (``DEMO_SEEDERS``): a small SCORM 1.2 exercise, built here, as the last lesson of
the citizens' demo course. Idempotent: the package (by its identifier) and the lesson (by its slug) once."""

import io
import zipfile

from django.db import transaction

from ..learning.pages import CoursePage, LessonPage
from .models import LearningPackage
from .services import package_upload

IDENTIFIER = "vn.kynangso.demo.nop-ho-so-scorm12"
COURSE_SLUG = "dung-dich-vu-cong-truc-tuyen"
LESSON_SLUG = "thuc-hanh-scorm"
TITLE = "Thực hành: nộp hồ sơ trực tuyến (SCORM)"

MANIFEST = f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="{IDENTIFIER}" version="1.0"
    xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.imsproject.org/xsd/imscp_rootv1p1p2 imscp_rootv1p1p2.xsd
                        http://www.adlnet.org/xsd/adlcp_rootv1p2 adlcp_rootv1p2.xsd">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="ORG">
    <organization identifier="ORG">
      <title>{TITLE}</title>
      <item identifier="ITEM" identifierref="SCO"><title>{TITLE}</title>
        <adlcp:masteryscore>80</adlcp:masteryscore></item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="SCO" type="webcontent" adlcp:scormtype="sco" href="index.html">
      <file href="index.html"/><file href="bai.js"/><file href="bai.css"/>
    </resource>
  </resources>
</manifest>
"""

HTML = f"""<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{TITLE}</title><link rel="stylesheet" href="bai.css"><script src="bai.js"></script></head>
<body><main>
<h1>{TITLE}</h1>
<p id="welcome">Trả lời hai câu hỏi để hoàn thành bài thực hành.</p>
<form id="quiz">
<fieldset><legend>1. Trước khi nộp hồ sơ trực tuyến, bạn cần gì?</legend>
<label><input type="radio" name="q1" value="1"> Tài khoản định danh điện tử (VNeID) hoặc tài khoản Cổng dịch vụ công</label>
<label><input type="radio" name="q1" value="0"> Đến trụ sở xin mẫu giấy</label></fieldset>
<fieldset><legend>2. Mã OTP gửi về điện thoại có được đưa cho người khác không?</legend>
<label><input type="radio" name="q2" value="0"> Có, nếu họ nhờ</label>
<label><input type="radio" name="q2" value="1"> Không bao giờ</label></fieldset>
<button type="submit">Nộp bài</button>
</form>
<p id="result" role="status"></p>
</main></body></html>
"""

SCRIPT = """(function () {
  "use strict";
  function find(win) {
    var tries = 0;
    while (win && !win.API && win.parent && win.parent !== win && tries < 10) { tries += 1; win = win.parent; }
    return win && win.API ? win.API : null;
  }
  var api = null;
  try { api = find(window) || (window.opener ? find(window.opener) : null); } catch (e) { api = null; }
  document.addEventListener("DOMContentLoaded", function () {
    var result = document.getElementById("result");
    if (!api) { result.textContent = "Không kết nối được với hệ thống học tập."; return; }
    api.LMSInitialize("");
    if (api.LMSGetValue("cmi.core.lesson_status") === "not attempted") {
      api.LMSSetValue("cmi.core.lesson_status", "incomplete");
      api.LMSCommit("");
    }
    document.getElementById("quiz").addEventListener("submit", function (event) {
      event.preventDefault();
      var right = 0;
      ["q1", "q2"].forEach(function (name) {
        var chosen = document.querySelector("input[name=" + name + "]:checked");
        if (chosen && chosen.value === "1") { right += 1; }
      });
      var score = right * 50;
      api.LMSSetValue("cmi.core.score.min", "0");
      api.LMSSetValue("cmi.core.score.max", "100");
      api.LMSSetValue("cmi.core.score.raw", String(score));
      api.LMSSetValue("cmi.core.lesson_status", score >= 80 ? "passed" : "failed");
      api.LMSSetValue("cmi.core.exit", score >= 80 ? "" : "suspend");
      api.LMSCommit("");
      if (score >= 80) {
        api.LMSFinish("");
        result.textContent = "Chính xác! Bạn đạt " + score + " điểm.";
      } else {
        result.textContent = "Bạn đạt " + score + " điểm. Hãy chọn lại và nộp bài lần nữa.";
      }
    });
  });
})();
"""

CSS = """body{font-family:system-ui,sans-serif;line-height:1.5;margin:0;padding:1rem;color:#1a1a1a}
main{max-width:40rem;margin:auto}fieldset{margin:0 0 1rem;border:1px solid #767676;border-radius:4px}
label{display:block;padding:.25rem 0}button{font:inherit;padding:.5rem 1rem}
"""


def demo_package_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in (
            ("imsmanifest.xml", MANIFEST),
            ("index.html", HTML),
            ("bai.js", SCRIPT),
            ("bai.css", CSS),
        ):
            archive.writestr(name, content)
    return buffer.getvalue()


@transaction.atomic
def demo_packages_seed() -> list:
    """The demo SCORM package and its lesson in the citizens' course (once). No accounts: returns []."""
    course = CoursePage.objects.filter(slug=COURSE_SLUG).first()
    if course is None:
        return []
    package = LearningPackage.objects.filter(identifier=IDENTIFIER).first()
    if package is None:
        data = demo_package_zip()
        package = package_upload(upload=io.BytesIO(data), user=None, size=len(data), filename="thuc-hanh-scorm.zip")
    if not LessonPage.objects.child_of(course).filter(slug=LESSON_SLUG).exists():
        lesson = LessonPage(
            title=TITLE,
            slug=LESSON_SLUG,
            estimated_minutes=5,
            body=[
                ("paragraph", "<p>Bài thực hành này là một gói SCORM: làm bài ngay trong khung bên dưới.</p>"),
                ("package", {"package": package, "height": 600}),
            ],
        )
        course.add_child(instance=lesson)
        lesson.save_revision().publish()
    return []
