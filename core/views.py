"""Views of the ground floor."""

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .health import readiness


@never_cache
def healthz(request):
    """Liveness: the process answers. No database, no template (also the benchmarks' bare view)."""
    return HttpResponse("ok", content_type="text/plain")


@require_safe
@never_cache
def readyz(request):
    """Readiness: 200 when every check passes (database, cache, broker, beat, the oldest due message),
    else 503; a small JSON body names each check and its figure (``core.health``)."""
    ok, checks = readiness()
    return JsonResponse({"status": "ok" if ok else "fail", "checks": checks}, status=200 if ok else 503)


def csrf_failure(request, reason=""):
    """A refused form (missing or stale CSRF token): the site's own page, translated, nothing saved."""
    return render(request, "403_csrf.html", status=403)
