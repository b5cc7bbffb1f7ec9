"""Content blocks for tutorials and lessons: a step-by-step guide's parts, and quizzes."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.snippets.blocks import SnippetChooserBlock

from core.admin_strings import image_block

from ..packages.blocks import PackageBlock
from .audio.uploads import narration_error

RICH_TEXT_FEATURES = ["bold", "italic", "link", "ol", "ul", "h3", "h4"]


class StepBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Title"), max_length=200)
    text = blocks.RichTextBlock(label=_("What to do"), features=RICH_TEXT_FEATURES)
    screenshot = image_block(label=_("Screenshot"), required=False)
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


class VideoBlock(blocks.StructBlock):
    video = EmbedBlock(label=_("Video address"), help_text=_("A YouTube or Vimeo address."))
    caption = blocks.CharBlock(label=_("Caption"), required=False, max_length=250)

    class Meta:
        icon = "media"
        label = _("Video")
        template = "courses/blocks/video_block.html"


class FAQBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Title"), required=False, default=_("Frequently asked questions"))
    items = blocks.ListBlock(
        blocks.StructBlock(
            [
                ("question", blocks.CharBlock(label=_("Question"), max_length=300)),
                ("answer", blocks.RichTextBlock(label=_("Answer"), features=RICH_TEXT_FEATURES)),
            ],
            label=_("Question and answer"),
        ),
        label=_("Questions"),
        min_num=1,
    )

    class Meta:
        icon = "help"
        label = _("FAQ")
        template = "courses/blocks/faq_block.html"


class TryItBlock(blocks.StructBlock):
    """A prominent link to the real online service ("try it now")."""

    label = blocks.CharBlock(label=_("Button text"), max_length=100, default=_("Try it now"))
    service = SnippetChooserBlock("courses.PublicService", label=_("Public service"), required=False)
    url = blocks.URLBlock(label=_("Address"), required=False, help_text=_("Leave empty to use the service's link."))

    class Meta:
        icon = "link-external"
        label = _("Try it now")
        template = "courses/blocks/try_it_block.html"

    def clean(self, value):
        value = super().clean(value)
        if not value.get("url") and not value.get("service"):
            raise blocks.StructBlockValidationError(
                block_errors={"url": ValidationError(_("Choose a public service or enter an address."))}
            )
        return value


class NarratedStepBlock(StepBlock):
    """A tutorial's or lesson's step, which may carry a recording (courses/learning/audio): without one,
    a voice reads the step. Campaign pages keep the plain step."""

    narration = DocumentChooserBlock(
        label=_("Recorded narration"),
        required=False,
        help_text=_("Optional: this step read aloud (MP3, Ogg or M4A). Without it, a synthetic voice reads it."),
    )

    def clean(self, value):
        value = super().clean(value)
        error = narration_error(value.get("narration"))
        if error:
            raise blocks.StructBlockValidationError(block_errors={"narration": ValidationError(error)})
        return value


class ContentStreamBlock(blocks.StreamBlock):
    paragraph = blocks.RichTextBlock(label=_("Paragraph"), features=RICH_TEXT_FEATURES)
    step = StepBlock()
    callout = CalloutBlock()
    image = image_block(label=_("Image"))
    video = VideoBlock()
    faq = FAQBlock()
    try_it = TryItBlock()

    class Meta:
        template = "courses/blocks/content_stream_block.html"


class AnswerChoiceBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("Answer"), max_length=300)
    correct = blocks.BooleanBlock(label=_("Correct"), required=False)

    class Meta:
        label = _("Answer")


class QuestionBlock(blocks.StructBlock):
    """One quiz question. Correct answers are checked on the server only."""

    question = blocks.CharBlock(label=_("Question"), max_length=500)
    multiple = blocks.BooleanBlock(
        label=_("Several answers are correct"),
        required=False,
        help_text=_("Learners tick every correct answer (otherwise they choose one)."),
    )
    choices = blocks.ListBlock(AnswerChoiceBlock(), label=_("Answers"), min_num=2, max_num=8)
    explanation = blocks.TextBlock(label=_("Explanation"), help_text=_("Shown after the learner answers."))

    class Meta:
        icon = "help"
        label = _("Question")
        template = "courses/blocks/question_block.html"

    def get_api_representation(self, value, context=None):
        # The content API (docs/api.md) shows the question and its answers, never which are right
        # nor the explanation (shown only after answering): answers are checked on the server.
        return {
            "question": value["question"],
            "multiple": bool(value["multiple"]),
            "choices": [{"text": choice["text"]} for choice in value["choices"]],
        }

    def clean(self, value):
        value = super().clean(value)
        correct = sum(1 for choice in value["choices"] if choice["correct"])
        if correct == 0:
            raise blocks.StructBlockValidationError(
                block_errors={"choices": ValidationError(_("Mark at least one answer as correct."))}
            )
        if correct > 1 and not value["multiple"]:
            raise blocks.StructBlockValidationError(
                block_errors={"multiple": ValidationError(_("Several answers are marked correct: tick this box."))}
            )
        return value


class QuizStreamBlock(blocks.StreamBlock):
    question = QuestionBlock()


class TutorialStreamBlock(ContentStreamBlock):
    step = NarratedStepBlock()


class LessonStreamBlock(ContentStreamBlock):
    step = NarratedStepBlock()
    question = QuestionBlock()
    # A SCORM package or an H5P activity (courses/packages, docs/packages.md).
    package = PackageBlock()
