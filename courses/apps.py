from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "courses"
    verbose_name = _("Learning")

    def ready(self):
        # Imported here, not at the top: these modules import models, which need the app registry ready.
        from django.db.models.signals import post_save
        from wagtail.signals import page_published

        from core.page_views import CountedPage, counted_page_register
        from core.published import published_content_changed

        from .certificates.services import subscribe_to_learning as certificates_subscribe
        from .learning.audio.tasks import page_published_receiver as audio_page_published
        from .learning.events import tutorial_view_announce
        from .lti.tasks import subscribe_to_learning as lti_subscribe
        from .models import TUTORIAL_PAGE_HEADER, TutorialPage, TutorialPageView
        from .training.services import subscribe_to_learning as training_subscribe

        # Tutorials show their public service's name and link: saving one changes published content.
        post_save.connect(published_content_changed, sender="courses.PublicService", dispatch_uid="page-cache-service")
        # A published tutorial or lesson: its narration follows its text (courses/learning/audio).
        page_published.connect(audio_page_published, dispatch_uid="courses-audio-page-published")
        counted_page_register(
            CountedPage(
                "tutorial", TUTORIAL_PAGE_HEADER, TutorialPage, TutorialPageView, "tutorial_id", tutorial_view_announce
            )
        )
        # What learning announces (courses.learning.events): a completed course issues its certificate,
        # then completes the person's assignments, in the completing transaction (this order, as before).
        certificates_subscribe()
        training_subscribe()
        # A launched learner's completed course goes back to the platform as a score (courses/lti, AGS).
        lti_subscribe()
