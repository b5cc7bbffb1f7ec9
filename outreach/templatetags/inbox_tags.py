from django import template

from ..inbox import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def inbox_unread_count(context):
    """Unread notifications of the signed-in person (0 for visitors; cached, see outreach.inbox)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    return unread_count(user)
