"""What is read aloud: the plain text of each step of a page, and of a whole lesson.

The page keeps showing its text, which is the transcript of its audio. A step (or lesson) with a
recorded narration is not generated.
"""

import html
import re

from django.conf import settings
from django.utils import translation
from django.utils.html import strip_tags
from django.utils.translation import gettext

from ..pages import LessonPage, TutorialPage
from .models import WHOLE_PAGE

# Blocks read in a lesson's whole narration (questions are the quiz; images and videos have no words).
READ_BLOCKS = {"paragraph", "step", "callout", "faq"}
_BREAKS = re.compile(r"<(?:/p|br|/li|/h[1-6])\s*/?>", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\r\f\v]+")
_SENTENCE_END = ".!?…:;"
# The longest text read aloud (settings.AUDIO_MAX_CHARACTERS may change it): a long lesson, about 25 minutes.
MAX_CHARACTERS = 20_000


def plain(markup: str) -> str:
    """Rich text (or plain text) as plain sentences: tags out, entities decoded, one space."""
    text = html.unescape(strip_tags(_BREAKS.sub(".\n", str(markup))))
    lines = [_SPACES.sub(" ", line).strip(" .") for line in text.splitlines()]
    return "\n".join(sentence(line) for line in lines if line)


def sentence(text: str) -> str:
    """``text`` ending with punctuation, so that the voice pauses after it."""
    text = text.strip()
    return text if not text or text[-1] in _SENTENCE_END else f"{text}."


def _rich(value) -> str:
    return plain(getattr(value, "source", value) or "")


def step_text(value) -> str:
    parts = [sentence(value["title"]), _rich(value["text"])]
    if value.get("tip"):
        parts.append(f"{gettext('Tip:')} {sentence(value['tip'])}")
    return "\n".join(part for part in parts if part)


def _block_text(block) -> str:
    if block.block_type == "step":
        return step_text(block.value)
    if block.block_type == "paragraph":
        return _rich(block.value)
    if block.block_type == "callout":
        return _rich(block.value["text"])
    if block.block_type == "faq":
        items = [f"{sentence(item['question'])}\n{_rich(item['answer'])}" for item in block.value["items"]]
        return "\n".join([sentence(block.value.get("title") or ""), *items]).strip()
    return ""


def _has_narration(value) -> bool:
    return bool(getattr(value, "get", None) and value.get("narration"))


def page_texts(page) -> dict[str, str]:
    """{key: text} to generate for ``page`` (a tutorial or a lesson): each step without a recorded
    narration by its block id, and a lesson's whole body under ``WHOLE_PAGE`` unless it has one."""
    if not isinstance(page, (TutorialPage, LessonPage)):
        return {}  # campaign and site pages share the blocks, not the narration
    body = page.body
    with translation.override(settings.LANGUAGE_CODE):
        texts = {
            block.id: step_text(block.value)
            for block in body
            if block.block_type == "step" and not _has_narration(block.value)
        }
        if isinstance(page, LessonPage) and not page.narration_id:
            pieces = [sentence(page.title)]
            pieces += [_block_text(block) for block in body if block.block_type in READ_BLOCKS]
            whole = "\n".join(piece for piece in pieces if piece)
            if len(pieces) > 1:
                texts[WHOLE_PAGE] = whole
    limit = getattr(settings, "AUDIO_MAX_CHARACTERS", MAX_CHARACTERS)
    return {key: text[:limit] for key, text in texts.items() if text.strip()}
