from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "courses"
    verbose_name = _("Learning")

    def ready(self):
        # Imported here: models and signals need the app registry ready.
        # Tutorials show their public service's name and link: saving one changes published content.
        from django.db.models.signals import post_save

        from core.page_views import CountedPage, counted_page_register
        from core.published import published_content_changed

        from .models import TUTORIAL_PAGE_HEADER, TutorialPage, TutorialPageView

        post_save.connect(published_content_changed, sender="courses.PublicService", dispatch_uid="page-cache-service")
        counted_page_register(
            CountedPage("tutorial", TUTORIAL_PAGE_HEADER, TutorialPage, TutorialPageView, "tutorial_id")
        )
