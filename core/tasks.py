"""Celery tasks of the ground floor, and the rule that keeps renamed tasks routable.

Every task has an explicit ``name=``. A task that was renamed or moved keeps its old name as an
alias (``task_renamed``) until the queues have drained: a message sent under the old name before
an upgrade and still in the broker afterwards is handed on to the new task (sent again under the
new name, with the same arguments and the new task's own retries, queue and limits) instead of
being dropped as unregistered. Tasks take ids and are safe to run twice, so the extra hop is harmless.
"""

from celery import Task, shared_task

from .page_views import page_views_flush as page_views_flush_service

# Old name -> new name, kept until no message can still carry the old name (a release later).
RENAMED_TASKS: dict[str, str] = {}


def task_renamed(old_name: str, task: Task) -> None:
    """Register ``old_name`` as an alias that runs ``task`` with the same arguments."""
    RENAMED_TASKS[old_name] = task.name

    def _alias(*args, **kwargs):
        return task.apply_async(args=args, kwargs=kwargs).id

    _alias.__name__ = _alias.__qualname__ = old_name.rsplit(".", 1)[-1]
    _alias.__doc__ = f"Old name of {task.name}, kept routable until the queues drain."
    shared_task(name=old_name, acks_late=True)(_alias)


@shared_task(name="core.page_views_flush", acks_late=True)
def page_views_flush() -> int:
    """Beat, every minute: move the page view counters (every counted kind) from the cache to the database."""
    return page_views_flush_service()


task_renamed("outreach.tasks.campaign_page_views_flush", page_views_flush)
