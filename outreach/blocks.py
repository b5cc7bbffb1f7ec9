"""StreamField blocks of outreach pages: a campaign's calls to action."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.snippets.blocks import SnippetChooserBlock


class _TargetBlock(blocks.StructBlock):
    label = blocks.CharBlock(
        label=_("Button text"), max_length=100, required=False, help_text=_("Leave empty to use the title.")
    )


class TutorialTargetBlock(_TargetBlock):
    page = blocks.PageChooserBlock(label=_("Tutorial"), page_type="courses.TutorialPage")

    class Meta:
        icon = "doc-full"
        label = _("Tutorial")


class CourseTargetBlock(_TargetBlock):
    page = blocks.PageChooserBlock(label=_("Course"), page_type="courses.CoursePage")

    class Meta:
        icon = "list-ol"
        label = _("Course")


class ServiceTargetBlock(_TargetBlock):
    service = SnippetChooserBlock("courses.PublicService", label=_("Public service"))

    class Meta:
        icon = "link-external"
        label = _("Public service")


class CallToActionStreamBlock(blocks.StreamBlock):
    """Where a campaign sends people: a tutorial, a course or an online public service."""

    tutorial = TutorialTargetBlock()
    course = CourseTargetBlock()
    service = ServiceTargetBlock()

    class Meta:
        min_num = 1
        max_num = 4
