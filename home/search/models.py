"""Search models: what citizens searched, per day (the query log behind the editors' report)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

QUERY_MAX_LENGTH = 200


class SearchQueryDay(models.Model):
    """One folded, masked query on one local day: how often it was searched and what it found.

    Written only by the flush (``querylog.search_queries_flush``), never per request; kept
    ``SEARCH_LOG_RETENTION_DAYS`` days. ``last_results`` is the result count of the day's latest search.
    """

    day = models.DateField(_("day"))
    query = models.CharField(_("query"), max_length=QUERY_MAX_LENGTH)
    searches = models.PositiveIntegerField(_("searches"), default=0)
    zero_results = models.PositiveIntegerField(_("searches without results"), default=0)
    last_results = models.PositiveIntegerField(_("last result count"), default=0)

    class Meta:
        verbose_name = _("search query per day")
        verbose_name_plural = _("search queries per day")
        constraints = [models.UniqueConstraint(fields=["day", "query"], name="home_searchqueryday_day_query")]
        indexes = [models.Index(fields=["query", "day"], name="home_searchqueryday_query_day")]

    def __str__(self):
        return f"{self.day:%d/%m/%Y} {self.query}"
