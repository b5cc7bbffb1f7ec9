"""The learning pages: tutorials and their index, courses, lessons (Wagtail page types).

Their other models (progress, public services, feedback) are in ``models``; what a page shows of a
visitor's progress is read through ``progress``.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalManyToManyField
from rest_framework import serializers
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from core.api_fields import LivePagesField
from core.offline import PAGE_HEADER as OFFLINE_PAGE_HEADER
from core.offline import offline_owner
from core.search import FoldedSearchMixin, folded_index_fields
from core.slugs import AsciiSlugMixin

from ..packages.selectors import lesson_package_ids
from .api_fields import PublicServiceField, StepsField
from .audio.selectors import page_audio_urls
from .audio.uploads import narration_error
from .blocks import LessonStreamBlock, QuizStreamBlock, TutorialStreamBlock
from .models import Audience, PublicService, TutorialPageTag
from .progress import course_progress_for, lesson_quiz_passed, tutorial_is_done, tutorials_filter
from .quiz import quiz_questions


class TutorialIndexPage(AsciiSlugMixin, FoldedSearchMixin, Page):
    """Lists the tutorials below it, newest first, filtered and paginated."""

    og_description_field = "intro"  # shared links show it (core.seo)

    intro = models.TextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), *folded_index_fields()]
    folded_search_fields = ("title", "intro")
    # The content API (/api/v2/pages/, docs/api.md); its tutorials: ?child_of=<id>.
    api_fields = [APIField("intro")]

    # The home page lives in the higher "home" layer: referenced by name only.
    parent_page_types = settings.SITE_SECTION_PARENT_PAGE_TYPES  # the site's home page (lms wires it)
    subpage_types = ["courses.TutorialPage"]
    max_count_per_parent = 1
    page_size = 12

    class Meta:
        verbose_name = _("tutorial index")

    def tutorials(self):
        return (
            TutorialPage.objects.child_of(self)
            .live()
            .public()
            .select_related("public_service")
            .order_by("-first_published_at", "-pk")
        )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        tutorials, filters = tutorials_filter(tutorials=self.tutorials(), params=request.GET)
        paginator = Paginator(tutorials, self.page_size)
        try:
            page_obj = paginator.page(request.GET.get("page", 1))
        except (PageNotAnInteger, EmptyPage):
            page_obj = paginator.page(1)
        context.update(page_obj=page_obj, filters=filters)
        return context


# The response header naming the tutorial a response shows: read (and removed) by the site's one
# page-view counter (``core.page_views``, registered in ``CoursesConfig.ready``); the name is here
# because this page sets it.
TUTORIAL_PAGE_HEADER = "X-Tutorial-Page"


class TutorialPage(AsciiSlugMixin, FoldedSearchMixin, Page):
    """A step-by-step guide to one online public service or one digital skill."""

    # What a shared link shows (core.seo).
    og_type = "article"
    og_description_field = "summary"

    class Difficulty(models.TextChoices):
        BASIC = "basic", _("Basic")
        INTERMEDIATE = "intermediate", _("Intermediate")
        ADVANCED = "advanced", _("Advanced")

    summary = models.TextField(_("summary"), help_text=_("One or two sentences shown in lists and search results."))
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices, default=Audience.EVERYONE)
    estimated_minutes = models.PositiveSmallIntegerField(
        _("estimated minutes"), default=5, validators=[MinValueValidator(1), MaxValueValidator(600)]
    )
    difficulty = models.CharField(_("difficulty"), max_length=20, choices=Difficulty.choices, default=Difficulty.BASIC)
    public_service = models.ForeignKey(
        PublicService,
        verbose_name=_("public service"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tutorials",
    )
    tags = ClusterTaggableManager(through=TutorialPageTag, blank=True, verbose_name=_("tags"))
    body = StreamField(TutorialStreamBlock(), verbose_name=_("body"), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        MultiFieldPanel(
            [
                FieldPanel("audience"),
                FieldPanel("estimated_minutes"),
                FieldPanel("difficulty"),
                FieldPanel("public_service"),
                FieldPanel("tags"),
            ],
            heading=_("About this tutorial"),
        ),
        FieldPanel("body"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("audience"),
        index.FilterField("public_service"),
        *folded_index_fields(),
    ]
    folded_search_fields = ("title", "summary", "body")
    # The content API (docs/api.md): the level is ``difficulty``, the service ``public_service``,
    # the steps also on their own (``steps``) besides the whole ``body``.
    api_fields = [
        APIField("summary"),
        APIField("audience"),
        APIField("difficulty"),
        APIField("estimated_minutes"),
        APIField("public_service", serializer=PublicServiceField()),
        APIField("tags"),
        APIField("steps", serializer=StepsField(source="body")),
        APIField("body"),
    ]

    parent_page_types = ["courses.TutorialIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("tutorial")

    def serve(self, request, *args, **kwargs):
        response = super().serve(request, *args, **kwargs)
        # Names the tutorial for the page-view counter (``core.page_views``, outside the
        # page cache), also on responses served later from the cache (the header is stored with the page).
        response[TUTORIAL_PAGE_HEADER] = str(self.pk)
        offline_mark(request, response)
        return response

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["tutorial_done"] = tutorial_is_done(request=request, tutorial=self)
        context["audio_clips"] = page_audio_urls(request=request, page_id=self.pk)
        return context


def offline_mark(request, response):
    """Let a service worker keep the page (``core.offline``): not a preview (served under /admin/, which
    the worker does not touch anyway), nor a page showing this moment's messages."""
    if getattr(request, "is_preview", False):
        return
    shown = getattr(request, "_messages", None)
    if not (shown is not None and len(shown)):
        response[OFFLINE_PAGE_HEADER] = offline_owner(request)


class CourseIndexPage(AsciiSlugMixin, FoldedSearchMixin, Page):
    intro = models.TextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), *folded_index_fields()]
    folded_search_fields = ("title", "intro")
    api_fields = [APIField("intro")]  # the content API (docs/api.md)

    parent_page_types = settings.SITE_SECTION_PARENT_PAGE_TYPES  # the site's home page (lms wires it)
    subpage_types = ["courses.CoursePage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("course index")

    def courses(self):
        return CoursePage.objects.child_of(self).live().public().order_by("path")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["courses"] = self.courses()
        return context


class CoursePage(AsciiSlugMixin, FoldedSearchMixin, Page):
    """A course: ordered lessons (its child pages) and an optional final test."""

    og_description_field = "summary"  # shared links show it (core.seo)

    og_description_field = "intro"  # shared links show it (core.seo)

    summary = models.TextField(_("summary"))
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices, default=Audience.EVERYONE)
    estimated_minutes = models.PositiveSmallIntegerField(
        _("estimated minutes"), default=30, validators=[MinValueValidator(1), MaxValueValidator(6000)]
    )
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"),
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("The score, in per cent, needed to pass a quiz of this course."),
    )
    issues_certificate = models.BooleanField(_("issues a certificate"), default=True)
    certificate_validity_months = models.PositiveSmallIntegerField(
        _("certificate valid for (months)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_("Empty: the certificate does not expire. Set it for training that must be renewed."),
    )
    prerequisites = ParentalManyToManyField(
        "self", symmetrical=False, blank=True, verbose_name=_("prerequisites"), related_name="required_by"
    )
    final_quiz = StreamField(
        QuizStreamBlock(),
        verbose_name=_("final test"),
        blank=True,
        help_text=_("Optional. Taken after all lessons; passing it at the pass mark completes the course."),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        MultiFieldPanel(
            [
                FieldPanel("audience"),
                FieldPanel("estimated_minutes"),
                FieldPanel("pass_mark"),
                FieldPanel("issues_certificate"),
                FieldPanel("certificate_validity_months"),
                FieldPanel("prerequisites"),
            ],
            heading=_("About this course"),
        ),
        FieldPanel("final_quiz"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary"), *folded_index_fields()]
    folded_search_fields = ("title", "summary")
    # The content API (docs/api.md). Never the final test: its questions would come with their answers.
    api_fields = [
        APIField("summary"),
        APIField("audience"),
        APIField("estimated_minutes"),
        APIField("pass_mark"),
        APIField("issues_certificate"),
        APIField("certificate_validity_months"),
        APIField("prerequisites", serializer=LivePagesField()),
        APIField("lessons", serializer=LivePagesField()),
        APIField("has_final_test", serializer=serializers.BooleanField(source="has_final_quiz")),
    ]

    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = ["courses.LessonPage"]

    class Meta:
        verbose_name = _("course")

    def lessons(self):
        """Live lessons in the order editors arranged them."""
        return LessonPage.objects.child_of(self).live().order_by("path")

    @cached_property
    def live_lesson_ids(self):
        """Ids of the live lessons, in order (one query, then kept on this instance)."""
        return list(self.lessons().values_list("pk", flat=True))

    @cached_property
    def has_final_quiz(self):
        # The raw blocks' types: no block is converted (nor an image or snippet loaded) to know.
        return any(block["type"] == "question" for block in self.final_quiz.raw_data)

    def clean(self):
        super().clean()
        if self.pk and self.pk in {p.pk for p in self.prerequisites.all()}:
            raise ValidationError({"prerequisites": _("A course cannot be its own prerequisite.")})

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        progress = course_progress_for(request=request, course=self)
        context["progress"] = progress
        if self.has_final_quiz and progress.all_lessons_done and not progress.anonymous:
            context["questions"] = quiz_questions(self.final_quiz)
            context["token"] = uuid.uuid4()
        return context


class LessonPage(AsciiSlugMixin, FoldedSearchMixin, Page):
    """One lesson of a course. Questions in its body form the lesson's quiz."""

    og_type = "article"  # shared links (core.seo)

    estimated_minutes = models.PositiveSmallIntegerField(
        _("estimated minutes"), default=5, validators=[MinValueValidator(1), MaxValueValidator(600)]
    )
    body = StreamField(LessonStreamBlock(), verbose_name=_("body"), blank=True)
    # Listening instead of reading (courses/learning/audio): without a recording, a voice reads the lesson.
    narration = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name=_("recorded narration"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Optional: the whole lesson read aloud (MP3, Ogg or M4A). Without it, a synthetic voice reads it."),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("estimated_minutes"),
        FieldPanel("narration"),
        FieldPanel("body"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("body"), *folded_index_fields()]
    folded_search_fields = ("title", "body")
    # The content API (docs/api.md): the body's questions come without their answers (QuestionBlock).
    api_fields = [
        APIField("estimated_minutes"),
        APIField("has_quiz", serializer=serializers.BooleanField()),
        APIField("body"),
    ]

    parent_page_types = ["courses.CoursePage"]
    subpage_types = []

    class Meta:
        verbose_name = _("lesson")

    def serve(self, request, *args, **kwargs):
        response = super().serve(request, *args, **kwargs)
        offline_mark(request, response)
        if self.has_package:
            # A learning package plays in a sandboxed frame served by this site (docs/packages.md).
            response._csp_update = {"frame-src": ["'self'"]}
        return response

    @cached_property
    def has_package(self):
        # Only a package that still exists counts: a deleted one's block shows nothing and the button returns.
        return bool(lesson_package_ids(lesson=self))

    @cached_property
    def has_quiz(self):
        # The raw blocks' types: no block is converted (nor an image or snippet loaded) to know.
        return any(block["type"] == "question" for block in self.body.raw_data)

    @cached_property
    def course(self):
        # Wagtail's routing leaves the specific parent on the page (treebeard's parent cache).
        parent = self.__dict__.get("_cached_parent_obj")
        if isinstance(parent, CoursePage):
            return parent
        return CoursePage.objects.parent_of(self).get()

    def clean(self):
        super().clean()
        error = narration_error(self.narration)
        if error:
            raise ValidationError({"narration": error})

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        progress = course_progress_for(request=request, course=self.course, current_lesson=self)
        previous, following = progress.neighbours(self)
        context.update(
            course=self.course,
            progress=progress,
            previous_lesson=previous,
            next_lesson=following,
            lesson_done=progress.is_done(self),
            questions=quiz_questions(self.body),
            quiz_passed=self.has_quiz and lesson_quiz_passed(request=request, lesson=self),
            token=uuid.uuid4(),
            audio_clips=page_audio_urls(request=request, page_id=self.pk),
        )
        return context
