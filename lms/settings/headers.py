"""Security headers and what the admin may fetch from elsewhere: the same on every machine (no environment
variable changes them). Read into ``base`` with the rest of the settings."""

# Wagtail's preview views set SAMEORIGIN for themselves; everything else is DENY.
X_FRAME_OPTIONS = "DENY"

# Security headers: Content-Security-Policy and Permissions-Policy --------------------------
# (core.security; why each source is there: docs/deployment.md, "Security headers").
# Video blocks embed YouTube or Vimeo players (courses.learning.blocks.VideoBlock).
_CSP_VIDEO_FRAMES = ["https://www.youtube.com", "https://www.youtube-nocookie.com", "https://player.vimeo.com"]
# The public site: no JavaScript of ours, no inline script or style, nothing from other hosts
# but the video players. Enforced, not report-only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        # Narration of steps and lessons (<audio>, from /media/): docs/audio.md.
        "media-src": ["'self'"],
        "connect-src": ["'self'"],
        # The service worker (/sw.js) and the web manifest, both from this site (docs/offline.md).
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
        "frame-src": _CSP_VIDEO_FRAMES,
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Wagtail's admin, and its preview (served under /admin/, shown in a frame of the editor).
CONTENT_SECURITY_POLICY_ADMIN_PREFIXES = ("/admin/",)
CONTENT_SECURITY_POLICY_ADMIN = {
    "DIRECTIVES": {
        **CONTENT_SECURITY_POLICY["DIRECTIVES"],
        # Wagtail 8 writes inline <script>s: its date/time and snippet choosers (widgets' own
        # render_js_init) and the HTML its modals insert with jQuery. No 'unsafe-eval'.
        "script-src": ["'self'", "'unsafe-inline'"],
        # Its vendor bundle injects <style> elements; our admin reports carry small <style> blocks.
        "style-src": ["'self'", "'unsafe-inline'"],
        # The preview panel frames the preview view; the embed chooser shows the video's frame.
        "frame-src": ["'self'", *_CSP_VIDEO_FRAMES],
        "frame-ancestors": ["'self'"],
    }
}
# Features nobody on this site uses, denied to the site and every frame in it.
PERMISSIONS_POLICY = {
    "camera": [],
    "microphone": [],
    "geolocation": [],
    "payment": [],
    "usb": [],
    "serial": [],
    "hid": [],
    "display-capture": [],
    "browsing-topics": [],
}
# Django's SecurityMiddleware (its defaults, written down): no MIME sniffing, no cross-site
# referrer, and a window opened from another site gets no handle on ours.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# The admin shows initials, never a Gravatar (no image from another host, no address sent there),
# and does not ask releases.wagtail.io for new versions (we upgrade through requirements.txt).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False
