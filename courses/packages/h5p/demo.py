"""A real H5P multiple-choice activity, built here: by the tests, and by the demo seeder.

The official ``H5P.MultiChoice`` library (h5p/h5p-multi-choice) is not on npm or PyPI, and no other
project's code is copied into this one, so the content type is a small H5P library of our own,
``H5P.KnsMultiChoice``, written to H5P's library specification: a ``library.json`` (machineName,
majorVersion, minorVersion, patchVersion, runnable, preloadedJs, preloadedCss), a constructor
``H5P.KnsMultiChoice(params, contentId, extras)`` that inherits ``H5P.EventDispatcher`` and has
``attach($container)``, and xAPI statements sent the way content types send them
(``createXAPIEventTemplate`` and ``setScoredResult``, then ``trigger``): ``answered`` and
``completed`` with the score, ``success`` and ``completion``. H5P's core (in h5p-standalone) loads it
and relays its statements to ``H5P.externalDispatcher``. The package holds no other library.
"""

import io
import json
import zipfile

from django.db import transaction

from ...learning.pages import CoursePage, LessonPage
from ..models import LearningPackage
from ..parsers import package_parse
from ..services import package_upload
from ..validation import zip_check

LIBRARY = "H5P.KnsMultiChoice"
MAJOR, MINOR, PATCH = 1, 0, 0
FOLDER = f"{LIBRARY}-{MAJOR}.{MINOR}"

LIBRARY_JS = r"""var H5P = H5P || {};
/**
 * A multiple-choice question (one or more right answers), written to H5P's library specification.
 * params: { question, answers: [{ text, correct }], passPercentage, l10n: { check, retry, correct, wrong } }
 */
H5P.KnsMultiChoice = (function ($, EventDispatcher) {
  "use strict";

  function KnsMultiChoice(params, contentId, extras) {
    EventDispatcher.call(this);
    this.params = $.extend(true, {
      question: "",
      answers: [],
      passPercentage: 100,
      l10n: { check: "Check", retry: "Retry", correct: "Correct!", wrong: "Not quite." }
    }, params);
    this.contentId = contentId;
    this.extras = extras || {};
    this.score = 0;
    this.answered = false;
  }

  KnsMultiChoice.prototype = Object.create(EventDispatcher.prototype);
  KnsMultiChoice.prototype.constructor = KnsMultiChoice;

  KnsMultiChoice.prototype.isMultiple = function () {
    return this.params.answers.filter(function (a) { return a.correct; }).length > 1;
  };

  KnsMultiChoice.prototype.getMaxScore = function () { return 1; };
  KnsMultiChoice.prototype.getScore = function () { return this.score; };
  KnsMultiChoice.prototype.getAnswerGiven = function () { return this.answered; };

  KnsMultiChoice.prototype.chosen = function () {
    return this.$inputs.toArray().map(function (input) { return input.checked; });
  };

  KnsMultiChoice.prototype.attach = function ($container) {
    var self = this;
    var name = "kns-mc-" + self.contentId;
    var type = self.isMultiple() ? "checkbox" : "radio";
    $container.addClass("h5p-kns-multichoice");
    var $form = $("<fieldset>").appendTo($container.empty());
    $("<legend>", { "class": "h5p-kns-question", text: self.params.question }).appendTo($form);
    self.params.answers.forEach(function (answer, index) {
      var id = name + "-" + index;
      var $row = $("<div>", { "class": "h5p-kns-answer" }).appendTo($form);
      $("<input>", { type: type, name: name, id: id, value: String(index) }).appendTo($row);
      $("<label>", { "for": id, text: answer.text }).appendTo($row);
    });
    self.$inputs = $form.find("input");
    self.$feedback = $("<p>", { "class": "h5p-kns-feedback", role: "status" }).appendTo($container);
    self.$check = $("<button>", { type: "button", "class": "h5p-kns-check", text: self.params.l10n.check })
      .appendTo($container)
      .on("click", function () { self.check(); });
    self.$retry = $("<button>", { type: "button", "class": "h5p-kns-retry", text: self.params.l10n.retry })
      .appendTo($container).hide()
      .on("click", function () { self.resetTask(); });
    self.$inputs.on("change", function () {
      self.triggerXAPI("interacted");
    });
    self.trigger("resize");
  };

  KnsMultiChoice.prototype.check = function () {
    var chosen = this.chosen();
    if (chosen.indexOf(true) === -1) { return; }
    var right = this.params.answers.every(function (answer, index) { return Boolean(answer.correct) === chosen[index]; });
    this.score = right ? 1 : 0;
    this.answered = true;
    var success = this.score * 100 / this.getMaxScore() >= this.params.passPercentage;
    this.$inputs.prop("disabled", true);
    this.$check.hide();
    this.$retry.show();
    this.$feedback.text(right ? this.params.l10n.correct : this.params.l10n.wrong);
    this.$feedback.attr("data-score", String(this.score));

    var answered = this.createXAPIEventTemplate("answered");
    this.addQuestionToXAPI(answered, chosen);
    answered.setScoredResult(this.score, this.getMaxScore(), this, true, success);
    this.trigger(answered);

    var completed = this.createXAPIEventTemplate("completed");
    completed.setScoredResult(this.score, this.getMaxScore(), this, true, success);
    this.trigger(completed);
    this.trigger("resize");
  };

  KnsMultiChoice.prototype.addQuestionToXAPI = function (event, chosen) {
    var definition = event.getVerifiedStatementValue(["object", "definition"]);
    definition.description = { "en-US": this.params.question };
    definition.type = "http://adlnet.gov/expapi/activities/cmi.interaction";
    definition.interactionType = "choice";
    definition.choices = this.params.answers.map(function (answer, index) {
      return { id: String(index), description: { "en-US": answer.text } };
    });
    definition.correctResponsesPattern = [this.params.answers
      .map(function (answer, index) { return answer.correct ? String(index) : null; })
      .filter(function (id) { return id !== null; }).join("[,]")];
    event.data.statement.result = event.data.statement.result || {};
    event.data.statement.result.response = chosen
      .map(function (on, index) { return on ? String(index) : null; })
      .filter(function (id) { return id !== null; }).join("[,]");
  };

  KnsMultiChoice.prototype.getXAPIData = function () {
    var event = this.createXAPIEventTemplate("answered");
    this.addQuestionToXAPI(event, this.chosen());
    event.setScoredResult(this.score, this.getMaxScore(), this, true, this.score === this.getMaxScore());
    return { statement: event.data.statement };
  };

  KnsMultiChoice.prototype.resetTask = function () {
    this.score = 0;
    this.answered = false;
    this.$inputs.prop("disabled", false).prop("checked", false);
    this.$feedback.text("").removeAttr("data-score");
    this.$check.show();
    this.$retry.hide();
    this.trigger("resize");
  };

  KnsMultiChoice.prototype.showSolutions = function () {
    var answers = this.params.answers;
    this.$inputs.each(function (index, input) {
      $(input).parent().toggleClass("h5p-kns-right", Boolean(answers[index].correct));
    });
  };

  return KnsMultiChoice;
})(H5P.jQuery, H5P.EventDispatcher);
"""

LIBRARY_CSS = """.h5p-kns-multichoice{font-family:system-ui,sans-serif;font-size:1rem;padding:1rem;line-height:1.5}
.h5p-kns-multichoice fieldset{border:0;margin:0;padding:0}
.h5p-kns-question{font-weight:700;margin-bottom:.5rem}
.h5p-kns-answer{display:flex;gap:.5rem;align-items:flex-start;padding:.35rem 0}
.h5p-kns-answer input{width:1.25rem;height:1.25rem;flex:none;margin-top:.15rem}
.h5p-kns-right label{font-weight:700}
.h5p-kns-multichoice button{font:inherit;padding:.6rem 1rem;min-height:44px;border:2px solid #0b5394;background:#0b5394;color:#fff;border-radius:.3rem;cursor:pointer}
.h5p-kns-retry{background:#fff!important;color:#0b5394!important}
.h5p-kns-feedback{font-weight:700;min-height:1.5em}
"""


def library_json() -> dict:
    return {
        "title": "Multiple choice (Kỹ Năng Số)",
        "description": "A multiple-choice question: one or more right answers.",
        "machineName": LIBRARY,
        "majorVersion": MAJOR,
        "minorVersion": MINOR,
        "patchVersion": PATCH,
        "runnable": 1,
        "license": "MIT",
        "author": "Kỹ Năng Số",
        "coreApi": {"majorVersion": 1, "minorVersion": 24},
        "embedTypes": ["div", "iframe"],
        "fullscreen": 0,
        "preloadedJs": [{"path": "multichoice.js"}],
        "preloadedCss": [{"path": "multichoice.css"}],
    }


def multichoice_files(
    *,
    title: str = "Câu hỏi: Cổng Dịch vụ công quốc gia",
    question: str = "Địa chỉ nào là Cổng Dịch vụ công quốc gia?",
    answers: tuple[tuple[str, bool], ...] = (
        ("dichvucong.gov.vn", True),
        ("dichvucong-gov.vn.com", False),
        ("Một trang lạ gửi qua tin nhắn", False),
    ),
    embed_types: tuple[str, ...] = ("div",),
    l10n: dict | None = None,
) -> dict[str, bytes]:
    """The files of an ``.h5p`` package holding one multiple-choice question (path → bytes)."""
    h5p = {
        "title": title,
        "language": "vi",
        "mainLibrary": LIBRARY,
        "embedTypes": list(embed_types),
        "license": "U",
        "defaultLanguage": "vi",
        "preloadedDependencies": [{"machineName": LIBRARY, "majorVersion": MAJOR, "minorVersion": MINOR}],
    }
    content = {
        "question": question,
        "answers": [{"text": text, "correct": correct} for text, correct in answers],
        "passPercentage": 100,
        "l10n": l10n or {"check": "Kiểm tra", "retry": "Làm lại", "correct": "Đúng rồi!", "wrong": "Chưa đúng."},
    }
    return {
        "h5p.json": json.dumps(h5p, ensure_ascii=False, indent=2).encode(),
        "content/content.json": json.dumps(content, ensure_ascii=False, indent=2).encode(),
        f"{FOLDER}/library.json": json.dumps(library_json(), ensure_ascii=False, indent=2).encode(),
        f"{FOLDER}/multichoice.js": LIBRARY_JS.encode(),
        f"{FOLDER}/multichoice.css": LIBRARY_CSS.encode(),
    }


def h5p_zip(files: dict[str, bytes | str]) -> bytes:
    """Zip ``files`` as an ``.h5p`` is zipped (files at the root of the archive, deflated)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def multichoice_h5p(**kw) -> bytes:
    return h5p_zip(multichoice_files(**kw))


# The demo (``DEMO_SEEDERS``): this activity as a lesson of the citizens' demo course, once. -----------

COURSE_SLUG = "dung-dich-vu-cong-truc-tuyen"
LESSON_SLUG = "thuc-hanh-h5p"
LESSON_TITLE = "Thực hành: nhận ra Cổng Dịch vụ công thật (H5P)"


def demo_h5p_seed() -> list:
    """The demo H5P activity and its lesson in the citizens' course (once: the package by its
    identifier, which is its content's digest, and the lesson by its slug). No accounts: returns []."""
    course = CoursePage.objects.filter(slug=COURSE_SLUG).first()
    if course is None:
        return []
    data = multichoice_h5p()
    checked = zip_check(io.BytesIO(data), size=len(data))
    try:
        identifier = package_parse(checked).identifier
    finally:
        checked.archive.close()
    with transaction.atomic():
        package = LearningPackage.objects.filter(identifier=identifier).first()
        if package is None:
            package = package_upload(upload=io.BytesIO(data), user=None, size=len(data), filename="thuc-hanh.h5p")
        if not LessonPage.objects.child_of(course).filter(slug=LESSON_SLUG).exists():
            lesson = LessonPage(
                title=LESSON_TITLE,
                slug=LESSON_SLUG,
                estimated_minutes=3,
                body=[
                    (
                        "paragraph",
                        "<p>Bài thực hành này là một hoạt động H5P: chọn câu trả lời trong khung bên dưới rồi bấm "
                        "“Kiểm tra”. Trả lời đúng thì bài học được ghi là hoàn thành.</p>",
                    ),
                    ("package", {"package": package, "height": 400}),
                ],
            )
            course.add_child(instance=lesson)
            lesson.save_revision().publish()
    return []
