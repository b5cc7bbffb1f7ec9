"""Content blocks for tutorials and lessons: a step-by-step guide's parts."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageBlock

RICH_TEXT_FEATURES = ["bold", "italic", "link", "ol", "ul", "h3", "h4"]


class StepBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Title"), max_length=200)
    text = blocks.RichTextBlock(label=_("What to do"), features=RICH_TEXT_FEATURES)
    screenshot = ImageBlock(label=_("Screenshot"), required=False)
    tip = blocks.TextBlock(label=_("Tip"), required=False)

    class Meta:
        icon = "list-ol"
        label = _("Step")
        template = "courses/blocks/step_block.html"


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        label=_("Kind"),
        choices=[("tip", _("Tip")), ("warning", _("Warning")), ("needs", _("You will need"))],
        default="tip",
    )
    text = blocks.RichTextBlock(label=_("Text"), features=RICH_TEXT_FEATURES)

    class Meta:
        icon = "warning"
        label = _("Callout")
        template = "courses/blocks/callout_block.html"


class ContentStreamBlock(blocks.StreamBlock):
    paragraph = blocks.RichTextBlock(label=_("Paragraph"), features=RICH_TEXT_FEATURES)
    step = StepBlock()
    callout = CalloutBlock()
    image = ImageBlock(label=_("Image"))

    class Meta:
        template = "courses/blocks/content_stream_block.html"
