"""The courses app's models, for Django and for ``from courses.models import …``: a façade.

The models live in the sub-packages (app label ``courses``, tables and names unchanged):
learning (``learning/models.py``, page types in ``learning/pages.py``), certificates
(``certificates/models.py``), mandatory training (``training/models.py``) and assisted sessions at
the counter (``assisted/models.py``) and learning packages, SCORM and H5P (``packages/models.py``).
"""

from .assisted.models import AssistedLogEntry, AssistedMark, AssistedSession
from .certificates.badges.models import BadgeStatusEntry
from .certificates.models import (
    CERTIFICATE_CODE_ALPHABET,
    CERTIFICATE_CODE_LENGTH,
    Certificate,
    CertificateSetting,
    certificate_code_new,
)
from .learning.audio.models import AudioClip
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
from .lti.models import LtiAccount, LtiEntryTicket, LtiGradeTarget, LtiScore
from .packages.models import LearningPackage, PackageAttempt
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
    "AssistedLogEntry",
    "AssistedMark",
    "AssistedSession",
    "Audience",
    "AudioClip",
    "BadgeStatusEntry",
    "Certificate",
    "CertificateSetting",
    "CourseIndexPage",
    "CoursePage",
    "Enrolment",
    "ExtensionRequest",
    "Feedback",
    "LearningPackage",
    "LessonCompletion",
    "LessonPage",
    "LtiAccount",
    "LtiEntryTicket",
    "LtiGradeTarget",
    "LtiScore",
    "PackageAttempt",
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
