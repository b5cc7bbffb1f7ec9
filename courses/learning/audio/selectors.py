"""Reads of the narration for the pages."""

from django.http import HttpRequest

from core.published import published_memo

from .models import AudioClip


def page_audio_clips(*, page_id: int) -> dict[str, AudioClip]:
    """{block id (or WHOLE_PAGE): clip} of a page: one query."""
    return {clip.block_id: clip for clip in AudioClip.objects.filter(page_id=page_id)}


def page_audio_urls(*, request: HttpRequest, page_id: int) -> dict[str, dict[str, object]]:
    """{block id: {"url", "seconds"}} of a page's generated clips, remembered until something is
    published or recorded again (``published_memo``): no query on a warm process."""

    def compute() -> dict[str, dict[str, object]]:
        return {
            key: {"url": clip.file.url, "seconds": round(clip.duration_ms / 1000)}
            for key, clip in page_audio_clips(page_id=page_id).items()
        }

    return published_memo(request, ("audio-clips", page_id), compute)
