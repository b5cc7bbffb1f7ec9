"""Celery tasks of the courses app (Celery autodiscovers this module): each sub-package's tasks."""

from .training import tasks as training_tasks  # noqa: F401 (registers mandatory training's tasks)
