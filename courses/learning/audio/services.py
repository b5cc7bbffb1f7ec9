"""Writes of the generated narration: (re)record what changed, forget what went, enqueue after publishing."""

import logging
import time
from functools import partial

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from wagtail.models import Page

from core.published import published_content_changed

from .models import AudioClip
from .speech import speak, speech_available, text_hash
from .texts import page_texts

logger = logging.getLogger(__name__)


def _clip_name(*, page_id: int, key: str, digest: str) -> str:
    # The hash in the name: a new recording is a new address (browsers and the proxy may keep files forever).
    return f"audio/{page_id}/{key or 'page'}-{digest[:16]}.mp3"


def _file_delete(name: str | None) -> None:
    if name and default_storage.exists(name):
        default_storage.delete(name)


def page_audio_refresh(*, page_id: int) -> dict[str, int]:
    """Bring the narration of the page's live content up to date; safe to run twice.

    Records each text whose hash (text and voice settings) has no clip yet, deletes the clips of
    steps that are gone (or now have a recorded narration). Returns counts: made, kept, removed.
    """
    page = Page.objects.filter(pk=page_id, live=True).first()
    counts = {"made": 0, "kept": 0, "removed": 0}
    if page is None:
        texts: dict[str, str] = {}
    else:
        texts = page_texts(page.specific)
    existing = {clip.block_id: clip for clip in AudioClip.objects.filter(page_id=page_id)}
    for key, gone in existing.items():
        if key not in texts:
            gone.delete()
            transaction.on_commit(partial(_file_delete, gone.file.name))
            counts["removed"] += 1
    started = time.monotonic()
    for key, text in texts.items():
        digest = text_hash(text)
        clip = existing.get(key)
        if clip is not None and clip.text_hash == digest:
            counts["kept"] += 1
            continue
        if not speech_available():
            logger.warning("audio: espeak-ng or lame missing, page %s not narrated", page_id)
            break
        recording = speak(text)
        name = default_storage.save(_clip_name(page_id=page_id, key=key, digest=digest), ContentFile(recording.data))
        old_name = clip.file.name if clip is not None else ""
        AudioClip.objects.update_or_create(
            page_id=page_id,
            block_id=key,
            defaults={
                "file": name,
                "text_hash": digest,
                "duration_ms": recording.duration_ms,
                "size_bytes": len(recording.data),
                "words": len(text.split()),
            },
        )
        if old_name and old_name != name:
            transaction.on_commit(partial(_file_delete, old_name))
        counts["made"] += 1
    if counts["made"] or counts["removed"]:
        # The page shows its clips: cached copies must be rendered again.
        published_content_changed()
        logger.info("audio: page %s %s in %.2f s", page_id, counts, time.monotonic() - started)
    return counts
