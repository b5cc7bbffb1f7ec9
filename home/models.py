"""The site's own pages: the home page (the site's root) and standard pages (about, privacy notice, help)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.api import APIField
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

from core.api_fields import image_rendition
from core.localtime import local_today
from core.published import published_memo
from core.search import FoldedSearchMixin, folded_index_fields
from core.slugs import AsciiSlugMixin
from courses.models import TutorialIndexPage, TutorialPage
from outreach.campaigns.selectors import campaigns_running

# Site search's tables live with the capability (home/search/models.py); Django finds them here.
from .search.models import SearchEntry, SearchQueryDay, SearchSynonym  # noqa: F401

RICH_TEXT_FEATURES = ["h2", "h3", "bold", "italic", "link", "ol", "ul", "document-link"]


class HomePage(AsciiSlugMixin, FoldedSearchMixin, Page):
    """The site's root page: what the programme is, and the latest tutorials."""

    # What a shared link shows (core.seo).
    og_description_field = "hero_text"
    og_image_field = "hero_image"

    hero_title = models.CharField(_("hero title"), max_length=200)
    hero_text = models.TextField(_("hero text"), blank=True)
    hero_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("hero image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = RichTextField(_("body"), blank=True, features=RICH_TEXT_FEATURES)

    content_panels = [
        *Page.content_panels,
        FieldPanel("hero_title"),
        FieldPanel("hero_text"),
        FieldPanel("hero_image"),
        FieldPanel("body"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("hero_text"), *folded_index_fields()]
    folded_search_fields = ("title", "hero_title", "hero_text", "body")
    # The content API (/api/v2/pages/, docs/api.md).
    api_fields = [
        APIField("hero_title"),
        APIField("hero_text"),
        APIField("hero_image"),
        APIField("hero_image_rendition", serializer=image_rendition("hero_image")),
        APIField("body"),
    ]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "courses.TutorialIndexPage",
        "courses.CourseIndexPage",
        "outreach.CampaignIndexPage",
        "home.StandardPage",
    ]
    max_count = 1
    latest_tutorials_count = 6

    class Meta:
        verbose_name = _("home page")
        db_table = "outreach_homepage"  # moved from outreach with its table (home/0001_initial)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # Remembered until something is published, and per day: a campaign starts or ends at midnight.
        today = local_today()
        context["running_campaigns"] = published_memo(
            request, ("running-campaigns", self.pk, today), lambda: campaigns_running(day=today, under=self)
        )
        context["tutorial_index"] = TutorialIndexPage.objects.child_of(self).live().first()
        context["latest_tutorials"] = (
            TutorialPage.objects.descendant_of(self)
            .live()
            .public()
            .order_by("-first_published_at", "-pk")[: self.latest_tutorials_count]
        )
        return context


class StandardPage(AsciiSlugMixin, FoldedSearchMixin, Page):
    """A plain content page: about the programme, the privacy notice, help."""

    og_description_field = "introduction"  # shared links show it (core.seo)

    introduction = models.TextField(_("introduction"), blank=True)
    body = RichTextField(_("body"), blank=True, features=RICH_TEXT_FEATURES)

    content_panels = [*Page.content_panels, FieldPanel("introduction"), FieldPanel("body")]
    search_fields = [
        *Page.search_fields,
        index.SearchField("introduction"),
        index.SearchField("body"),
        *folded_index_fields(),
    ]
    folded_search_fields = ("title", "introduction", "body")
    api_fields = [APIField("introduction"), APIField("body")]  # the content API (docs/api.md)

    parent_page_types = ["home.HomePage", "home.StandardPage"]
    subpage_types = ["home.StandardPage"]

    class Meta:
        verbose_name = _("standard page")
        db_table = "outreach_standardpage"  # moved from outreach with its table (home/0001_initial)
