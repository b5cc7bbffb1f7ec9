"""Serializer fields for the content API (``wagtail.api.v2``, docs/api.md) that any floor's page types name
in their ``api_fields``: read-only, Django REST framework."""

from typing import Any

from rest_framework import serializers
from wagtail.images.api.fields import ImageRenditionField

# The rendition every image of the content API carries: at most 800 px, as the site shows them (WebP).
RENDITION = "max-800x800"


def image_rendition(source: str) -> ImageRenditionField:
    """{url, full_url, width, height, alt} of the image at ``source`` ("*": the object itself)."""
    return ImageRenditionField(RENDITION, source=source)


def rendition_of(image: Any) -> dict | None:
    return ImageRenditionField(RENDITION).to_representation(image) if image is not None else None


class LivePagesField(serializers.Field):
    """[{id, title}] of the live pages a relation or method gives (prerequisites, lessons)."""

    def to_representation(self, value):
        pages = value() if callable(value) else value
        pages = pages.all() if hasattr(pages, "all") else pages
        return [{"id": page.pk, "title": page.title} for page in pages if page.live]
