from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeConfig(AppConfig):
    """The site's own pages (top floor): the home page, standard pages, site search, the demo."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "home"
    verbose_name = _("Site pages")
