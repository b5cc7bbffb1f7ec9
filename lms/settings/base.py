"""Settings shared by every environment.

Everything that differs between machines comes from environment variables
(listed in ``.env.example``). With none set, the site runs on the embedded
default: SQLite and Celery's filesystem broker under ``var/``.
"""

from pathlib import Path

import dj_database_url
from celery.schedules import crontab

from core.logs import admins_parse, logging_config, sentry_init

from .environment import env, env_bool, env_list, load_dotenv

# Security headers (CSP, Permissions-Policy, framing, referrer), the same on every machine.
from .headers import *  # noqa: F403
from .replica import replica_databases, replica_routers

BASE_DIR = Path(__file__).resolve().parent.parent.parent


load_dotenv(BASE_DIR / ".env")

# Writable runtime state of the embedded default (database, broker, cache).
VAR_DIR = Path(env("VAR_DIR", BASE_DIR / "var")).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = env("SECRET_KEY")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Our apps, lowest layer first: core <- accounts <- courses <- outreach <- {home, insights}.
    "core",
    "accounts",
    "courses",
    "outreach",
    "home",
    "insights",
    # Wagtail ("wagtail.users" is replaced by our config for the custom user forms).
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    # Promoted results above the site search's results (home/search/promotions.py).
    "wagtail.contrib.search_promotions",
    "wagtail.contrib.sitemaps",
    "django.contrib.sitemaps",  # the sitemap.xml template wagtail.contrib.sitemaps renders
    "wagtail.embeds",
    # The read-only content API at /api/v2/ (home.api, docs/api.md), on Django REST framework.
    "wagtail.api.v2",
    "rest_framework",
    "wagtail.sites",
    "accounts.apps.AccountsUsersAppConfig",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "treebeard",
    # Two-step verification for staff (accounts.twofactor): app codes (TOTP) and recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_celery_beat",
    "django_celery_results",
    "lti_tool",  # django-lti: platform registrations, deployments, contexts (courses/lti, docs/lti.md)
    "csp",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Wagtail's admin formats dates with humanize ("3 giây trước"); installed, its Vietnamese is loaded.
    "django.contrib.humanize",
]

MIDDLEWARE = [
    # First: every log line of the request carries its id (X-Request-ID from a trusted proxy, or a new one).
    "core.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # CSP and Permissions-Policy (core.security): outside the page cache, so cached pages get them too.
    "core.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The retired English addresses (/en/…) → 301 to the same address without the prefix (core.i18n).
    "core.i18n.RetiredLanguagePrefixMiddleware",
    # Outside the page cache: counts page views (tutorials, campaigns) and QR arrivals, cache hits included.
    "core.page_views.PageViewMiddleware",
    "outreach.campaigns.tracking.CampaignTouchCookieMiddleware",
    # Outside the page cache too: counts searches (cached results included) for the editors' report.
    "home.search.querylog.SearchQueryLogMiddleware",
    # Before sessions, auth and CSRF: a hit for an anonymous visitor skips all of them.
    "core.page_cache.AnonymousPageCacheMiddleware",
    # Wagtail's serve routed with what this process remembers per page-cache generation.
    "core.page_cache.PageRoutingMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(); then staff sessions reach nothing until verified (accounts.twofactor).
    "django_otp.middleware.OTPMiddleware",
    "accounts.twofactor.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "lms.urls"
# A refused form gets the site's own translated page (templates/403_csrf.html).
CSRF_FAILURE_VIEW = "core.views.csrf_failure"

# Where the sections (tutorial, course and campaign indexes) may be created: under the site's home page.
# Wired here so that courses and outreach do not name the higher-layer home app.
SITE_SECTION_PARENT_PAGE_TYPES = ["home.HomePage"]

# The signed-in person's links in the site header, in order (core.nav): each app adds its own.
SITE_ACCOUNT_LINKS = [
    "courses.nav.account_links",
    "courses.assisted.nav.account_links",
    "insights.nav.account_links",
    "outreach.nav.account_links",
    "accounts.nav.account_links",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            # Django's defaults, with Wagtail's few unmarked English strings fixed as its templates load
            # (core.admin_strings); cached in every environment, as Django does by default.
            "loaders": [
                (
                    "django.template.loaders.cached.Loader",
                    ["django.template.loaders.filesystem.Loader", "core.admin_strings.Loader"],
                )
            ],
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

WSGI_APPLICATION = "lms.wsgi.application"

# Database: DATABASE_URL, or SQLite under var/.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "0")),
        # A connection kept between requests is checked first, so a database restart costs no error.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web, worker, beat) share the file: wait for locks
    # instead of failing, and let readers proceed while one writer writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # The compliance index's INCLUDE columns are a PostgreSQL covering-index detail; SQLite
    # builds the same index without them, which is all the embedded default needs.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]

# The insights dashboard's reads on a replica when DATABASE_REPLICA_URL is set (lms/settings/replica.py).
DATABASES.update(replica_databases(DATABASES["default"]))
DATABASE_ROUTERS = replica_routers(DATABASES)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# People
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.EmailOrPhoneBackend"]
LOGIN_URL = "accounts:sign_in"
# My training: open assignments due within this many days are "due soon" and come right after the overdue ones.
TRAINING_DUE_SOON_DAYS = int(env("TRAINING_DUE_SOON_DAYS", "14"))
LOGIN_REDIRECT_URL = "courses:my_learning"  # where no landing rule answers (citizens)
# Where a person lands after sign-in without a safe ``next``, asked in order (docs/landing.md).
ACCOUNTS_LANDING_RULES = [
    "accounts.landing.admin_work_landing",  # superusers, staff, communications, training office: the admin
    "insights.landing.leader_landing",  # leaders: the operations dashboard
    "courses.training.landing.team_landing",  # unit managers: the team page
    "courses.training.landing.training_landing",  # mandatory training to do: My training
    "accounts.landing.admin_access_landing",  # anyone else who may open the admin
]
# The welcome page after sign-up: first steps (before notifications and profile), then more to explore.
ACCOUNTS_WELCOME_FIRST_STEPS = ["courses.nav.welcome_first_steps"]
ACCOUNTS_WELCOME_LINKS = ["courses.nav.welcome_links"]
# Told on the sign-in and sign-up pages: the courses the sign-in hook will enrol this visitor in.
ACCOUNTS_SIGN_IN_NOTES = ["courses.nav.sign_in_notes"]
LOGOUT_REDIRECT_URL = "/"
# seed_demo (outreach) runs these too: demo data of layers above outreach; each returns [(account, role)].
DEMO_SEEDERS = [
    "courses.assisted.demo.demo_assisted_seed",
    "courses.packages.demo.demo_packages_seed",
    "courses.packages.h5p.demo.demo_h5p_seed",
    # After the package demos: they add lessons, which the demo certificates' holders have completed.
    "courses.certificates.badges.demo.demo_badges_seed",
    "insights.demo.demo_insights_seed",
]
# Called with (request, user) after every sign-in and sign-up, so a higher layer
# (courses) can keep what an anonymous visitor did in this browser without
# accounts importing it.
ACCOUNTS_SIGN_IN_HOOKS = [
    "courses.learning.services.session_progress_claim",
    "outreach.campaigns.tracking.touches_claim",
]
# Roster imports and unit moves: mandatory training assigns the people concerned.
ACCOUNTS_PEOPLE_CHANGED_HOOKS = ["courses.training.tasks.people_changed"]
ACCOUNTS_UNITS_CHANGED_HOOKS = ["courses.training.tasks.units_changed"]
# Courses tells outreach of an extension request, a decision, a revoked certificate (courses/hooks.py).
COURSES_NOTICE_HOOKS = ["outreach.reminders.notices.notice_planned"]
# Export and erasure of personal data: each higher layer's provider module.
ACCOUNTS_PERSONAL_DATA_PROVIDERS = [
    "courses.personal_data",
    "courses.assisted.personal_data",
    "courses.packages.personal_data",
    "courses.lti.personal_data",
    "outreach.personal_data",
    "outreach.xapi.personal_data",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in limits, two-step verification, one-time codes, invitations: lms/settings/accounts.py.
from .accounts import *  # noqa: E402, F403

# Languages, time zone and date formats: lms/settings/languages.py.
from .languages import *  # noqa: E402, F403

# ASCII page slugs ("doi-giay-phep-lai-xe", not "%C4%91%E1%BB%95i-…"): core/slugs.py, docs/home.md.
WAGTAIL_ALLOW_UNICODE_SLUGS = False
# A page whose slug changes, or that moves, leaves a permanent redirect from its old address.
WAGTAILREDIRECTS_AUTO_CREATE = True

# Static files and uploads
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every start without it
# h5p-standalone's player, vendored by the build from npm (make node-deps), never fetched at run time.
STATICFILES_DIRS = [BASE_DIR / "static", ("vendor/h5p-standalone", BASE_DIR / "node_modules/h5p-standalone/dist")]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", BASE_DIR / "media"))
# Media on local disk, or an S3-compatible bucket when AWS_STORAGE_BUCKET_NAME is set (lms/settings/storage.py).
from .storage import *  # noqa: E402, F403

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# Cache: Redis when CACHE_URL is set (shared by every web process), otherwise
# files under var/ (shared by the processes of one machine).
CACHE_URL = env("CACHE_URL")
# "pages" holds public pages as anonymous visitors see them (core.page_cache).
if CACHE_URL:
    CACHES = {
        # Django's Redis cache, with one client per connection pool instead of one per call.
        "default": {"BACKEND": "core.page_cache.RedisCache", "LOCATION": CACHE_URL},
        "pages": {
            "BACKEND": "core.page_cache.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "pages",
        },
    }
    # Sessions stay in the database and are read through Redis: a signed-in request saves a query.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        },
        "pages": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "page-cache"),
        },
    }
# Seconds an anonymous page stays cached (publishing empties the cache at once); 0 turns it off.
PAGE_CACHE_SECONDS = int(env("PAGE_CACHE_SECONDS", "600"))

# E-mail
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
# Seconds for the SMTP connection and each answer: a hanging mail server must not hold a sending
# batch past its time budget (DELIVERY_BATCH_BUDGET_SECONDS).
EMAIL_TIMEOUT = float(env("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Kỹ Năng Số <no-reply@kynangso.local>")
# Error reports (a 500's traceback) go to ADMINS="Name <a@b>, Other <c@d>", sent from SERVER_EMAIL.
ADMINS = admins_parse(env("ADMINS", ""))
SERVER_EMAIL = env("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# Wagtail
WAGTAIL_SITE_NAME = "Kỹ Năng Số"
# Printed in QR codes, certificates and message links; on the embedded default, the port `make run` serves.
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL", f"http://127.0.0.1:{env('WEB_PORT', '8000')}")
WAGTAILSEARCH_BACKENDS = {
    "default": {
        # Database backend: FTS5 on SQLite, full-text search on PostgreSQL.
        # "simple" keeps PostgreSQL from dropping Vietnamese syllables that are
        # English stop-words ("an" in "An toàn"). Diacritics are handled by
        # indexing a folded copy of the text (core.search).
        "BACKEND": "wagtail.search.backends.database",
        "SEARCH_CONFIG": "simple",
    }
}
WAGTAILIMAGES_FORMAT_CONVERSIONS = {"avif": "webp", "bmp": "webp", "png": "webp", "jpeg": "webp", "gif": "webp"}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "pdf", "pptx", "txt", "xlsx", "zip", "mp3", "ogg", "opus", "oga", "m4a"]
WAGTAIL_PASSWORD_RESET_ENABLED = True
# Approving a page's workflow publishes it, even for approvers without publish permission there
# (communications leads approve tutorials and standard pages: home/moderation.py).
WAGTAIL_FINISH_WORKFLOW_ACTION = "home.moderation.workflow_state_publish"
WAGTAILADMIN_COMMENTS_ENABLED = True

# Celery: the broker from CELERY_BROKER_URL, or the filesystem under var/.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    # kombu's transport, writing each message aside then renaming it (a worker never reads half a message).
    CELERY_BROKER_TRANSPORT = "core.broker:Transport"
    # kombu does not create these folders and defaults to relative paths.
    CELERY_BROKER_DIR = Path(env("CELERY_BROKER_DIR", VAR_DIR / "celery-broker")).resolve()
    for _name in ("queue", "processed", "control"):
        (CELERY_BROKER_DIR / _name).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
        "polling_interval": 0.2,
    }
else:
    # A task not acknowledged within this time is delivered again: no task may
    # use an eta/countdown longer than this (see docs/tasks.md).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True
CELERY_RESULT_EXPIRES = 7 * 24 * 3600
# Three queues (docs/tasks.md), so that scheduled publishing, roster checks and assignments never wait
# behind a campaign's 200 send batches: "<default>.bulk" (sending), "<default>.scheduled" (beat's short
# ticks) and the default queue (everything else). lms.celery.task_route routes by task name; the
# names follow CELERY_TASK_DEFAULT_QUEUE, so the tests' workers get queues of their own.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_TASK_ROUTES = ["lms.celery.task_route"]
TASK_QUEUE_KINDS = {
    # Bulk: the send batches, and the campaign planning that queues them.
    "outreach.tasks.deliveries_send": "bulk",
    "outreach.tasks.campaign_message_plan": "bulk",
    # Scheduled: beat's short ticks, which must run on time.
    "outreach.tasks.scheduled_pages_publish": "scheduled",
    "outreach.tasks.campaign_messages_due": "scheduled",
    "outreach.tasks.reminders_plan": "scheduled",
    # A notice planned at once (an extension request, a decision, a revocation): small, prompt.
    "outreach.tasks.notices_plan": "scheduled",
    # A dead worker's claims come back within the lease plus this tick, never behind the send backlog.
    "outreach.tasks.deliveries_recover": "scheduled",
    "outreach.tasks.xapi_recover": "scheduled",
    "core.page_views_flush": "scheduled",
    "home.search_queries_flush": "scheduled",
    "home.search_queries_forget": "scheduled",
    "accounts.tasks.expired_sessions_clear": "scheduled",
    "accounts.auth_events_forget": "scheduled",
    "accounts.codes_forget": "scheduled",
    "accounts.roster.imports_forget": "scheduled",
    "accounts.roster.imports_resume": "scheduled",
    "courses.learning.audio_refresh": "default",  # narration of a published page (seconds of espeak-ng)
    # Everything else (roster checks and imports, assignments, a resend, the insights' long nightly
    # recomputations, which would hold up a tick) goes to the default queue.
}
# Narration (docs/audio.md): espeak-ng's voice, pitch, speed (its own 175 is too fast), MP3 kbit/s.
AUDIO_VOICE, AUDIO_PITCH = env("AUDIO_VOICE", "vi"), int(env("AUDIO_PITCH", "45"))
AUDIO_WORDS_PER_MINUTE = int(env("AUDIO_WORDS_PER_MINUTE", "120"))
AUDIO_BITRATE_KBPS = int(env("AUDIO_BITRATE_KBPS", "24"))
# Beat saves each entry's last_run_at as soon as it sends it (readiness reads how fresh beat is).
CELERY_BEAT_SYNC_EVERY = 1
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# The beat schedule lives in code; DatabaseScheduler copies it into the
# database, where administrators can see (and pause) it.
CELERY_BEAT_SCHEDULE = {
    "publish-scheduled-pages": {
        "task": "outreach.tasks.scheduled_pages_publish",
        "schedule": 60.0,
    },
    "clear-expired-sessions": {
        "task": "accounts.tasks.expired_sessions_clear",
        "schedule": 24 * 3600.0,
    },
    "forget-old-codes": {
        "task": "accounts.codes_forget",
        "schedule": 24 * 3600.0,
    },
    "forget-old-auth-events": {
        "task": "accounts.auth_events_forget",
        "schedule": 24 * 3600.0,
    },
    "forget-unimported-rosters": {
        "task": "accounts.roster.imports_forget",
        "schedule": 24 * 3600.0,
    },
    "resume-stalled-rosters": {
        "task": "accounts.roster.imports_resume",
        "schedule": 300.0,
    },
    # Nightly (01:30 Asia/Ho_Chi_Minh): assignments for every requirement, renewal cycles opened.
    "assign-mandatory-training": {
        "task": "courses.training.sync_all",
        "schedule": crontab(hour=1, minute=30),
    },
    # Reminders: plan what is due, re-queue what waited (quiet hours, retries, a dead worker's lease).
    "plan-reminders": {
        "task": "outreach.tasks.reminders_plan",
        "schedule": 300.0,
    },
    # Delivery: dead workers' rows (lease over) planned again, planned rows whose task was lost queued again.
    "recover-deliveries": {
        "task": "outreach.tasks.deliveries_recover",
        "schedule": 30.0,
    },
    # xAPI statements (docs/xapi.md): a dead sender's lease taken back, statements whose task was lost queued again.
    "recover-xapi-statements": {"task": "outreach.tasks.xapi_recover", "schedule": 60.0},
    # Campaign messages: scheduled ones whose time has come; page view counters into the database.
    "campaign-messages-due": {
        "task": "outreach.tasks.campaign_messages_due",
        "schedule": 60.0,
    },
    "page-views-flush": {
        "task": "core.page_views_flush",
        "schedule": 60.0,
    },
    # The search log (home/search/querylog.py): counted searches into the daily table; old days deleted.
    "search-queries-flush": {"task": "home.search_queries_flush", "schedule": 60.0},
    "forget-old-search-queries": {"task": "home.search_queries_forget", "schedule": 24 * 3600.0},
    # The insights' daily summary per unit: today and yesterday often, the last 400 days nightly.
    "refresh-insights-figures": {
        "task": "insights.figures_refresh",
        "schedule": 600.0,
    },
    "rebuild-insights-figures": {
        "task": "insights.figures_rebuild_recent",
        "schedule": crontab(hour=2, minute=15),
    },
    # The public transparency page's figures, computed ahead so that no visitor waits for them.
    "refresh-transparency-figures": {
        "task": "insights.transparency_refresh",
        "schedule": 900.0,
    },
}
# Each web process adds its counted page views to the shared counters at most this often (seconds).
PAGE_VIEW_BATCH_SECONDS = float(env("PAGE_VIEW_BATCH_SECONDS", "1"))
# The search log (docs/search.md; caps SEARCH_LOG_PENDING_MAX, SEARCH_LOG_FLUSH_BATCHES in querylog.py):
# pushed by each process every few seconds, at most so many queries per flush, kept so many days.
# Search results each process remembers per published generation (core.published.search_memo).
SEARCH_MEMO_MAX_ENTRIES = int(env("SEARCH_MEMO_MAX_ENTRIES", "1000"))
SEARCH_LOG_BATCH_SECONDS = float(env("SEARCH_LOG_BATCH_SECONDS", "5"))
SEARCH_LOG_FLUSH_ROWS = int(env("SEARCH_LOG_FLUSH_ROWS", "2000"))
SEARCH_LOG_RETENTION_DAYS = int(env("SEARCH_LOG_RETENTION_DAYS", "180"))
# Enrolments and completions this many days after a visit from a campaign link or QR code are the campaign's.
CAMPAIGN_ATTRIBUTION_DAYS = int(env("CAMPAIGN_ATTRIBUTION_DAYS", "30"))

# Insights (insights/): figures of groups of fewer people than this are suppressed ("fewer than 5")
# everywhere outside the training office, including exports and the public transparency page.
INSIGHTS_MIN_GROUP = int(env("INSIGHTS_MIN_GROUP", "5"))
# How long the public page's computed figures are kept (the beat task refreshes them sooner).
INSIGHTS_PUBLIC_CACHE_SECONDS = int(env("INSIGHTS_PUBLIC_CACHE_SECONDS", "3600"))

# Reminders and delivery (outreach/delivery/, outreach/reminders/; docs/delivery.md, docs/reminders.md).
# SMS: outreach.delivery.channels.ConsoleSmsBackend (prints), FileSmsBackend (JSON lines in SMS_FILE_PATH),
# HttpGatewaySmsBackend (SMS_GATEWAY_*); empty: no SMS (people who chose only SMS are skipped).
SMS_BACKEND = env("SMS_BACKEND", "outreach.delivery.channels.ConsoleSmsBackend")
SMS_FILE_PATH = env("SMS_FILE_PATH", str(VAR_DIR / "sms.jsonl"))
SMS_GATEWAY_URL = env("SMS_GATEWAY_URL", "")
SMS_GATEWAY_TOKEN = env("SMS_GATEWAY_TOKEN", "")
SMS_GATEWAY_SENDER = env("SMS_GATEWAY_SENDER", "KYNANGSO")
SMS_GATEWAY_TIMEOUT = float(env("SMS_GATEWAY_TIMEOUT", "10"))
# Fold SMS text to ASCII (Vietnamese marks make each SMS part 70 characters instead of 160).
SMS_ASCII = env_bool("SMS_ASCII", True)
# The APIs and personal access tokens: lms/settings/api.py, docs/api.md.
from .api import *  # noqa: E402, F403

# Zalo (ZNS): lms/settings/zalo.py, docs/zalo.md. Development: JSON lines in ZALO_FILE_PATH.
from .zalo import *  # noqa: E402, F403

ZALO_FILE_PATH = env("ZALO_FILE_PATH", str(VAR_DIR / "zalo.jsonl"))

# The learning standards, a module each: Open Badges keys (docs/badges.md), the LTI tool (docs/lti.md),
# SCORM/H5P packages (docs/packages.md), xAPI to a Learning Record Store (docs/xapi.md).
from .badges import *  # noqa: E402, F403
from .lti import *  # noqa: E402, F403
from .lti import LTI_BEAT_SCHEDULE, LTI_TASK_QUEUE_KINDS  # noqa: E402
from .packages import *  # noqa: E402, F403
from .xapi import *  # noqa: E402, F403

CELERY_BEAT_SCHEDULE.update(LTI_BEAT_SCHEDULE)
TASK_QUEUE_KINDS.update(LTI_TASK_QUEUE_KINDS)

# Messages a minute per channel across all workers (a shared limiter: Redis when
# DELIVERY_RATE_LIMIT_REDIS_URL is set, else a row in the database). 0: no limit.
DELIVERY_RATE_LIMITS = {
    "email": int(env("DELIVERY_RATE_LIMIT_EMAIL", "3000")),
    "sms": int(env("DELIVERY_RATE_LIMIT_SMS", "3000")),
    "zalo": int(env("DELIVERY_RATE_LIMIT_ZALO", "3000")),
}
_redis_broker = CELERY_BROKER_URL if CELERY_BROKER_URL.startswith(("redis://", "rediss://")) else ""
DELIVERY_RATE_LIMIT_REDIS_URL = env("DELIVERY_RATE_LIMIT_REDIS_URL", (CACHE_URL or "").strip() or _redis_broker)
# Messages per sending task. A sending task renews the lease of the rows it holds every
# DELIVERY_HEARTBEAT_SECONDS; rows whose lease (DELIVERY_LEASE_SECONDS) ran out belong to a dead
# worker and are planned again by the recovery pass (beat, every 30 s). A batch takes no new message
# after DELIVERY_BATCH_BUDGET_SECONDS (well inside the task's soft time limit, 240 s) and hands the
# rest back. See docs/delivery.md.
DELIVERY_BATCH_SIZE = int(env("DELIVERY_BATCH_SIZE", "500"))
DELIVERY_LEASE_SECONDS = int(env("DELIVERY_LEASE_SECONDS", "60"))
DELIVERY_HEARTBEAT_SECONDS = float(env("DELIVERY_HEARTBEAT_SECONDS", "15"))
DELIVERY_BATCH_BUDGET_SECONDS = float(env("DELIVERY_BATCH_BUDGET_SECONDS", "120"))
# A due planned row queued this long ago whose task has not claimed it is queued again (its task was
# lost with the broker or a worker), when the send queue holds at most DELIVERY_REQUEUE_QUEUE_MAX
# messages; when the broker cannot say how long its queue is, after DELIVERY_REQUEUE_SECONDS_BACKLOG.
DELIVERY_REQUEUE_SECONDS = int(env("DELIVERY_REQUEUE_SECONDS", "60"))
DELIVERY_REQUEUE_QUEUE_MAX = int(env("DELIVERY_REQUEUE_QUEUE_MAX", "2"))
DELIVERY_REQUEUE_SECONDS_BACKLOG = int(env("DELIVERY_REQUEUE_SECONDS_BACKLOG", "1800"))
DELIVERY_MAX_ATTEMPTS = int(env("DELIVERY_MAX_ATTEMPTS", "5"))
# Back-off after a temporary provider error: base * 2**(attempt - 1), at most the maximum.
DELIVERY_RETRY_BASE_SECONDS = float(env("DELIVERY_RETRY_BASE_SECONDS", "30"))
DELIVERY_RETRY_MAX_SECONDS = float(env("DELIVERY_RETRY_MAX_SECONDS", "600"))

# Logs to stdout with the request id (core.logs): readable text, or one JSON object per line
# (LOG_FORMAT=json, production's default). Celery's worker logs through the same handler.
LOG_FORMAT = env("LOG_FORMAT", "text")
LOGGING = logging_config(json_lines=LOG_FORMAT == "json", level=env("LOG_LEVEL", "INFO"))
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Errors and slow requests to Sentry, only when SENTRY_DSN is set (no personal data is sent).
SENTRY_DSN = env("SENTRY_DSN", "")
if SENTRY_DSN:
    sentry_init(dsn=SENTRY_DSN, environment=env("SENTRY_ENVIRONMENT", "production"), release=env("SENTRY_RELEASE"))

# Readiness (/readyz, core.health): the checks in order, and how old beat's last send and the oldest
# due unsent message may be (seconds) before the deployment is reported not ready.
READINESS_CHECKS = [
    "core.health.database_check",
    "core.health.cache_check",
    "core.health.broker_check",
    "core.health.beat_check",
    "outreach.health.oldest_due_delivery_check",
]
READINESS_BEAT_MAX_AGE = float(env("READINESS_BEAT_MAX_AGE", "300"))
# A 100,000-person campaign at 3,000 messages a minute takes about 35 minutes to send.
READINESS_DELIVERY_MAX_AGE = float(env("READINESS_DELIVERY_MAX_AGE", "3600"))
READINESS_BROKER_TIMEOUT = float(env("READINESS_BROKER_TIMEOUT", "2"))

# Anonymous writes: "Was this helpful?" answers per client (address, or signed-in person) per window.
FEEDBACK_RATE_LIMIT = int(env("FEEDBACK_RATE_LIMIT", "5"))
FEEDBACK_RATE_WINDOW = int(env("FEEDBACK_RATE_WINDOW", "3600"))
SESSION_COOKIE_HTTPONLY = True
WAGTAILADMIN_USER_LOGIN_FORM = "accounts.forms.AdminLoginForm"

# The profile page (accounts.profile): confirmation links for a new e-mail address sent per person in
# EMAIL_CHANGE_RATE_WINDOW seconds (ten times as many per client address), and how long a link works.
EMAIL_CHANGE_RATE_LIMIT = int(env("EMAIL_CHANGE_RATE_LIMIT", "3"))
EMAIL_CHANGE_RATE_WINDOW = int(env("EMAIL_CHANGE_RATE_WINDOW", "3600"))
EMAIL_CHANGE_MAX_AGE = int(env("EMAIL_CHANGE_MAX_AGE", str(24 * 3600)))
