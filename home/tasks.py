"""Celery tasks of the site's own pages: the search log (``home.search.querylog``)."""

from celery import shared_task

from .search import querylog


@shared_task(name="home.search_queries_flush", acks_late=True)
def search_queries_flush() -> int:
    """Beat, every minute: move the searches counted in the cache into the daily table (safe to run twice)."""
    return querylog.search_queries_flush()


@shared_task(name="home.search_queries_forget", acks_late=True)
def search_queries_forget() -> int:
    """Beat, daily: delete the search log's days older than SEARCH_LOG_RETENTION_DAYS (180)."""
    return querylog.search_queries_forget()
