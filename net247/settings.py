"""The one settings module: everything configurable comes from the environment.

Two deployments:
- embedded (DATABASE_URL unset): SQLite under NODE_VAR_DIR, in-process channel layer and
  background work, a generated SECRET_KEY kept under NODE_VAR_DIR. Needs no server.
- production (DATABASE_URL set): PostgreSQL; REDIS_URL gives the Celery broker and the
  channel layer. Refuses to start without SECRET_KEY.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from string import ascii_uppercase

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue

from net247.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("NODE_VAR_DIR", str(BASE_DIR / "var"))).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)
# /readyz says "disk full" below this much free space under VAR_DIR (default 16 MiB).
READYZ_MIN_FREE_BYTES = env_int("READYZ_MIN_FREE_BYTES", 16 * 1024 * 1024)

COUNTRY_TIME_ZONES = {
    "KZ": "Asia/Almaty",
    "KG": "Asia/Bishkek",
    "UZ": "Asia/Tashkent",
    "TJ": "Asia/Dushanbe",
    "MD": "Europe/Chisinau",
}

NODE_COUNTRY = env_str("NODE_COUNTRY", "KZ").upper()
NODE_URL = env_str("NODE_URL", "http://127.0.0.1:8000").rstrip("/")
NODE_KEY_DIR = Path(env_str("NODE_KEY_DIR", str(VAR_DIR / "keys")))

DATABASE_URL = env_str("DATABASE_URL")
REDIS_URL = env_str("REDIS_URL")
# Put before every Redis key this node writes (broker, channel layer, cache, rate counters),
# so nodes or suites that share one Redis database never take each other's tasks.
REDIS_KEY_PREFIX = env_str("REDIS_KEY_PREFIX")
DEPLOYMENT = env_str("NODE_DEPLOYMENT", "production" if DATABASE_URL else "embedded")
EMBEDDED = DEPLOYMENT == "embedded"

# A benchmark federation larger than the five (bench/federation_scale.py) adds nodes with
# ISO 3166-1 user-assigned codes, which name no state (AA, QM-QZ, XA-XZ, ZZ), on UTC.
# Never in production: there every node is one of the countries above.
USER_ASSIGNED_COUNTRIES = frozenset(
    ["AA", "ZZ", *(f"Q{c}" for c in "MNOPQRSTUVWXYZ"), *(f"X{c}" for c in ascii_uppercase)]
)
_extra = [c.upper() for c in env_list("NODE_EXTRA_COUNTRIES", [])]
if _extra and DEPLOYMENT == "production":
    raise ImproperlyConfigured("NODE_EXTRA_COUNTRIES is for benchmarks: not in production.")
if set(_extra) - USER_ASSIGNED_COUNTRIES:
    raise ImproperlyConfigured(
        "NODE_EXTRA_COUNTRIES takes ISO 3166-1 user-assigned codes only (AA, QM-QZ, XA-XZ,"
        f" ZZ), not {sorted(set(_extra) - USER_ASSIGNED_COUNTRIES)}"
    )
COUNTRY_TIME_ZONES.update(dict.fromkeys(_extra, "UTC"))
if NODE_COUNTRY not in COUNTRY_TIME_ZONES:
    raise ImproperlyConfigured(
        f"NODE_COUNTRY must be one of {sorted(COUNTRY_TIME_ZONES)}, not {NODE_COUNTRY!r}"
    )

DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key:
        return key
    if not EMBEDDED:
        raise ImproperlyConfigured("SECRET_KEY (or SECRET_KEY_FILE) is required in production.")
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# The project's own apps, listed after the framework's (whose ready() they build on).
PROJECT_APPS = ["node", "accounts", "audit", "exchange", "legal_map", "alerts", "cases"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "axes",
    "channels",
    "django_filters",
    "django_htmx",
    *PROJECT_APPS,
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "audit.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.middleware.RussianByDefaultMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.RequireTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Content-Security-Policy: only the node's own scripts, styles and sockets; no inline script
# or style, nothing framed, forms posted only here. Every page's assets are its own files.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

ROOT_URLCONF = "net247.urls"
WSGI_APPLICATION = "net247.wsgi.application"
ASGI_APPLICATION = "net247.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "node.context_processors.node",
            ],
        },
    },
]

DB_POOL_MAX_SIZE = env_int("DB_POOL_MAX_SIZE", 8)
if DATABASE_URL:
    # PostgreSQL forks a backend per connection; under ASGI every request runs in a new
    # thread, so without a pool each request and task paid a fresh connection. A psycopg
    # pool per process (DB_POOL_MAX_SIZE > 0) hands connections across threads;
    # DB_POOL_MAX_SIZE=0 falls back to Django's per-thread connections (DB_CONN_MAX_AGE).
    # Pool and prepared statements are psycopg's: a DATABASE_URL naming another engine
    # (sqlite:///... for a benchmark's throw-away database) gets neither.
    _postgres = "postgresql" in dj_database_url.parse(DATABASE_URL)["ENGINE"]
    if _postgres and DB_POOL_MAX_SIZE > 0:
        DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": DB_POOL_MAX_SIZE,
            "timeout": 30,
        }
    else:
        DATABASES = {
            "default": dj_database_url.parse(
                DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
            )
        }
    # Prepared statements only where the code asks (net247.db.fetch: the inbox's few hot
    # statements); Django's own queries are bound client-side and never prepared (the
    # threshold is out of reach). Django turns them off by default for poolers such as
    # PgBouncer in transaction mode before 1.21: DB_PREPARED_STATEMENTS=0 there.
    if _postgres and env_bool("DB_PREPARED_STATEMENTS", True):
        DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 1_000_000
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "db.sqlite3"),
            # Persistent connections: opening SQLite and reading its schema on every request
            # costs more than the inbox's own work. WAL: readers do not wait for the writer.
            "CONN_MAX_AGE": None,
            "OPTIONS": {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;"
                ),
            },
            # Per process, so that parallel test runs on one machine never share a file.
            "TEST": {"NAME": str(VAR_DIR / f"test_db_{os.getpid()}.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# django-guardian's stand-in row for anonymous visitors (its default name, declared here
# because accounts.selectors.people() leaves it out).
ANONYMOUS_USER_NAME = "AnonymousUser"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # A ministry's policy: 12 characters at least; Django's list of 20,000 common
    # passwords (shipped with it, offline) stands in for a breached-password list.
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not EMBEDDED)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Addresses whose X-Real-IP and X-Request-ID are believed: the kit's nginx on this machine.
# An embedded node has no proxy; a header from a client there is only a claim.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [] if EMBEDDED else ["127.0.0.1", "::1"])
# /metrics answers a loopback client (as TRUSTED_PROXIES' X-Real-IP says) and, with this
# set, anyone sending `Authorization: Bearer <METRICS_TOKEN>` (net247/metrics.py).
METRICS_TOKEN = env_str("METRICS_TOKEN")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if not EMBEDDED else None
X_FRAME_OPTIONS = "DENY"

# Five wrong passwords are tolerated; the sixth locks the account (issue 2). axes locks on
# the failure that reaches the limit, hence 6.
AXES_FAILURE_LIMIT = 6
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 30) / 60
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.lockout_response"

OTP_TOTP_ISSUER = f"net247 {NODE_COUNTRY}"

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
# Django merges catalogues with LOCALE_PATHS on top, then apps in INSTALLED_APPS order:
# listed after django.contrib.admin, our apps' words lost to the admin's ("Summary" became
# "Краткая статистика"). Naming every app's catalogue here puts ours above every
# third-party one (tests/test_translations.py holds it). Two of our apps must not translate
# one msgid two ways: that test fails on it too (use a msgctxt).
LOCALE_PATHS = [
    BASE_DIR / "locale",
    *(BASE_DIR / app / "locale" for app in PROJECT_APPS if (BASE_DIR / app / "locale").is_dir()),
]
USE_I18N = True
USE_TZ = True
TIME_ZONE = COUNTRY_TIME_ZONES[NODE_COUNTRY]

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.BearerTokenAuthentication",
        "accounts.authentication.TwoFactorSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "net247.api.Pagination",
    "DEFAULT_PARSER_CLASSES": [
        "net247.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "net247.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "net247 node API",
    "DESCRIPTION": "National node of the net247 cross-border case exchange.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema maps every endpoint and field: for signed-in users (token or session), not
    # for whoever reaches the node's address.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
}

# Channels: Redis when configured, else in-process.
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # redis-py 8 reads with a 5-s socket timeout, the same as channels_redis's
            # blocking pop: an idle consumer crashed with TimeoutError. Read longer.
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "socket_timeout": 15}],
                "prefix": f"{REDIS_KEY_PREFIX}asgi",
                "capacity": 1000,
                "expiry": 30,
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_KEY_PREFIX,
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Background work: Celery workers with Redis; a thread pool inside `node run` without.
BACKGROUND = "celery" if REDIS_URL else "inprocess"
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 300, "global_keyprefix": REDIS_KEY_PREFIX}
# Escalation and paging have a queue of their own, so that a backlog of federation work
# (a peer back after an outage) never delays a page. A worker given no -Q consumes both
# (`node run --with-worker`); production runs one worker per queue (deploy/production).
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = (Queue("celery", routing_key="celery"), Queue("alerts", routing_key="alerts"))
CELERY_TASK_ROUTES = {"alerts.tasks.*": {"queue": "alerts"}}
# Minutes between signed checkpoints of the audit log sent to the peers to witness.
AUDIT_CHECKPOINT_MINUTES = env_int("AUDIT_CHECKPOINT_MINUTES", 10)
# The periodic work of every app; `node run` plays the same schedule in-process.
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "exchange-sweep-outbox": {"task": "exchange.tasks.sweep_outbox", "schedule": 10.0},
    "exchange-send-checkpoints": {
        "task": "exchange.tasks.send_checkpoints",
        "schedule": 60.0 * max(1, AUDIT_CHECKPOINT_MINUTES),
    },
    "alerts-sweep-escalations": {"task": "alerts.tasks.sweep_escalations", "schedule": 10.0},
    # Private match (issue 22): rebuild the cached setup when the local indicators changed.
    "cases-refresh-match-setup": {"task": "cases.tasks.refresh_match_setup", "schedule": 60.0},
}

# Federation exchange: per-peer inbox rate limit (requests/s and burst) and delivery back-off.
EXCHANGE_INBOX_RATE = env_int("EXCHANGE_INBOX_RATE", 50)
EXCHANGE_INBOX_BURST = env_int("EXCHANGE_INBOX_BURST", 200)
EXCHANGE_RETRY_BASE_SECONDS = env_int("EXCHANGE_RETRY_BASE_SECONDS", 2)
EXCHANGE_RETRY_MAX_SECONDS = env_int("EXCHANGE_RETRY_MAX_SECONDS", 600)
# A failing peer's GET /keys is probed this often, so its return is noticed in seconds
# however long its back-off has grown.
EXCHANGE_PROBE_SECONDS = env_int("EXCHANGE_PROBE_SECONDS", 10)
# Rejected envelopes audited per source and window (s); the rest are counted in one entry.
EXCHANGE_REJECTION_AUDIT_LIMIT = env_int("EXCHANGE_REJECTION_AUDIT_LIMIT", 30)
EXCHANGE_REJECTION_AUDIT_WINDOW = env_int("EXCHANGE_REJECTION_AUDIT_WINDOW", 60)
# Peers over plain http:// only where nothing leaves the machine unencrypted by design:
# the embedded default and the local federation runner (deploy.federation sets it).
EXCHANGE_PLAIN_HTTP_PEERS = env_bool("EXCHANGE_PLAIN_HTTP_PEERS", DEPLOYMENT == "embedded")

# Private match (issue 22, extension of federation v1): off -> `match.query` is answered
# 422 `unsupported`. Per peer and UTC day: at most QUERIES queries and ITEMS items (429
# `rate_limited` beyond), at most MAX_ITEMS items in one query (the cached setup's design
# size: its false-positive bound holds up to it).
PRIVATE_MATCH_ENABLED = env_bool("PRIVATE_MATCH_ENABLED", True)
PRIVATE_MATCH_DAILY_QUERIES = env_int("PRIVATE_MATCH_DAILY_QUERIES", 50)
PRIVATE_MATCH_DAILY_ITEMS = env_int("PRIVATE_MATCH_DAILY_ITEMS", 2000)
PRIVATE_MATCH_MAX_ITEMS = env_int("PRIVATE_MATCH_MAX_ITEMS", 500)
# Opt-in (node policy): a new local case's indicators are checked with every peer in the
# background, as its creator.
PRIVATE_MATCH_AUTO = env_bool("PRIVATE_MATCH_AUTO", False)

# Alerts: a peer that says nothing (no message, receipt or key document) this long counts
# as silent and raises `peer_silent`; a failed e-mail or webhook delivery is retried after
# about BASE seconds, doubling.
ALERTS_PEER_SILENCE_MINUTES = env_int("ALERTS_PEER_SILENCE_MINUTES", 60)
ALERTS_RETRY_BASE_SECONDS = env_int("ALERTS_RETRY_BASE_SECONDS", 10)

# Audit status on every page: the whole chain is walked again at most this often (seconds);
# in between only the entries appended since the last walk are checked.
AUDIT_FULL_VERIFY_SECONDS = env_int("AUDIT_FULL_VERIFY_SECONDS", 300)

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
# With the file-based backend (the demo's), each message is a file in this directory.
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = env_str("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# Seconds an SMTP connection or command may take: a hung mail server must not hold a page.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"net247-{NODE_COUNTRY.lower()}@localhost")

DEMO_MODE = env_bool("NODE_DEMO", False)
# A demo node shows the current TOTP code on its login page: never where real data may be.
# NODE_DEPLOYMENT=embedded does not lift this for a node on a database server.
if DEMO_MODE and (not EMBEDDED or DATABASE_URL.startswith(("postgres:", "postgresql:"))):
    raise ImproperlyConfigured("NODE_DEMO is refused on a production node.")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
SPECTACULAR_SETTINGS.update(
    {
        "SWAGGER_UI_DIST": "SIDECAR",
        "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
        "REDOC_DIST": "SIDECAR",
    }
)

# We lock the account (the sixth wrong password locks it whatever the address);
# per-address throttling of the whole site is the reverse proxy's job (deploy/).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_VERBOSE = False
LOGGING["loggers"]["axes"] = {"level": "WARNING"}  # type: ignore[index]
