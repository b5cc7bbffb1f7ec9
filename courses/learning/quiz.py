"""Quiz questions, answers and grading. Pure functions: no database, no request.

A quiz is the list of ``question`` blocks of a lesson's body (or of a course's
final test). Questions and answer choices are identified by their block ids,
which Wagtail keeps stable across revisions, so a submitted form names exactly
what the learner saw. The correct answers never leave the server before the
learner submits.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Choice:
    id: str
    text: str
    correct: bool


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    multiple: bool
    choices: tuple[Choice, ...]
    explanation: str

    @property
    def correct_ids(self) -> frozenset[str]:
        return frozenset(choice.id for choice in self.choices if choice.correct)


@dataclass
class QuestionResult:
    question: Question
    chosen: frozenset[str]
    correct: bool


@dataclass
class Grade:
    score: int
    passed: bool
    results: list[QuestionResult] = field(default_factory=list)

    @property
    def correct_count(self) -> int:
        return sum(1 for result in self.results if result.correct)


def quiz_questions(stream_value: Iterable[Any]) -> list[Question]:
    """The questions of a StreamField value (lesson body or final test), in order."""
    questions = []
    for block in stream_value:
        if block.block_type != "question":
            continue
        value = block.value
        choices = tuple(
            Choice(id=bound.id, text=bound.value["text"], correct=bool(bound.value["correct"]))
            for bound in value["choices"].bound_blocks
        )
        questions.append(
            Question(
                id=block.id,
                text=value["question"],
                multiple=bool(value["multiple"]),
                choices=choices,
                explanation=value["explanation"],
            )
        )
    return questions


def answers_from_post(questions: list[Question], data: MultiValueDict) -> dict[str, frozenset[str]]:
    """Read and check the submitted answers: ``{question_id: frozenset(choice_ids)}``.

    Raises ValidationError (translated) for tampered input: a question that is
    not in this quiz, a choice that does not belong to its question, several
    choices for a single-answer question, or an unanswered question.
    """
    known = {question.id: question for question in questions}
    for key in data:
        if key.startswith("q-") and key[2:] not in known:
            raise ValidationError(_("The answers do not match this quiz. Please reload the page and try again."))
    answers: dict[str, frozenset[str]] = {}
    for question in questions:
        chosen = frozenset(data.getlist(f"q-{question.id}"))
        if not chosen:
            raise ValidationError(_("Please answer every question."), code="unanswered")
        valid_ids = {choice.id for choice in question.choices}
        if not chosen <= valid_ids:
            raise ValidationError(_("The answers do not match this quiz. Please reload the page and try again."))
        if not question.multiple and len(chosen) != 1:
            raise ValidationError(_("Choose one answer for each single-choice question."))
        answers[question.id] = chosen
    return answers


def quiz_grade(questions: list[Question], answers: Mapping[str, frozenset[str]], pass_mark: int) -> Grade:
    """Score in whole per cent (a question counts only if exactly the right choices are chosen)."""
    results = [
        QuestionResult(question=question, chosen=answers.get(question.id, frozenset()), correct=False)
        for question in questions
    ]
    for result in results:
        result.correct = result.chosen == result.question.correct_ids
    if not results:
        return Grade(score=100, passed=True, results=[])
    score = round(100 * sum(result.correct for result in results) / len(results))
    return Grade(score=score, passed=score >= pass_mark, results=results)


def answers_readable(questions: list[Question], answers: Mapping[str, Iterable[str]]) -> list[dict[str, Any]]:
    """Stored answers (``{question_id: [choice_ids]}``) as a person reads them: question, chosen texts, correct.

    For the personal-data export. Questions are those of the page as it is now: a question or choice removed
    since the attempt is named as such rather than shown as its id.
    """
    gone = _("(no longer in the quiz)")
    known = {question.id: question for question in questions}
    readable = []
    for question_id, choice_ids in answers.items():
        question = known.get(question_id)
        chosen = frozenset(choice_ids)
        if question is None:
            readable.append({"question": gone, "answers": [gone] * len(chosen), "correct": None})
            continue
        # In the order the learner saw them; a choice removed since is named as such.
        texts = [choice.text for choice in question.choices if choice.id in chosen]
        texts += [gone] * len(chosen - {choice.id for choice in question.choices})
        readable.append({"question": question.text, "answers": texts, "correct": chosen == question.correct_ids})
    return readable
