from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeConfig(AppConfig):
    """The site's own pages (top floor): the home page, standard pages, site search, the demo."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "home"
    verbose_name = _("Site pages")

    def ready(self):
        # Imported here: signal receivers are connected once the apps are loaded.
        from django.db.models.signals import post_delete, post_save
        from wagtail.contrib.search_promotions.models import Query, SearchPromotion

        from .search.promotions import promotion_form_labels_fix, promotions_changed

        # Promoted results are remembered per page-cache generation: a change starts a new one.
        for model in (SearchPromotion, Query):
            for signal in (post_save, post_delete):
                signal.connect(promotions_changed, sender=model, dispatch_uid=f"home-promotions-{signal}-{model}")
        promotion_form_labels_fix()
