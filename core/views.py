"""Views of the ground floor."""

from django.http import HttpResponse
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request):
    """Liveness: the process answers. No database, no template (also the benchmarks' bare view)."""
    return HttpResponse("ok", content_type="text/plain")
