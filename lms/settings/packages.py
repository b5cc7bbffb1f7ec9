"""Learning packages (SCORM, H5P): the upload's limits and where the files go (docs/packages.md).

Each limit is refused with its own reason at upload; nothing of a refused package is stored.
"""

from .environment import env, env_list

__all__ = [
    "PACKAGES_ALLOWED_EXTENSIONS",
    "PACKAGES_CONTENT_SECURITY_POLICY",
    "PACKAGES_CONTENT_TOKEN_MAX_AGE",
    "PACKAGES_MAX_COMPRESSION_RATIO",
    "PACKAGES_MAX_FILES",
    "PACKAGES_MAX_UNCOMPRESSED_BYTES",
    "PACKAGES_MAX_UPLOAD_BYTES",
    "PACKAGES_STORAGE_PREFIX",
]

_MB = 1024 * 1024

# The zip as uploaded, and what it may unpack to (a zip bomb is refused before anything is written).
PACKAGES_MAX_UPLOAD_BYTES = int(env("PACKAGES_MAX_UPLOAD_BYTES", str(200 * _MB)))
PACKAGES_MAX_UNCOMPRESSED_BYTES = int(env("PACKAGES_MAX_UNCOMPRESSED_BYTES", str(500 * _MB)))
PACKAGES_MAX_FILES = int(env("PACKAGES_MAX_FILES", "5000"))
# Uncompressed size over compressed size, per file and for the whole package (text compresses ~10:1).
PACKAGES_MAX_COMPRESSION_RATIO = int(env("PACKAGES_MAX_COMPRESSION_RATIO", "100"))
# The file types a package may hold: web content and media; no executables, no server-side code.
PACKAGES_ALLOWED_EXTENSIONS = env_list(
    "PACKAGES_ALLOWED_EXTENSIONS",
    "html,htm,xhtml,js,mjs,css,json,xml,xsd,dtd,txt,md,csv,vtt,srt,"
    "png,jpg,jpeg,gif,svg,webp,ico,bmp,avif,"
    "mp3,mp4,m4a,m4v,ogg,oga,ogv,wav,webm,weba,aac,flac,"
    "woff,woff2,ttf,otf,eot,pdf,map",
)
# Under this prefix of Django's default storage, one folder per package.
PACKAGES_STORAGE_PREFIX = env("PACKAGES_STORAGE_PREFIX", "learning-packages")
# How long the signed address of a learner's package content stays valid (seconds).
PACKAGES_CONTENT_TOKEN_MAX_AGE = int(env("PACKAGES_CONTENT_TOKEN_MAX_AGE", str(12 * 3600)))

# The policy of every file a package serves (/learn/package-content/…, docs/packages.md "Sandbox"): the
# content runs sandboxed in an opaque origin (no cookies, no storage, no DOM of the site), may run its
# own inline and evaluated scripts (authoring tools write them), loads only from this site, submits
# nothing anywhere and may only be framed by this site's lesson pages.
PACKAGES_CONTENT_SECURITY_POLICY = "; ".join(
    [
        "sandbox allow-scripts allow-forms",
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "media-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "frame-src 'self'",
        "worker-src 'none'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'none'",
        "frame-ancestors 'self'",
    ]
)
