"""The content API's endpoints: Wagtail's, read-only, with nothing private and nobody's data.

- Pages: live and public only (``.public()`` on top of Wagtail's own filter, so a signed-in
  visitor sees no more than anyone else and every answer can be cached alike); drafts and
  unpublished changes never show (the page row holds the published version).
- Images and documents: none in a collection with a view restriction, and no certificate's
  signature image.
- JSON only (no browsable HTML API), no session or basic authentication, GET only.
- Rate-limited per client address and cached per published generation (``views.content_api``).
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from wagtail.api import APIField
from wagtail.api.v2.views import PagesAPIViewSet
from wagtail.documents.api.v2.views import DocumentsAPIViewSet
from wagtail.images.api.v2.views import ImagesAPIViewSet
from wagtail.models import CollectionViewRestriction

from core.api_fields import RENDITION, image_rendition
from courses.models import Certificate, CertificateSetting

from .views import content_api

BAD_REQUEST = gettext_lazy("This request cannot be answered: %(detail)s.")
NOT_FOUND = gettext_lazy("There is nothing published here (%(detail)s).")


def _restricted_collections_q(prefix: str = "collection__") -> Q | None:
    condition = None
    for restriction in CollectionViewRestriction.objects.select_related("collection"):
        part = Q(**{f"{prefix}path__startswith": restriction.collection.path})
        condition = part if condition is None else condition | part
    return condition


class _ContentAPI:
    renderer_classes = [JSONRenderer]
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def handle_exception(self, exc):
        # Wagtail's own messages are English and unmarked: ours first, translated, with its detail.
        response = super().handle_exception(exc)  # type: ignore[misc]
        if response.status_code in (400, 404) and isinstance(response.data, dict):
            detail = str(response.data.get("message", ""))
            message = BAD_REQUEST if response.status_code == 400 else NOT_FOUND
            response.data = {"message": str(message) % {"detail": detail}, "detail": detail}
        return response

    @classmethod
    def get_urlpatterns(cls):
        patterns = super().get_urlpatterns()  # type: ignore[misc]
        for pattern in patterns:
            pattern.callback = content_api(pattern.callback)
        return patterns


class PagesEndpoint(_ContentAPI, PagesAPIViewSet):
    def get_base_queryset(self):
        return super().get_base_queryset().public()


class ImagesEndpoint(_ContentAPI, ImagesAPIViewSet):
    body_fields = [*ImagesAPIViewSet.body_fields, APIField("rendition", serializer=image_rendition("*"))]
    listing_default_fields = [*ImagesAPIViewSet.listing_default_fields, "rendition"]

    def get_queryset(self):
        images = super().get_queryset()
        restricted = _restricted_collections_q()
        if restricted is not None:
            images = images.exclude(restricted)
        signatures = Certificate.objects.exclude(signature_image=None).values("signature_image")
        settings_signatures = CertificateSetting.objects.exclude(signature_image=None).values("signature_image")
        images = images.exclude(pk__in=signatures).exclude(pk__in=settings_signatures)
        return images.prefetch_renditions(RENDITION)


class DocumentsEndpoint(_ContentAPI, DocumentsAPIViewSet):
    def get_queryset(self):
        documents = super().get_queryset()
        restricted = _restricted_collections_q()
        return documents if restricted is None else documents.exclude(restricted)
