"""Media on S3-compatible object storage, addressed under our own ``MEDIA_URL`` (docs/deployment.md).

``lms.settings.storage`` makes ``ObjectStorage`` the default storage when ``AWS_STORAGE_BUCKET_NAME`` is
set; otherwise media stays on local disk (``MEDIA_ROOT``), the embedded default.

Addresses stay same-origin: ``url()`` gives ``MEDIA_URL`` + the object's key, and the proxy (nginx) passes
``/media/images/``, ``/media/original_images/`` and ``/media/audio/`` to the bucket and nothing else. So:

- the strict Content-Security-Policy keeps ``img-src 'self'`` and ``media-src 'self'``;
- pages in the page cache and the published memo carry no expiring signature (a signed URL in a page
  cached for ten minutes would break in it);
- documents (which may be personal, or in a private collection), learning packages and anything else
  under another prefix are never proxied: they are read from the bucket by our own views after their
  permission checks (``WAGTAILDOCS_SERVE_METHOD = "serve_view"``; certificate PDFs are rendered per
  request for their owner and stored nowhere). The bucket itself lists nothing to anyone without the keys.
"""

from django.conf import settings
from django.utils.encoding import filepath_to_uri
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

# Key prefixes the proxy serves to anyone (Wagtail's images and renditions, the narration).
PUBLIC_PREFIXES = ("images/", "original_images/", "audio/")


class ObjectStorage(S3Storage):
    """django-storages' S3 backend, with URLs under ``MEDIA_URL`` (served through the proxy)."""

    def url(self, name, parameters=None, expire=None, http_method=None):
        # The key inside the storage's location ("../" cannot leave it); the proxy maps
        # /media/<name> to <bucket>/<AWS_LOCATION>/<name>.
        key = self._normalize_name(clean_name(name))
        if self.location:
            key = key.removeprefix(self.location.rstrip("/") + "/")
        return settings.MEDIA_URL + filepath_to_uri(key)
