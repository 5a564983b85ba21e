"""Settings, all read from the environment (see the configuration table in README.md).

With nothing set, Legible runs embedded: SQLite, media and broker under ./var/, and a secret
key generated once.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

import dj_database_url
from kombu import Exchange, Queue

from .env import SettingError, env_bool, env_choice, env_int, env_list, env_str

_RATE = re.compile(r"^\d+/(s|sec|second|m|min|minute|h|hour|d|day)$")


def _env_rate(name: str, default: str) -> str:
    """A throttle rate such as "600/minute", checked now rather than on the first request."""
    value = env_str(name, default) or default
    if not _RATE.match(value):
        raise SettingError(f"{name}={value!r} is not a rate; write it as e.g. 600/minute or 10/s.")
    return value


BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("LEGIBLE_VAR_DIR", str(BASE_DIR / "var")) or "var").resolve()


def _private_dir(path: Path) -> None:
    """Make `path` readable by its owner only when we create it: it holds the database (API
    tokens, password hashes), the secret key and people's scans."""
    if not path.exists():
        path.mkdir(parents=True, mode=0o700, exist_ok=True)
        path.chmod(0o700)  # whatever the umask left


def _private_file(path: Path) -> None:
    """Create `path` empty and owner-only, or make it owner-only if it is ours. SQLite then fills
    it, and gives its -wal and -shm files the same mode."""
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    for part in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if part.exists() and part.stat().st_uid == os.getuid():
            part.chmod(0o600)


_private_dir(VAR_DIR)

DEBUG = env_bool("DEBUG", False)

_database_url = env_str("DATABASE_URL")
# Embedded mode: no external services were configured, so everything lives under ./var/.
EMBEDDED = _database_url is None


def _secret_key() -> str:
    value = env_str("SECRET_KEY")
    if value:
        return value
    if not EMBEDDED and not DEBUG:
        raise SettingError("SECRET_KEY is required when DEBUG is off and DATABASE_URL is set.")
    path = VAR_DIR / "secret-key.txt"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Served over HTTPS (a reverse proxy in front that terminates TLS and says so in
# X-Forwarded-Proto): cookies only over HTTPS, HSTS, and requests seen as secure.
LEGIBLE_HTTPS = env_bool("LEGIBLE_HTTPS", False)
if LEGIBLE_HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # Trust the header only behind a proxy that sets it (and strips a client's own).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("LEGIBLE_HSTS_SECONDS", 365 * 24 * 3600, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("LEGIBLE_HSTS_SUBDOMAINS", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

try:
    DATABASES = {
        "default": dj_database_url.parse(
            _database_url or f"sqlite:///{VAR_DIR / 'legible.sqlite3'}", conn_max_age=60
        )
    }
except ValueError as exc:
    raise SettingError(f"DATABASE_URL is not a database URL we understand: {exc}") from None

if _database_url is None:
    _private_file(VAR_DIR / "legible.sqlite3")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # The web server and the worker write at once: WAL lets readers go on while one writes,
        # IMMEDIATE takes the write lock up front so two writers queue instead of deadlocking.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    # A file, not memory, so that a Celery worker started by the tests sees the same database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-legible.sqlite3")}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    # Swagger UI and Redoc files served from our own /static/: the docs page needs no CDN.
    "drf_spectacular_sidecar",
    "ocr",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "ocr.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before CSRF, which reads a form's whole body: too large is refused unread.
    "ocr.middleware.UploadSizeMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "ocr.middleware.LoginThrottleMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"  # for collectstatic in production images
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")) or "").resolve()
_private_dir(MEDIA_ROOT)
# Uploaded files and page images: owner-only, as the folder they are in.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
# Where uploads and page images live: files under MEDIA_ROOT (embedded, one machine), or an
# S3-compatible bucket that web and workers on several machines share.
OCR_STORAGE = env_choice("OCR_STORAGE", "local", ["local", "s3"])


def _default_storage() -> dict[str, object]:
    if OCR_STORAGE == "local":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    bucket = env_str("OCR_S3_BUCKET")
    if not bucket:
        raise SettingError("OCR_STORAGE=s3 needs OCR_S3_BUCKET, the bucket's name.")
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            # MinIO, Ceph, Garage, ...; unset means AWS itself.
            "endpoint_url": env_str("OCR_S3_ENDPOINT_URL"),
            "region_name": env_str("OCR_S3_REGION", "us-east-1"),
            # Unset: boto3's own chain (AWS_* variables, an instance role).
            "access_key": env_str("OCR_S3_ACCESS_KEY_ID"),
            "secret_key": env_str("OCR_S3_SECRET_ACCESS_KEY"),
            "location": env_str("OCR_S3_PREFIX", "") or "",
            # Never overwrite: two uploads of the same name keep both files.
            "file_overwrite": False,
            # Files are only ever served through the app's own views, which check access.
            "default_acl": None,
            "querystring_auth": True,
        },
    }


STORAGES = {
    "default": _default_storage(),
    # Plain storage: whitenoise serves STATICFILES_DIRS directly, no collectstatic step needed.
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Uploads larger than this are refused before they are read; the default fits a 300-page PDF
# of scans at 300 dpi (about 1.5 MB a page).
OCR_MAX_UPLOAD_MB = env_int("OCR_MAX_UPLOAD_MB", 500, minimum=1)
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024  # larger uploads spill to a temporary file
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "ocr.uploads.SafeNameTemporaryFileUploadHandler",  # whatever the file's name
]
# A page larger than this (width x height) is refused before it is decoded: 100 MP fits a
# 600-dpi A3 scan and stops decompression bombs.
OCR_MAX_IMAGE_PIXELS = env_int("OCR_MAX_IMAGE_PIXELS", 100_000_000, minimum=1_000)
OCR_MAX_PDF_PAGES = env_int("OCR_MAX_PDF_PAGES", 1000, minimum=1)
OCR_MAX_VIDEO_SECONDS = env_int("OCR_MAX_VIDEO_SECONDS", 600, minimum=1)
OCR_MAX_VIDEO_FRAMES = env_int("OCR_MAX_VIDEO_FRAMES", 1200, minimum=1)
OCR_MAX_ZIP_MEMBERS = env_int("OCR_MAX_ZIP_MEMBERS", 500, minimum=1)
OCR_MAX_ZIP_MB = env_int("OCR_MAX_ZIP_MB", 2048, minimum=1)
# Large page images decoded at once per web process (overlay and PDF exports, line crops of
# large pages, previews of pages read before previews existed); others wait, then answer 503.
# A 100 MP page is 300 MB decoded and several times that to draw on.
OCR_WEB_DECODE_SLOTS = env_int("OCR_WEB_DECODE_SLOTS", 1, minimum=1)
OCR_WEB_DECODE_WAIT_SECONDS = env_int("OCR_WEB_DECODE_WAIT_SECONDS", 30, minimum=1)
# Defaults of how a file is read; an upload may choose its own.
OCR_PDF_DPI = env_int("OCR_PDF_DPI", 200, minimum=50, maximum=600)
OCR_VIDEO_INTERVAL_MS = env_int("OCR_VIDEO_INTERVAL_MS", 1000, minimum=40)
OCR_DEVICE = env_choice("OCR_DEVICE", "auto", ["auto", "cpu", "cuda"])
# The engine reads both from the environment itself; checked here to fail fast at start-up.
OCR_RUNTIME = env_choice("OCR_RUNTIME", "auto", ["auto", "onnxruntime", "torch"])
_model_dir = env_str("OCR_MODEL_DIR")
OCR_MODEL_DIR = Path(_model_dir).resolve() if _model_dir else VAR_DIR / "models"
if _model_dir and not OCR_MODEL_DIR.is_dir():
    raise SettingError(f"OCR_MODEL_DIR={_model_dir!r} is not a folder.")
# A running run whose worker has not reported for this long is taken to be dead and queued again.
OCR_RUN_STALE_SECONDS = env_int("OCR_RUN_STALE_SECONDS", 120, minimum=2)
OCR_RUN_MAX_ATTEMPTS = env_int("OCR_RUN_MAX_ATTEMPTS", 3, minimum=1)
OCR_RUN_QUEUE = env_str("OCR_RUN_QUEUE", "ocr") or "ocr"
# A run's pages are read in chunks of this many, each a task any worker may take. Measured in
# README "Measured": per-chunk overhead is small next to a page, and smaller chunks spread a
# big input over more workers and lose less when one dies.
OCR_CHUNK_PAGES = env_int("OCR_CHUNK_PAGES", 4, minimum=1, maximum=1000)
# Inputs of at most this many pages are interactive: their chunks go to OCR_RUN_QUEUE, longer
# inputs' to OCR_BULK_QUEUE. Workers consume both and alternate between them, so a person's
# page waits for at most one chunk of bulk work per worker.
OCR_INTERACTIVE_PAGES = env_int("OCR_INTERACTIVE_PAGES", 4, minimum=1)
OCR_BULK_QUEUE = env_str("OCR_BULK_QUEUE", f"{OCR_RUN_QUEUE}-bulk") or f"{OCR_RUN_QUEUE}-bulk"
if OCR_BULK_QUEUE == OCR_RUN_QUEUE:
    raise SettingError("OCR_BULK_QUEUE must differ from OCR_RUN_QUEUE, or bulk work blocks people.")
# Trainings go to a queue of their own, so GPU machines can take them and OCR keeps flowing.
OCR_TRAIN_QUEUE = env_str("OCR_TRAIN_QUEUE", "train") or "train"
if OCR_TRAIN_QUEUE in (OCR_RUN_QUEUE, OCR_BULK_QUEUE):
    raise SettingError("OCR_TRAIN_QUEUE must differ from the OCR queues, or trainings block them.")
OCR_DEFAULT_WORKFLOW = "default"

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://") or "filesystem://"
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # Exchange bindings; kombu's default is ./control in whatever folder the process runs.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
        # An idle worker looks for new messages this often (kombu's default is every second,
        # which a person uploading one page waited for twice: the run, then its chunk).
        "polling_interval": 0.2,
    }
CELERY_TASK_DEFAULT_QUEUE = OCR_RUN_QUEUE


def _caches() -> dict[str, dict[str, object]]:
    """Where rate-limit counters live: a store every web process shares, or N gunicorn processes
    would each allow the whole rate. Redis when one is configured (CACHE_URL, else a redis://
    broker, as in docker-compose), else a table of the database (created by migration 0011)."""
    url = env_str("CACHE_URL")
    if url is None and CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        url = CELERY_BROKER_URL
    if url is None or url == "db":
        return {
            "default": {
                "BACKEND": "django.core.cache.backends.db.DatabaseCache",
                "LOCATION": CACHE_TABLE,
                # Django culls a third of the rows past MAX_ENTRIES: a counter culled is a
                # limit forgotten, so room for one per user, IP and scope of a large site.
                "OPTIONS": {"MAX_ENTRIES": 100_000},
                "KEY_PREFIX": "legible",
            }
        }
    if url.startswith(("redis://", "rediss://")):
        return {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": url,
                "KEY_PREFIX": "legible",
            }
        }
    raise SettingError(f"CACHE_URL={url!r} is neither db nor a redis:// URL.")


CACHE_TABLE = "legible_cache"
CACHES = _caches()
_queues = (OCR_RUN_QUEUE, OCR_BULK_QUEUE, OCR_TRAIN_QUEUE)
# What a worker started without --queues consumes: people's work, bulk work and trainings.
# Celery takes from its queues in turn, so bulk chunks never keep a short input waiting long.
# Each queue has an exchange and routing key of its own: bound to the default exchange under the
# default key, a bulk chunk's message would be delivered to the people's queue as well.
CELERY_TASK_QUEUES = tuple(Queue(name, Exchange(name), routing_key=name) for name in _queues)
CELERY_TASK_IGNORE_RESULT = True
# The database says what must happen; a message is only a nudge. Ack after the work so a
# worker killed mid-run leaves the message to be delivered again, and take one at a time.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "ocr.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "ocr.api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # `?format=` belongs to the export endpoint (API.md), not to DRF's renderer switch.
    "URL_FORMAT_OVERRIDE": None,
    "DEFAULT_SCHEMA_CLASS": "ocr.api.schema.AutoSchema",
    # Each class reads its rate from the OCR_API_* settings below on every request (see
    # ocr/api/throttling.py), so no DEFAULT_THROTTLE_RATES here.
    "DEFAULT_THROTTLE_CLASSES": [
        "ocr.api.throttling.UserRateThrottle",
        "ocr.api.throttling.UploadRateThrottle",
        "ocr.api.throttling.AnonRateThrottle",
    ],
    # How many reverse proxies put their hop in X-Forwarded-For. 0 takes REMOTE_ADDR, which a
    # client cannot forge; DRF's default (None) trusts the header and lets anyone dodge the
    # per-IP limits. Behind one proxy (nginx, a load balancer) set OCR_API_NUM_PROXIES=1.
    "NUM_PROXIES": env_int("OCR_API_NUM_PROXIES", 0, minimum=0),
}
# Throttle rates. Counters live in the default cache (CACHES above), which web processes share.
# Every request of a signed-in user or token:
OCR_API_RATE = _env_rate("OCR_API_RATE", "600/minute")
# Requests that start OCR work (uploads, new runs), counted on top of OCR_API_RATE:
OCR_API_UPLOAD_RATE = _env_rate("OCR_API_UPLOAD_RATE", "120/minute")
# Anonymous requests per IP address, the token endpoint included: slows password guessing.
OCR_API_ANON_RATE = _env_rate("OCR_API_ANON_RATE", "30/minute")
# Failed sign-ins (browser, admin and token endpoint alike) before the sign-in pages answer 429,
# per user name and per IP address, within a window that starts at the first failure. A success
# clears the user name's count.
OCR_LOGIN_FAILURES_PER_USER = env_int("OCR_LOGIN_FAILURES_PER_USER", 10, minimum=1)
OCR_LOGIN_FAILURES_PER_IP = env_int("OCR_LOGIN_FAILURES_PER_IP", 30, minimum=1)
OCR_LOGIN_WINDOW_MINUTES = env_int("OCR_LOGIN_WINDOW_MINUTES", 15, minimum=1)

SPECTACULAR_SETTINGS = {
    "TITLE": "Legible API",
    "DESCRIPTION": (
        "Upload scans, run OCR workflows, read and edit the text, export it. Authenticate with "
        "`Authorization: Token <token>` (from POST /api/v1/auth/token/) or a browser session. "
        'Errors answer `{"detail": str, "errors": {field: [str]}}`.'
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Tags and operation ids start after the version prefix: "apps", "inputs", ...
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SCHEMA_PATH_PREFIX_TRIM": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "RunStatusEnum": "ocr.models.Run.Status",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO") or "INFO"},
}
