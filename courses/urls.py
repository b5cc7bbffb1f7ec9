"""The ``courses`` URL namespace: learning's actions, a civil servant's training, a unit manager's team page.

Certificates have their own namespace (``courses.certificates.urls``, included at /certificates/).
"""

from django.urls import include, path

from .assisted import urls as assisted_urls
from .learning import urls as learning_urls
from .packages import urls as packages_urls
from .training import urls as training_urls

app_name = "courses"

urlpatterns = [
    *learning_urls.urlpatterns,
    # SCORM (and H5P) packages in lessons: their sandboxed content and their commits (docs/packages.md).
    *packages_urls.urlpatterns,
    # Mandatory training: the civil servant's own, a unit manager's.
    path("training/", include(training_urls.urlpatterns)),
    path("team/", include(training_urls.team_urlpatterns)),
    # Assisted learning at the commune's counter: the helper's pages, the citizen's "who helped me".
    path("assisted/", include(assisted_urls.urlpatterns)),
]
