"""Admin for site search: the synonyms and abbreviations editors keep (Settings → Search synonyms), the report
"What citizens search" and promoted results for editors."""

from django.contrib.auth.models import Permission
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from core.admin import PermissionMenuItem

from .models import SearchSynonym
from .report import PERMISSION, SearchPromotionAddView, SearchQueryReportView


class SearchSynonymViewSet(SnippetViewSet):
    model = SearchSynonym
    icon = "search"
    menu_label = _("Search synonyms")
    menu_order = 260
    add_to_settings_menu = True
    list_display = ["term", "meaning"]
    search_fields = ["term", "meaning"]
    # Searched in the database: synonyms are not in Wagtail's search index.
    search_backend_name = None
    ordering = ["term_folded"]
    list_per_page = 100


register_snippet(SearchSynonymViewSet)


@hooks.register("register_admin_urls")
def register_search_log_urls():
    return [
        path("search-queries/", SearchQueryReportView.as_view(), name="home_search_queries_report"),
        path(
            "search-queries/results/",
            SearchQueryReportView.as_view(results_only=True),
            name="home_search_queries_report_results",
        ),
        path("search-queries/promote/", SearchPromotionAddView.as_view(), name="home_search_promotion_add"),
    ]


@hooks.register("register_reports_menu_item")
def register_search_log_menu_item():
    return PermissionMenuItem(
        _("What citizens search"),
        reverse("home_search_queries_report"),
        permission=PERMISSION,
        icon_name="search",
        order=710,
    )


@hooks.register("construct_reports_menu")
def hide_wagtail_search_terms(request, menu_items):
    # Wagtail's "Search terms" reads its Query hits, which this site does not write (docs/search.md).
    menu_items[:] = [item for item in menu_items if item.name != "search-terms"]


@hooks.register("register_permissions")
def register_search_log_permissions():
    return Permission.objects.filter(content_type__app_label="home", codename="view_searchqueryday")
