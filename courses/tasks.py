"""Celery tasks of the courses app (Celery autodiscovers this module): each sub-package's tasks."""

from .learning.audio import tasks as audio_tasks  # noqa: F401 (registers the narration task)
from .lti import tasks as lti_tasks  # noqa: F401 (registers the LTI tool's grade and members tasks)
from .training import tasks as training_tasks  # noqa: F401 (registers mandatory training's tasks)
