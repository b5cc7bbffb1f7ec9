"""A lesson's block that plays a learning package (SCORM or H5P) in a sandboxed frame."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.snippets.blocks import SnippetChooserBlock


class PackageBlock(blocks.StructBlock):
    package = SnippetChooserBlock("courses.LearningPackage", label=_("Learning package"))
    height = blocks.IntegerBlock(
        label=_("Height (pixels)"),
        default=600,
        min_value=300,
        max_value=2000,
        help_text=_("The frame's height on a computer; on a phone it fills the screen's width."),
    )

    class Meta:
        icon = "folder-open-inverse"
        label = _("Learning package (SCORM, H5P)")
        template = "courses/packages/package_block.html"

    def get_context(self, value, parent_context=None):
        # Imported here, not at the top: the selectors read the packages' models, and this module is
        # imported by learning's blocks while the models load.
        from .selectors import package_player

        context = super().get_context(value, parent_context=parent_context)
        parent_context = parent_context or {}
        request = parent_context.get("request")
        context["player"] = package_player(
            request=request, lesson=parent_context.get("page"), package=value.get("package")
        )
        # A deleted package shows learners nothing; an editor previewing the lesson is told why.
        context["package_missing"] = context["player"] is None and bool(getattr(request, "is_preview", False))
        return context
