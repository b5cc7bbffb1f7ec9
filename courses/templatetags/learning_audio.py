"""``{% audio_player %}``: a step's or a lesson's narration, a play control that needs no JavaScript."""

from django import template

from courses.learning.audio.models import WHOLE_PAGE

register = template.Library()


@register.inclusion_tag("courses/includes/audio_player.html", takes_context=True)
def audio_player(context, key, narration=None, label="", whole=False):
    """The recorded ``narration`` (a document) if there is one, else the generated clip of ``key`` (a
    step's block id; ``whole``: the whole lesson's) from the page's ``audio_clips``; nothing if neither."""
    if narration is not None:
        return {"src": narration.file.url, "duration": "", "label": label}
    if not (key or whole):
        return {"src": None}  # a step rendered without its block id
    clip = (context.get("audio_clips") or {}).get(WHOLE_PAGE if whole else key)
    if clip is None:
        return {"src": None}
    minutes, seconds = divmod(int(clip["seconds"]), 60)
    return {"src": clip["url"], "duration": f"{minutes}:{seconds:02d}", "label": label}
