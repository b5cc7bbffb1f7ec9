"""Site search's tables: the synonyms editors keep, the index of pages the search reads, and what citizens
searched per day (the query log behind the editors' report)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.search import fold_query

TERM_MAX_LENGTH = 100
QUERY_MAX_LENGTH = 200


class SearchSynonym(models.Model):
    """An abbreviation or another name citizens type ("cccd") and what it means ("căn cước công dân")."""

    term = models.CharField(
        _("term"), max_length=TERM_MAX_LENGTH, help_text=_("As citizens type it, for example “cccd”.")
    )
    meaning = models.CharField(
        _("meaning"),
        max_length=255,
        help_text=_("What it means, for example “căn cước công dân”. Several meanings: separate them with commas."),
    )
    # The term as the index folds it (no accents, lower case, i/y made one): unique.
    term_folded = models.CharField(max_length=TERM_MAX_LENGTH, editable=False)

    class Meta:
        verbose_name = _("search synonym")
        verbose_name_plural = _("search synonyms")
        ordering = ["term_folded"]
        constraints = [models.UniqueConstraint(fields=["term_folded"], name="home_searchsynonym_term_folded_unique")]

    def __str__(self):
        return f"{self.term} → {self.meaning}"

    def save(self, *args, **kwargs):
        self.term_folded = fold_query(self.term)
        super().save(*args, **kwargs)

    def meanings_folded(self) -> list[str]:
        """Each meaning, folded; empty ones and the term itself left out."""
        folded = (fold_query(part) for part in self.meaning.replace(";", ",").split(","))
        return [text for text in dict.fromkeys(folded) if text and text != self.term_folded]

    def clean(self):
        super().clean()
        self.term_folded = fold_query(self.term)
        if not self.term_folded:
            raise ValidationError({"term": _("Type a term with at least one letter or digit.")})
        if not self.meanings_folded():
            raise ValidationError({"meaning": _("Type what the term means, with at least one letter or digit.")})
        taken = SearchSynonym.objects.filter(term_folded=self.term_folded).exclude(pk=self.pk)
        if taken.exists():
            raise ValidationError({"term": _("This term already has a meaning: change that one instead.")})


class SearchEntry(models.Model):
    """One page as site search reads it: its folded words (" word word ") and what a result shows.

    Written when a page is saved live (home.search.services); whether the page is live, public and
    on the site is read from the page itself at query time, so unpublishing, moving and privacy need
    no write here. On PostgreSQL a generated ``document`` tsvector column with a GIN index is added by
    migration 0005 (not a model field: SQLite has none).
    """

    page = models.OneToOneField(
        "wagtailcore.Page", on_delete=models.CASCADE, primary_key=True, related_name="search_entry"
    )
    title = models.CharField(max_length=255)
    summary = models.TextField(blank=True)
    title_words = models.TextField()
    text_words = models.TextField()
    weight = models.SmallIntegerField(default=0)
    fold_version = models.SmallIntegerField(default=0)

    class Meta:
        verbose_name = _("search entry")
        verbose_name_plural = _("search entries")

    def __str__(self):
        return self.title


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
