"""The courses app's models, for Django and for ``from courses.models import …``: a façade.

The models live in the sub-packages (app label ``courses``, tables and names unchanged):
learning (``learning/models.py``, page types in ``learning/pages.py``), certificates
(``certificates/models.py``) and mandatory training (``training/models.py``).
"""

from .certificates.models import (
    CERTIFICATE_CODE_ALPHABET,
    CERTIFICATE_CODE_LENGTH,
    Certificate,
    CertificateSetting,
    certificate_code_new,
)
from .learning.models import (
    Audience,
    Enrolment,
    Feedback,
    LessonCompletion,
    PublicService,
    QuizAttempt,
    QuizAttemptQuerySet,
    SubmissionKey,
    TutorialCompletion,
    TutorialPageTag,
    TutorialPageView,
)
from .learning.pages import (
    TUTORIAL_PAGE_HEADER,
    CourseIndexPage,
    CoursePage,
    LessonPage,
    TutorialIndexPage,
    TutorialPage,
)
from .training.models import (
    Assignment,
    AssignmentEvent,
    AssignmentQuerySet,
    AssignmentState,
    ExtensionRequest,
    TrainingRequirement,
    assignment_state_q,
)

__all__ = [
    "CERTIFICATE_CODE_ALPHABET",
    "CERTIFICATE_CODE_LENGTH",
    "TUTORIAL_PAGE_HEADER",
    "Assignment",
    "AssignmentEvent",
    "AssignmentQuerySet",
    "AssignmentState",
    "Audience",
    "Certificate",
    "CertificateSetting",
    "CourseIndexPage",
    "CoursePage",
    "Enrolment",
    "ExtensionRequest",
    "Feedback",
    "LessonCompletion",
    "LessonPage",
    "PublicService",
    "QuizAttempt",
    "QuizAttemptQuerySet",
    "SubmissionKey",
    "TrainingRequirement",
    "TutorialCompletion",
    "TutorialIndexPage",
    "TutorialPage",
    "TutorialPageTag",
    "TutorialPageView",
    "assignment_state_q",
    "certificate_code_new",
]
