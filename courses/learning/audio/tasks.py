"""The narration task (thin, takes an id, safe to run twice). ``courses.tasks`` imports this module."""

from celery import shared_task
from django.db import transaction
from wagtail.models import Page

from ..pages import LessonPage, TutorialPage
from .services import page_audio_refresh


@shared_task(name="courses.learning.audio_refresh", acks_late=True)
def audio_refresh(page_id: int) -> dict[str, int]:
    """Record the page's changed texts, forget its removed ones (nothing to do when nothing changed)."""
    return page_audio_refresh(page_id=page_id)


# What enqueues it, once the transaction commits ------------------------------------------


def page_audio_enqueue(*, page: Page) -> None:
    """After publishing: the worker brings the page's narration up to date."""
    if not (page.specific_class and issubclass(page.specific_class, (TutorialPage, LessonPage))):
        return
    page_id = page.pk
    transaction.on_commit(lambda: audio_refresh.delay(page_id))


def page_published_receiver(sender, instance: Page, **kwargs) -> None:
    """Wagtail's ``page_published``, sent by every publish: the editor's, a workflow's approval, scheduled
    publishing, the bulk action. Like the search index's receivers, it only keeps derived data in step
    (it queues the task); connected in ``CoursesConfig.ready``."""
    page_audio_enqueue(page=instance)
