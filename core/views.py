"""Views of the ground floor."""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request):
    """Liveness: the process answers. No database, no template (also the benchmarks' bare view)."""
    return HttpResponse("ok", content_type="text/plain")


def csrf_failure(request, reason=""):
    """A refused form (missing or stale CSRF token): the site's own page, translated, nothing saved."""
    return render(request, "403_csrf.html", status=403)
