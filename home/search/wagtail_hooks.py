"""Admin for site search: the synonyms and abbreviations editors keep (Settings → Search synonyms)."""

from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import SearchSynonym


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
