"""Personal data held by the learning layer (see ``accounts.personal_data``)."""

from core.localtime import moment_iso

from .learning.quiz import answers_readable, quiz_questions
from .models import (
    Assignment,
    AssignmentEvent,
    Certificate,
    Enrolment,
    ExtensionRequest,
    Feedback,
    LessonCompletion,
    QuizAttempt,
    SubmissionKey,
    TutorialCompletion,
)


def _date(value):
    return value.isoformat() if value else None


def _attempt_answers(attempt):
    """The attempt's answers in words: the questions of its lesson (or its course's final test) as they are now."""
    stream = attempt.lesson.body if attempt.lesson_id else attempt.course.final_quiz
    return answers_readable(quiz_questions(stream), attempt.answers)


def export(user):
    return {
        "enrolments": [
            {
                "course": e.course.title,
                "enrolled_at": moment_iso(e.enrolled_at),
                "completed_at": moment_iso(e.completed_at),
                "archived_at": moment_iso(e.archived_at),
            }
            for e in Enrolment.objects.filter(user=user).select_related("course").order_by("enrolled_at")
        ],
        "lessons_completed": [
            {"lesson": c.lesson.title, "course": c.course.title, "completed_at": moment_iso(c.completed_at)}
            for c in LessonCompletion.objects.filter(user=user).select_related("lesson", "course")
        ],
        "quiz_attempts": [
            {
                "course": a.course.title,
                "lesson": a.lesson.title if a.lesson_id else None,
                "answers": _attempt_answers(a),
                "score": a.score,
                "passed": a.passed,
                "submitted_at": moment_iso(a.submitted_at),
            }
            for a in QuizAttempt.objects.filter(user=user).select_related("course", "lesson").order_by("submitted_at")
        ],
        "tutorials_done": [
            {"tutorial": t.tutorial.title, "completed_at": moment_iso(t.completed_at)}
            for t in TutorialCompletion.objects.filter(user=user).select_related("tutorial")
        ],
        "certificates": [
            {
                "code": c.code,
                "course": c.course_title,
                "name": c.learner_name,
                "issued_at": moment_iso(c.issued_at),
                "expires_at": moment_iso(c.expires_at),
                "revoked_at": moment_iso(c.revoked_at),
                "superseded_at": moment_iso(c.superseded_at),
                "superseded_by": c.superseded_by.code if c.superseded_by_id else None,
                "superseded_reason": c.superseded_reason,
            }
            for c in Certificate.objects.filter(user=user).select_related("superseded_by").order_by("issued_at", "pk")
        ],
        "feedback": [
            {"page": f.page.title, "helpful": f.helpful, "comment": f.comment, "created_at": moment_iso(f.created_at)}
            for f in Feedback.objects.filter(user=user).select_related("page")
        ],
        "training_assignments": [
            {
                "requirement": a.requirement.name,
                "cycle": a.cycle,
                "unit": str(a.unit) if a.unit_id else None,
                "assigned_at": moment_iso(a.assigned_at),
                "due_on": _date(a.due_on),
                "status": a.status,
                "completed_at": moment_iso(a.completed_at),
                "expires_on": _date(a.expires_on),
                "exempt_reason": a.exempt_reason,
                "history": [
                    {
                        "kind": event.kind,
                        "at": moment_iso(event.at),
                        "reason": event.reason,
                        "evidence": event.evidence,
                        "old_due_on": _date(event.old_due_on),
                        "new_due_on": _date(event.new_due_on),
                    }
                    for event in a.events.all()
                ],
            }
            for a in Assignment.objects.filter(user=user)
            .select_related("requirement", "unit")
            .prefetch_related("events")
            .order_by("requirement_id", "cycle")
        ],
        "extension_requests": [
            {
                "requirement": r.assignment.requirement.name,
                "requested_at": moment_iso(r.requested_at),
                "requested_due_on": _date(r.requested_due_on),
                "reason": r.reason,
                "status": r.status,
                "decided_at": moment_iso(r.decided_at),
                "decision_note": r.decision_note,
            }
            for r in ExtensionRequest.objects.filter(requested_by=user).select_related("assignment__requirement")
        ],
        # Keys of submissions sent from this person's browser (docs/offline.md): what and when, not the key.
        "submissions_recorded": [
            {"action": k.action, "created_at": moment_iso(k.created_at)}
            for k in SubmissionKey.objects.filter(user=user).order_by("created_at")
        ],
    }


def erase(user):
    """Certificates protect their enrolments, so they go first; feedback comments may name the person."""
    # Their chain of re-issues first points nowhere, so deleting the rows needs no order.
    Certificate.objects.filter(user=user).update(superseded_by=None, original=None)
    Certificate.objects.filter(user=user).delete()
    Certificate.objects.filter(revoked_by=user).update(revoked_by=None)
    Certificate.objects.filter(superseded_requested_by=user).update(superseded_requested_by=None)
    Feedback.objects.filter(user=user).delete()
    SubmissionKey.objects.filter(user=user).delete()  # the account's deletion would take them too
    # Decisions and corrections this person made for others stay, without their name.
    AssignmentEvent.objects.filter(actor=user).update(actor=None)
    ExtensionRequest.objects.filter(decided_by=user).update(decided_by=None)
