"""What people learn. For now: tutorials (step-by-step guides to online public services)."""

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from .blocks import ContentStreamBlock
from .search import FoldedSearchMixin, folded_search_fields


class TutorialIndexPage(FoldedSearchMixin, Page):
    """Lists the tutorials below it, newest first, paginated."""

    intro = models.TextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), *folded_search_fields()]
    folded_search_fields = ("title", "intro")

    # The home page lives in the higher "outreach" layer: referenced by name only.
    parent_page_types = ["outreach.HomePage"]
    subpage_types = ["courses.TutorialPage"]
    max_count_per_parent = 1
    page_size = 12

    class Meta:
        verbose_name = _("tutorial index")

    def tutorials(self):
        return TutorialPage.objects.child_of(self).live().public().order_by("-first_published_at", "-pk")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        paginator = Paginator(self.tutorials(), self.page_size)
        try:
            page_obj = paginator.page(request.GET.get("page", 1))
        except (PageNotAnInteger, EmptyPage):
            page_obj = paginator.page(1)
        context["page_obj"] = page_obj
        return context


class TutorialPage(FoldedSearchMixin, Page):
    """A step-by-step guide to one online public service or one digital skill."""

    summary = models.TextField(_("summary"), help_text=_("One or two sentences shown in lists and search results."))
    estimated_minutes = models.PositiveSmallIntegerField(_("estimated minutes"), default=5)
    body = StreamField(ContentStreamBlock(), verbose_name=_("body"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("summary"), FieldPanel("estimated_minutes"), FieldPanel("body")]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
        *folded_search_fields(),
    ]
    folded_search_fields = ("title", "summary", "body")

    parent_page_types = ["courses.TutorialIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("tutorial")
