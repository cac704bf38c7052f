"""Django settings for Glasshouse: every value from the environment, with a safe local default."""

import secrets
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A .env beside manage.py is read when present; real environment variables win over it.
env.read_env(BASE_DIR / ".env", overwrite=False)


def _setting(name: str, default: str) -> str:
    """A string setting whose empty value means the default, as .env.example leaves them."""
    return env.str(name, default="") or default


# Everything the embedded default writes (SQLite file, broker folders, beat schedule) lives here.
DATA_DIR = Path(_setting("DATA_DIR", str(BASE_DIR / "data"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """The configured SECRET_KEY, or one generated once and kept in DATA_DIR for local runs."""
    if configured := env.str("SECRET_KEY", default=""):
        return configured
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "registry",
    "audits",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # ETags from the response body and 304 answers to If-None-Match / If-Modified-Since.
    "django.middleware.http.ConditionalGetMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "registry.urls"
# Moderators sign in through the admin's login page.
LOGIN_URL = "/admin/login/"
# Bodies larger than this are refused (413 on the API); submissions are a few hundred bytes.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=262_144)
WSGI_APPLICATION = "registry.wsgi.application"

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

# --- Database ---------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url_config(
        _setting("DATABASE_URL", f"sqlite:///{DATA_DIR / 'glasshouse.sqlite3'}")
    ),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes; IMMEDIATE takes the write lock at
    # BEGIN so two writers queue on the busy timeout instead of failing with "database is locked".
    # Tests keep their SQLite database in a file so that a worker process can share it.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA busy_timeout=20000;"
            ),
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(_setting("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": _setting(
            "STATICFILES_STORAGE", "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Cache ------------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- Security (on by default whenever DEBUG is off; HTTPS settings opt in behind a proxy) -------
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_HTTPS_PROXY", default=False) else None
)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
# The proxies in front of the site that append to X-Forwarded-For. Rate limits believe that
# header only as far as these wrote it; 0 counts every client by the connection's address.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
if NUM_PROXIES < 0:
    raise ImproperlyConfigured(f"NUM_PROXIES must be 0 or more, not {NUM_PROXIES}.")

# Only the site's own files run, load and style: no inline script or style attribute, no eval,
# no other host. A page with inline code it cannot avoid (the API docs) marks it with the
# request's nonce, which the header then names; pages that use none send no nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- REST framework ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON nested thousands deep is a 400, not a RecursionError.
    "DEFAULT_PARSER_CLASSES": [
        "registry.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # DRF's throttles, reading on while the cache is down and refusing writes with 503.
    "DEFAULT_THROTTLE_CLASSES": [
        "registry.throttles.AnonRateThrottle",
        "registry.throttles.UserRateThrottle",
        "registry.throttles.ScopedRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_ANON_RATE", default="600/minute"),
        "user": env.str("API_USER_RATE", default="1200/minute"),
        "submissions": env.str("API_SUBMISSION_RATE", default="10/hour"),
    },
    # DRF's own reading of X-Forwarded-For agrees with registry.throttles.client_address.
    "NUM_PROXIES": NUM_PROXIES,
    "EXCEPTION_HANDLER": "registry.api_errors.exception_handler",
    "URL_FORMAT_OVERRIDE": "format",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Glasshouse API",
    "DESCRIPTION": (
        "How open each AI project really is, with the evidence: verdicts under the OSI Open "
        "Source AI Definition 1.0 and the Model Openness Framework, every finding with the "
        "snapshot, field and value it comes from, and the history of changes. Reading is open "
        "to anyone; writing needs a token (`Authorization: Token <key>`). Errors share one shape: "
        '`{"error": {"status", "code", "message", "fields"}}`. Lists use cursor pagination '
        "(`next`/`previous` links) with counts capped at 10,000."
    ),
    "VERSION": "1.0.0",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "registry.api_schema.add_error_responses",
        "registry.api_schema.describe_fields",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ProjectKindEnum": "registry.components.KINDS",
        "ChangeKindEnum": "audits.models.Change.Kind",
    },
}

# --- Email and links in it -------------------------------------------------------------------
# consolemail:// prints mail to the log; smtp+tls://user:password@host:587 sends it.
vars().update(env.email_url_config(_setting("EMAIL_URL", "consolemail://")))
DEFAULT_FROM_EMAIL = _setting("DEFAULT_FROM_EMAIL", "glasshouse@localhost")
# The site's public address, for links in emails.
SITE_URL = _setting("SITE_URL", "http://127.0.0.1:8000")
# Submissions from one client address: django-ratelimit syntax, counted in the shared cache.
SUBMISSION_RATE = _setting("SUBMISSION_RATE", "5/h")
RATELIMIT_USE_CACHE = "default"

# --- Sources ----------------------------------------------------------------------------------
HF_ENDPOINT = _setting("HF_ENDPOINT", "https://huggingface.co")
HF_TOKEN = env.str("HF_TOKEN", default="") or None
GITHUB_API_URL = _setting("GITHUB_API_URL", "https://api.github.com")
GITHUB_TOKEN = env.str("GITHUB_TOKEN", default="") or None
# arXiv's OAI-PMH base URL; papers' licenses are read from its GetRecord answers.
ARXIV_API_URL = _setting("ARXIV_API_URL", "https://export.arxiv.org/oai2")
AUDIT_INTERVAL_HOURS = env.int("AUDIT_INTERVAL_HOURS", default=24)
# Seconds to wait for one answer from the Hub or GitHub.
SOURCE_TIMEOUT_SECONDS = env.float("SOURCE_TIMEOUT_SECONDS", default=10.0)
# A failing project waits this many minutes, doubled for each failure in a row (up to a day).
AUDIT_ERROR_BACKOFF_MINUTES = env.int("AUDIT_ERROR_BACKOFF_MINUTES", default=15)
# Attempts of one audit when sources fail transiently, and the first retry's delay in seconds.
AUDIT_MAX_ATTEMPTS = env.int("AUDIT_MAX_ATTEMPTS", default=4)
AUDIT_RETRY_BASE_SECONDS = env.float("AUDIT_RETRY_BASE_SECONDS", default=30.0)
# The sweep that enqueues due audits: how often, and how many projects at most each time.
AUDIT_SWEEP_SECONDS = env.int("AUDIT_SWEEP_SECONDS", default=300)
AUDIT_BATCH_SIZE = env.int("AUDIT_BATCH_SIZE", default=50)

# --- Celery -----------------------------------------------------------------------------------
BROKER_DIR = DATA_DIR / "broker"
CELERY_BROKER_URL = _setting("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    # One folder for in and out: web, worker and beat share this config, and the transport reads
    # messages from data_folder_in that others wrote to data_folder_out.
    for folder in ("queue", "processed", "control"):
        (BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
else:
    # Redis hands a message it saw no ack for to another worker after this many seconds. It must
    # outlast the longest task and countdown, or a message still being worked on runs twice; a
    # worker that died is taken over sooner, at its run's lease (audits.models.run_lease).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_BROKER_VISIBILITY_TIMEOUT", default=3600)
    }
# Audit outcomes live in our own models; Celery's result store would be a second truth.
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
_visibility_timeout = CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout")
if _visibility_timeout is not None and _visibility_timeout <= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured(
        "CELERY_BROKER_VISIBILITY_TIMEOUT must exceed CELERY_TASK_TIME_LIMIT."
    )
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = "default"
# Tasks that call the Hub or GitHub get their own queue, so a slow source never starves the rest.
CELERY_TASK_ROUTES = {
    "audits.tasks.audit_project": {"queue": "sources"},
    "registry.tasks.build_submission_preview": {"queue": "sources"},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
HEARTBEAT_INTERVAL_SECONDS = env.int("HEARTBEAT_INTERVAL_SECONDS", default=60)
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {
        "task": "registry.tasks.record_heartbeat",
        "schedule": timedelta(seconds=HEARTBEAT_INTERVAL_SECONDS),
    },
    "enqueue-due-audits": {
        "task": "audits.tasks.enqueue_due_audits",
        "schedule": timedelta(seconds=AUDIT_SWEEP_SECONDS),
    },
    "reevaluate-outdated-verdicts": {
        "task": "audits.tasks.reevaluate_outdated",
        "schedule": timedelta(seconds=AUDIT_SWEEP_SECONDS),
    },
    # The outbox's relay: previews the broker never took are sent again after their lease.
    "requeue-pending-previews": {
        "task": "registry.tasks.requeue_previews",
        "schedule": timedelta(minutes=1),
    },
}

# --- Logging ----------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # One line per HTTP request of the source clients would drown the audit log.
    "loggers": {"httpx2": {"level": "WARNING"}},
}
