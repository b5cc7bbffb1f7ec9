"""Recorded narration that editors upload (a Wagtail document): only audio, only so big."""

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# Extension: what its first bytes look like. MP3 (an ID3 tag or a frame sync), Ogg (Vorbis or
# Opus), MP4 audio (AAC in .m4a, what phones record).
AUDIO_EXTENSIONS = ("mp3", "ogg", "opus", "oga", "m4a")
# The largest recording accepted (settings.AUDIO_UPLOAD_MAX_BYTES may change it): a long lesson at 64 kbit/s.
UPLOAD_MAX_BYTES = 20 * 1024 * 1024
_SNIFF_BYTES = 12


def _looks_like(extension: str, head: bytes) -> bool:
    if extension == "mp3":
        return head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)
    if extension in ("ogg", "opus", "oga"):
        return head.startswith(b"OggS")
    return head[4:8] == b"ftyp"


def narration_error(document) -> str | None:
    """Why ``document`` cannot be a narration (a translated sentence), or None if it can."""
    if document is None:
        return None
    extension = (document.file_extension or "").lower()
    if extension not in AUDIO_EXTENSIONS:
        return _("A narration must be an audio file (%(types)s).") % {"types": ", ".join(AUDIO_EXTENSIONS)}
    try:
        size = document.file.size
        with document.file.open("rb") as file:
            head = file.read(_SNIFF_BYTES)
    except OSError:
        return _("The narration's file cannot be read: upload it again.")
    limit = getattr(settings, "AUDIO_UPLOAD_MAX_BYTES", UPLOAD_MAX_BYTES)
    if size > limit:
        return _("A narration may be at most %(size)s.") % {"size": filesizeformat(limit)}
    if not _looks_like(extension, head):
        return _("This file is not a %(type)s recording.") % {"type": extension.upper()}
    return None
