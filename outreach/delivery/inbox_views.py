"""The inbox on the site: a signed-in person's notifications, newest first; marking them read."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST

from .inbox import inbox_body_html, inbox_for, inbox_mark_read, unread_count

PAGE_SIZE = 20


@login_required
@never_cache
def inbox(request):
    page_obj = Paginator(inbox_for(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    for message in page_obj:
        message.body_html = inbox_body_html(message.body)
    context = {"page_obj": page_obj, "unread": unread_count(user=request.user)}
    return render(request, "outreach/delivery/inbox.html", context)


@require_POST
@login_required
@csrf_protect
def inbox_read(request, delivery_id):
    if (
        not inbox_mark_read(user=request.user, ids=[delivery_id])
        and not inbox_for(user=request.user).filter(pk=delivery_id).exists()
    ):
        raise Http404
    return redirect("outreach:inbox")


@require_POST
@login_required
@csrf_protect
def inbox_read_all(request):
    inbox_mark_read(user=request.user)
    return redirect("outreach:inbox")
