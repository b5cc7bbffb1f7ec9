"""The generated narration of a page's step (or of a whole lesson), one row per piece of text."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# The key of a lesson's narration of its whole body (a step's key is its block id).
WHOLE_PAGE = ""


class AudioClip(models.Model):
    """A narration generated from text: the file, and the hash of the text and voice it was made from."""

    page = models.ForeignKey(
        "wagtailcore.Page", verbose_name=_("page"), on_delete=models.CASCADE, related_name="audio_clips"
    )
    # A step's block id, or WHOLE_PAGE for the narration of a whole lesson.
    block_id = models.CharField(_("block"), max_length=64, blank=True)
    file = models.FileField(_("file"), upload_to="audio/", max_length=200)
    # sha256 of the spoken text, the voice and the encoding: a new hash means a new recording.
    text_hash = models.CharField(_("text hash"), max_length=64)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))
    size_bytes = models.PositiveIntegerField(_("size (bytes)"))
    words = models.PositiveIntegerField(_("words"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        app_label = "courses"
        verbose_name = _("audio clip")
        verbose_name_plural = _("audio clips")
        constraints = [models.UniqueConstraint(fields=["page", "block_id"], name="courses_audioclip_once")]

    def __str__(self):
        return f"{self.page_id}:{self.block_id or '*'}"
