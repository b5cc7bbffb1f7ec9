"""Narration of the demo tutorials and lessons (``courses.demo``, run by ``seed_demo``)."""

import logging
import time
from collections.abc import Iterable

from django.db import transaction

from .services import page_audio_refresh
from .speech import speech_available
from .tasks import audio_refresh

logger = logging.getLogger(__name__)


def demo_narration_seed(page_ids: Iterable[int], *, enqueue: bool = False) -> dict[str, int]:
    """Record the demo pages' narration now (a few seconds), or queue it for the worker (``enqueue``:
    ``make run`` seeds before its worker starts, which then records it). Nothing to do twice."""
    page_ids = list(page_ids)
    if enqueue:
        for page_id in page_ids:
            transaction.on_commit(lambda page_id=page_id: audio_refresh.delay(page_id))
        return {"queued": len(page_ids)}
    if not speech_available():
        logger.warning("audio: espeak-ng or lame missing: the demo has no narration (apt-get install espeak-ng lame)")
        return {}
    started = time.monotonic()
    totals = {"made": 0, "kept": 0, "removed": 0}
    for page_id in page_ids:
        for key, count in page_audio_refresh(page_id=page_id).items():
            totals[key] += count
    logger.info("audio: demo narration %s in %.1f s", totals, time.monotonic() - started)
    return totals
