"""Quiz answers in words, as the personal-data export shows them."""

from django.utils import translation

from courses.learning.quiz import Choice, Question, answers_readable

GONE = "(no longer in the quiz)"


def test_answers_readable_in_the_quiz_order_naming_what_was_removed_since():
    question = Question(
        id="q1",
        text="Cổng dịch vụ công ở đâu?",
        multiple=True,
        choices=(Choice("c1", "dichvucong.gov.vn", True), Choice("c2", "Zalo", False)),
        explanation="",
    )
    with translation.override("en"):
        readable = answers_readable([question], {"q1": ["c2", "c1", "gone"], "q-old": ["x"]})
    assert readable == [
        {"question": "Cổng dịch vụ công ở đâu?", "answers": ["dichvucong.gov.vn", "Zalo", GONE], "correct": False},
        {"question": GONE, "answers": [GONE], "correct": None},
    ]
    assert answers_readable([question], {"q1": ["c1"]})[0]["correct"] is True
