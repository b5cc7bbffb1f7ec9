"""The editors' report "What citizens search" (Reports menu): frequent queries and queries that find nothing.

Read from ``SearchQueryDay`` over the last 7, 30 or 90 days; the queries without results are the
to-do list for new tutorials, each with a link to promote a page for it. Permission
``home.view_searchqueryday`` (communications staff, home/migrations/0007_search_log_permissions).
"""

import datetime

from django.db.models import Count, Max, OuterRef, Subquery, Sum
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django_filters import CharFilter, ChoiceFilter
from wagtail.admin.auth import permission_denied
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, NumberColumn
from wagtail.admin.views.reports import ReportView
from wagtail.contrib.search_promotions.models import Query
from wagtail.contrib.search_promotions.views import CreateView

from core.localtime import date_display, local_today
from core.search import fold_query

from .models import SearchQueryDay

PERMISSION = "home.view_searchqueryday"
PERIODS = (("7", _("Last 7 days")), ("30", _("Last 30 days")), ("90", _("Last 90 days")))
DEFAULT_PERIOD = "30"


class SearchQueryFilterSet(WagtailFilterSet):
    period = ChoiceFilter(label=_("Period"), choices=PERIODS, method="filter_period", empty_label=None)
    found = ChoiceFilter(
        label=_("Results"),
        choices=(("none", _("Only queries that find nothing")),),
        empty_label=_("All queries"),
        method="filter_found",
    )
    contains = CharFilter(label=_("Query contains"), method="filter_contains")

    class Meta:
        model = SearchQueryDay
        fields: list[str] = []

    def filter_period(self, queryset, name, value):
        # The period is applied before grouping (search_queries_report), not here.
        return queryset

    def filter_found(self, queryset, name, value):
        return queryset.filter(latest_results=0) if value == "none" else queryset

    def filter_contains(self, queryset, name, value):
        folded = fold_query(value)
        return queryset.filter(query__contains=folded) if folded else queryset


def search_queries_report(*, days: int):
    """Per query over the last ``days`` local days: searches, searches without results, days, last day, latest count."""
    since = local_today() - datetime.timedelta(days=days - 1)
    latest = SearchQueryDay.objects.filter(query=OuterRef("query")).order_by("-day").values("last_results")[:1]
    return (
        SearchQueryDay.objects.filter(day__gte=since)
        .values("query")
        .annotate(
            total=Sum("searches"),
            without_results=Sum("zero_results"),
            days=Count("day"),
            last_day=Max("day"),
            latest_results=Subquery(latest),
        )
    )


def _promote_link(row):
    promoted = row.get("promoted_query_id")
    if promoted:  # already promoted: edit the picks
        url = reverse("wagtailsearchpromotions:edit", args=[promoted])
        return format_html(
            '<a class="button button-small button-secondary" href="{}">{}</a>', url, _("Edit promoted results")
        )
    if row["latest_results"]:
        return ""
    url = f"{reverse('home_search_promotion_add')}?{urlencode({'q': row['query']})}"
    return format_html(
        '<a class="button button-small button-secondary" href="{}">{}</a>', url, _("Add a promoted result")
    )


class SearchQueryReportView(ReportView):
    page_title = _("What citizens search")
    header_icon = "search"
    index_url_name = "home_search_queries_report"
    index_results_url_name = "home_search_queries_report_results"
    filterset_class = SearchQueryFilterSet
    default_ordering = "-total"
    export_filename = "tim-kiem-cua-nguoi-dan"
    template_name = "home/search/admin/query_report.html"
    columns = [
        Column("query", label=_("Query"), sort_key="query"),
        NumberColumn("total", label=_("Searches"), sort_key="total"),
        NumberColumn("without_results", label=_("Searches without results"), sort_key="without_results"),
        NumberColumn("latest_results", label=_("Results now"), sort_key="latest_results"),
        NumberColumn("days", label=_("Days searched"), sort_key="days"),
        Column(
            "last_day",
            label=_("Last searched"),
            sort_key="last_day",
            accessor=lambda row: date_display(row["last_day"]),
        ),
        Column("promote", label="", accessor=_promote_link),
    ]
    list_export = ["query", "total", "without_results", "latest_results", "days", "last_day"]
    export_headings = {
        "query": _("Query"),
        "total": _("Searches"),
        "without_results": _("Searches without results"),
        "latest_results": _("Results now"),
        "days": _("Days searched"),
        "last_day": _("Last searched"),
    }

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(PERMISSION):
            return permission_denied(request)
        return super().dispatch(request, *args, **kwargs)

    def get_filterset_kwargs(self):
        kwargs = super().get_filterset_kwargs()
        data = kwargs["data"].copy()
        if data.get("period") not in dict(PERIODS):
            data["period"] = DEFAULT_PERIOD
        kwargs["data"] = data
        kwargs["queryset"] = self.get_base_queryset()
        return kwargs

    def decorate_paginated_queryset(self, object_list):
        # One query: the promoted queries, folded as the log's, so a row links to its picks.
        promoted = {
            fold_query(query_string): pk
            for pk, query_string in Query.objects.filter(editors_picks__isnull=False).values_list("pk", "query_string")
        }
        rows = list(object_list)
        for row in rows:
            row["promoted_query_id"] = promoted.get(row["query"])
        return rows

    def get_base_queryset(self):
        period = self.request.GET.get("period")
        return search_queries_report(days=int(period if period in dict(PERIODS) else DEFAULT_PERIOD))


class SearchPromotionAddView(CreateView):
    """Wagtail's "add promoted results", the query filled in from the report (``?q=``); posts to Wagtail's own."""

    def get_initial(self):
        return {**super().get_initial(), "query_string": fold_query(self.request.GET.get("q", ""))[:255]}
