"""Where media and generated files live (docs/deployment.md#object-storage).

Embedded default: local disk under ``MEDIA_ROOT`` (one machine; nginx or ``make run`` serves it).
With ``AWS_STORAGE_BUCKET_NAME`` set, Django's default storage is an S3-compatible bucket through
django-storages (``core.storage.ObjectStorage``), so every web node and worker reads and writes the same
files: Wagtail's images, their renditions and documents, the narration's clips, and anything saved
through ``default_storage``. URLs stay under ``MEDIA_URL`` (the proxy serves the public prefixes from the
bucket), so no custom domain and no query-string signatures: see core/storage.py for why.
"""

from .environment import env, env_bool

__all__ = ["MEDIA_OBJECT_STORAGE", "STORAGES", "WAGTAILDOCS_SERVE_METHOD"]

MEDIA_OBJECT_STORAGE = bool(env("AWS_STORAGE_BUCKET_NAME"))

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if MEDIA_OBJECT_STORAGE:
    STORAGES["default"] = {
        "BACKEND": "core.storage.ObjectStorage",
        "OPTIONS": {
            "bucket_name": env("AWS_STORAGE_BUCKET_NAME"),
            # MinIO, Ceph, a provider's S3 (Viettel, FPT, CMC clouds): its address; empty for Amazon S3.
            "endpoint_url": env("AWS_S3_ENDPOINT_URL"),
            "region_name": env("AWS_S3_REGION_NAME"),
            # Empty: boto3 finds them itself (an instance role, ~/.aws).
            "access_key": env("AWS_ACCESS_KEY_ID"),
            "secret_key": env("AWS_SECRET_ACCESS_KEY"),
            # A prefix inside the bucket (several sites sharing one bucket); empty: the bucket's root.
            "location": env("AWS_LOCATION", ""),
            # "path" for MinIO and most S3-compatible servers (bucket in the path, not the host name).
            "addressing_style": env("AWS_S3_ADDRESSING_STYLE", "path"),
            # Objects get the bucket's own policy (no public-read ACL, no listing for anyone).
            "default_acl": None,
            # Django's rule: a name already taken gets a suffix, nothing is overwritten.
            "file_overwrite": False,
            "querystring_auth": False,
            "custom_domain": None,
            "use_ssl": env_bool("AWS_S3_USE_SSL", True),
        },
    }
# Documents always go through Wagtail's view (its collection privacy check, then read from the storage),
# never a redirect to the file's address.
WAGTAILDOCS_SERVE_METHOD = "serve_view"
