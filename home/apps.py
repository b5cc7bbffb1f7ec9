from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeConfig(AppConfig):
    """The site's own pages (top floor): the home page, standard pages, site search, the demo."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "home"
    verbose_name = _("Site pages")

    def ready(self):
        # Imported here: the receivers need the app registry ready.
        from django.db.models.signals import post_delete, post_migrate, post_save
        from wagtail.contrib.search_promotions.models import Query, SearchPromotion

        from core.published import published_content_changed

        from .search import signals
        from .search.promotions import promotion_form_labels_fix, promotions_changed

        # Site search's index follows every page saved live (derived data, like Wagtail's own index).
        post_save.connect(signals.page_saved, dispatch_uid="search-entry-page-saved")
        # After every migrate: entries missing or folded by an older version are rewritten.
        post_migrate.connect(signals.index_rebuild_after_migrate, sender=self, dispatch_uid="search-index-migrate")
        # A synonym changes search results: a new published generation (the synonyms' memo, cached search pages).
        for signal in (post_save, post_delete):
            signal.connect(
                published_content_changed, sender="home.SearchSynonym", dispatch_uid=f"search-synonym-{signal!r}"
            )
        # Promoted results are remembered per page-cache generation: a change starts a new one.
        for model in (SearchPromotion, Query):
            for signal in (post_save, post_delete):
                signal.connect(promotions_changed, sender=model, dispatch_uid=f"home-promotions-{signal}-{model}")
        promotion_form_labels_fix()
