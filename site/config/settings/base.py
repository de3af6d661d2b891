"""Settings shared by every environment.

`site/` is on sys.path (see manage.py and pyproject.toml), so `config`, `home`
and `people` import as top-level packages; the domain apps live at the root.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, SELF
from django.utils.translation import gettext_lazy as _

SITE_DIR = Path(__file__).resolve().parent.parent.parent
BASE_DIR = SITE_DIR.parent

INSTALLED_APPS = [
    "home",
    "people",
    "courses",
    "exams",
    "competitions",
    "assessment",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "import_export",
    "django_tasks",
    "django_tasks_db",
    "simple_history",
    "axes",
    "csp",
    "health_check",  # /internal/health/ (home.monitoring)
    "django_prometheus",  # /internal/metrics (home.monitoring)
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    # First: every later middleware, view and log line sees the request id (from nginx).
    "home.request_ids.RequestIdMiddleware",
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A quiz show's unchanged poll (304) answers here, before the session and what follows.
    "home.middleware.EarlyAnswerMiddleware",
    # Django's SessionMiddleware; views marked @throttled_session_renewal (an exam's autosave)
    # rewrite the session at most every 5 minutes instead of on every request.
    "home.middleware.SessionRenewalMiddleware",
    "home.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "home.middleware.AdminSecurityPolicyMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Who made a change, for the evaluation log (django-simple-history).
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it reads the outcome of authentication.
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SITE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "csp.context_processors.nonce",
                "people.context_processors.roles",
                "courses.context_processors.header_counts",
            ],
        },
    },
]

# SQLite under the project by default; DATABASE_URL selects PostgreSQL (or another SQLite file).
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=60,
        # A kept connection is checked before a request reuses it: after a database restart the
        # first request reconnects instead of failing (the PostgreSQL restart drill, bench/).
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent writers (a worker beside the web server) wait instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend with the 工号/username matched in any letter case (people.auth).
    "people.auth.StaffNumberBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {
        "NAME": "people.validators.CharacterClassValidator",
        "OPTIONS": {"min_classes": 3},
    },
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "/"
# Activation links for new staff stay valid for a week.
PASSWORD_RESET_TIMEOUT = 7 * 24 * 3600

# Idle sessions end after 30 minutes: every request renews the cookie (the session row's
# expiry), except that the views marked @throttled_session_renewal (home.middleware) renew
# it at most every 5 minutes.
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True

# django-axes: 5 failures for one username from one IP lock that pair for 30 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Failures count under the account's stored username whatever the letter case typed, and
# 30 failures from one address within the cool-off time lock that address (password
# spraying: a few guesses at each of many accounts). See people/auth.py.
AXES_USERNAME_CALLABLE = "people.auth.axes_username"
AXES_HANDLER = "people.auth.FrontlineAxesHandler"
AXES_IP_FAILURE_LIMIT = 30
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
# The one trusted-proxy setting: how many reverse proxies stand in front of Django (production
# reads DJANGO_PROXY_COUNT). The login lockout and the rating page's limits read the client's
# address through the same function, which trusts X-Forwarded-For only that far from the right.
AXES_IPWARE_PROXY_COUNT = 0
AXES_CLIENT_IP_CALLABLE = "home.client_address.client_ip"

# The public rating page (/rate/<window>/): limits per client address, per window from one
# address and per device cookie (an extra signal only), as (max ratings, seconds). Counters
# live in the cache (Redis in production when REDIS_URL is set), shared by every worker.
RATE_PAGE_LIMITS = {
    "ip": (120, 10 * 60),
    "ip-window": (30, 10 * 60),
    "device": (10, 60 * 60),
    "device-window": (2, 10 * 60),
}
# 可疑 (suspicious): this many bad ratings (不满意/非常不满意) about one staff member within this
# many seconds from one network (/24 for IPv4, /64 for IPv6) are held out of every score until
# a supervisor accepts them on the bad-review case.
RATING_BURST_COUNT = 3
RATING_BURST_SECONDS = 60 * 60

# Security headers.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"  # the admin allows same-origin frames (home.middleware)
# Scripts only from our origin or with the request's nonce; the Wagtail admin, which
# needs inline scripts, is relaxed by home.middleware.AdminSecurityPolicyMiddleware.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "style-src": [SELF, "'unsafe-inline'"],
        "script-src": [SELF, NONCE],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "frame-ancestors": ["'none'"],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": ["'none'"],
    }
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [SITE_DIR / "locale"]
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
# Dates as 2026-12-05 and 2026-12-05 09:30 in every language (config/formats), Beijing time
# for everyone: no per-user time zone among 400 foreign ones.
FORMAT_MODULE_PATH = ["config.formats"]
WAGTAIL_USER_TIME_ZONES = [TIME_ZONE]
WAGTAIL_CONTENT_LANGUAGES = [("zh-hans", "简体中文")]

STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
# plotly.js is our own partial bundle (site/static/plotly, built by site/home/plotly_bundle):
# only the trace types our charts use, served by us (intranets have no CDN).
STATICFILES_DIRS = [SITE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STATIC_URL = "/static/"
MEDIA_ROOT = BASE_DIR / "media"
MEDIA_URL = "/media/"
# Private files (import uploads, inspection photos) live outside MEDIA_ROOT, under no served
# URL: home.private_files serves them to the roles allowed, through nginx's X-Accel-Redirect
# when PRIVATE_MEDIA_X_ACCEL_PREFIX is set (production), else from Django.
PRIVATE_MEDIA_ROOT = BASE_DIR / "private_media"
PRIVATE_MEDIA_X_ACCEL_PREFIX = ""
# An upload previewed but not confirmed within this many hours is abandoned and its file
# deleted (manage.py purge_import_files).
IMPORT_FILE_RETENTION_HOURS = 24
# Bounds of an import file (home.spreadsheets.Limits): data rows of the streamed imports
# (attendance, ratings) and of those held whole (roster, questions, training); cells of a
# sheet's area (an xlsx can declare a million rows in 2 KB; calamine holds the rectangle at
# ~32 bytes a cell); decompressed XML of an xlsx. Beyond them the file is refused at once.
IMPORT_MAX_ROWS = 1_000_000
IMPORT_MAX_ROWS_SMALL = 50_000
IMPORT_MAX_CELLS = 16_000_000
IMPORT_MAX_XML_BYTES = 1024 * 1024 * 1024
# The ratings API refuses a larger JSON body with 413 (a rating is well under 4 KiB).
RATINGS_API_MAX_BODY_BYTES = 64 * 1024
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # base_url: the guarded view (home.private_views), never /media/.
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": "/private/"},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

WAGTAIL_SITE_NAME = "窗口服务能力提升平台"
# Intranets cannot reach the internet: no update check against releases.wagtail.org.
WAGTAIL_ENABLE_UPDATE_CHECK = False
# Chinese is found anywhere in a title or body, not only from a word's start (home/search.py).
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "home.search"}}
WAGTAILADMIN_BASE_URL = "http://127.0.0.1:8000"
# Lesson videos are documents too: intranets cannot reach video sites.
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "txt", "xlsx", "zip", "mp4", "webm"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 300 * 1024 * 1024
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAIL_PASSWORD_RESET_ENABLED = False
# Wagtail's login form with a translated password label (home/admin_language.py).
WAGTAILADMIN_USER_LOGIN_FORM = "home.admin_language.AdminLoginForm"
WAGTAILADMIN_LOGIN_URL = "/admin/login/"
# Private pages (the learning centre) send visitors to our own login page.
WAGTAIL_FRONTEND_LOGIN_URL = "/accounts/login/"

IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = True
# Formula-like cells are escaped by home.spreadsheets.export_bytes, which keeps numbers
# numeric (django-import-export's own escaping turns every cell into text).
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = False

FRONTLINE_NAME = _("Frontline")

# Every record carries the request id (home.request_ids); production writes one JSON object a
# line (DJANGO_LOG_FORMAT=json), which journald keeps (deploy/, docs/operations.md).
LOG_FORMAT = os.environ.get("DJANGO_LOG_FORMAT", "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "home.request_ids.RequestIdLogFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "home.request_ids.JsonLogFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["request_id"], "formatter": LOG_FORMAT},
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "frontline": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django_tasks": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
