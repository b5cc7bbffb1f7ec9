"""My learning's "Help at the counter" note: what was done with a helper beside the person (courses.assisted)."""

from django import template

from ..assisted.selectors import citizen_sessions

register = template.Library()


@register.inclusion_tag("courses/assisted/_my_learning.html", takes_context=True)
def assisted_progress(context):
    user = context["request"].user
    return {"sessions": citizen_sessions(citizen=user)[:3] if user.is_authenticated else []}
