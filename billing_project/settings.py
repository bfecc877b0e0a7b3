"""Settings: one base, every value from the environment (django-environ).

`APP_ENV` is `development` (the default: fake payment secret allowed, a secret key
generated once per installation, console logs), `test` (used by pytest) or
`production` (no secret defaults, JSON logs).
A malformed value (say `DEBUG=maybe`) raises ImproperlyConfigured at start-up.
See `.env.example` for every variable.
"""

import os
import re
import secrets
from datetime import datetime, timedelta
from pathlib import Path

import babel
import environ
import structlog
from django.core.exceptions import ImproperlyConfigured
from kombu import Exchange, Queue

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    """A boolean variable; anything but true/false/yes/no/on/off/1/0 stops start-up
    (django-environ would read `DEBUG=maybe` as False without a word)."""
    raw = env.str(name, default=str(default)).strip().lower()
    if raw not in _TRUE | _FALSE:
        raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")
    return raw in _TRUE


APP_ENV = env.str("APP_ENV", default="development")
if APP_ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured(f"APP_ENV must be development, test or production, not {APP_ENV!r}")
IS_DEVELOPMENT = APP_ENV in {"development", "test"}

# Keys this repository has published (old defaults and examples): anyone can sign tokens
# with them, so they are refused in every APP_ENV.
PUBLISHED_SECRET_KEYS = frozenset(
    {
        "django-insecure-development-only-not-a-secret",
        "change-me-in-production",
        "compose-development-only-not-a-secret",
    }
)


def development_secret_key(path: Path) -> str:
    """This installation's own random key: made at the first start, then read from `path`
    (mode 0600), so that tokens and sessions survive restarts without a shared constant."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}")
        draft.unlink(missing_ok=True)  # a crashed start's leftover; O_EXCL below sets the mode
        with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as file:
            file.write(secrets.token_urlsafe(50))
        try:
            # A link, not a write in place: the processes of `make run` start together,
            # and none may read a half-written key or replace the one another made first.
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    key = path.read_text().strip()
    if not key:
        raise ImproperlyConfigured(f"{path} is empty: delete it and a new key is made at the next start")
    return key


SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if SECRET_KEY in PUBLISHED_SECRET_KEYS:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY is a published example value: set a secret of your own")
if not SECRET_KEY and APP_ENV == "test":
    SECRET_KEY = secrets.token_urlsafe(50)  # nothing signed in one test process outlives it
elif not SECRET_KEY and APP_ENV == "development":
    # A relative path is under the project root, whatever the working directory.
    SECRET_KEY = development_secret_key(BASE_DIR / env.str("DEV_SECRET_KEY_FILE", default=".run/secret_key"))
elif not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set outside development")

DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "drf_standardized_errors",
    "django_celery_beat",
    "django_prometheus",
    "django_structlog",
    "tenants",
    "audit",
    "webhooks",
    "plans",
    "subscriptions",
    "usage",
    "invoices",
    "payments",
    "metrics",
    "portal",
    "ops",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "tenants.middleware.RequestIdMiddleware",
    "tenants.replica.ReplicaRequestMiddleware",
    "tenants.middleware.RequestGuardMiddleware",
    "tenants.isolation.TenantScopeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Sessions, CSRF, the session user and messages: not for the JSON API (/v1/), which
    # authenticates with bearer tokens only (tenants.middleware.OutsideApi).
    "tenants.middleware.SessionOutsideApi",
    "django.middleware.common.CommonMiddleware",
    "tenants.middleware.CsrfOutsideApi",
    "tenants.middleware.AuthenticationOutsideApi",
    "tenants.actors.StaffActorMiddleware",
    "tenants.middleware.MessagesOutsideApi",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_structlog.middlewares.RequestMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "billing_project.urls"
WSGI_APPLICATION = "billing_project.wsgi.application"
ASGI_APPLICATION = "billing_project.asgi.application"

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

DATABASES = {
    "default": env.db_url("DATABASE_URL", default="postgresql://postgres@127.0.0.1:5432/billing"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Server-side parameter binding: bulk statements send their values as they are instead
# of having the driver quote every value into the SQL text (most of a batch write's cost).
DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = env_bool("DB_SERVER_SIDE_BINDING", True)
DATABASES["default"].setdefault("TEST", {})["NAME"] = env.str("TEST_DATABASE_NAME", default="test_billing")
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgresql://...)")
# Django's PostgreSQL backend, pinging a reused connection at most once a second instead
# of before every request (billing_project/postgres/base.py).
DATABASES["default"]["ENGINE"] = "billing_project.postgres"
# A read replica (a streaming or logical replica of DATABASE_URL's database): when set,
# the pages of lists and the revenue metrics are read there (billing_project/db_router.py);
# writes, migrations and every other read stay on the primary.
REPLICA_DATABASE_URL = env.str("REPLICA_DATABASE_URL", default="")
DATABASE_REPLICA: str | None = None
if REPLICA_DATABASE_URL:
    DATABASES["replica"] = {
        **env.db_url_config(REPLICA_DATABASE_URL),
        "ENGINE": "billing_project.postgres",
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": dict(DATABASES["default"]["OPTIONS"]),
        # Tests never create a database of the replica's: it mirrors the primary's.
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_REPLICA = "replica"
DATABASE_ROUTERS = ["billing_project.db_router.PrimaryReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "billing",
        # Short timeouts: with Redis down, requests must degrade quickly, not hang.
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}

AUTH_USER_MODEL = "tenants.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# WhiteNoise serves the admin's and the API docs' static files from gunicorn (no CDN, no
# nginx needed); in development straight from the apps, in production from collectstatic.
STATIC_ROOT = None if IS_DEVELOPMENT else BASE_DIR / "staticfiles"
WHITENOISE_USE_FINDERS = IS_DEVELOPMENT

# RFC 3339 needs four digits of year, but glibc's strftime renders year 410 as "410"
# (CPython gh-120713, normalized from Python 3.12 on); glibc's "%4Y" pads it.
_YEAR = "%Y" if datetime(410, 1, 1).strftime("%Y") == "0410" else "%4Y"

NUM_PROXIES = env.int("NUM_PROXIES", default=0)
if NUM_PROXIES < 0:
    raise ImproperlyConfigured(f"NUM_PROXIES must be 0 or more, not {NUM_PROXIES}")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tenants.authentication.ApiKeyAuthentication",
        "tenants.authentication.TenantJWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["tenants.parsers.JSONParser"],
    "DEFAULT_METADATA_CLASS": "tenants.metadata.RouteMetadata",
    "DEFAULT_PAGINATION_CLASS": "tenants.pagination.LimitPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "tenants.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "login": env.str("THROTTLE_LOGIN", default="10/min"),
        "signup": env.str("THROTTLE_SIGNUP", default="5/hour"),
    },
    # Throttles count per client address. 0: the socket's address (REMOTE_ADDR), the
    # client can't choose it; N: the N-th address from the right of X-Forwarded-For, the
    # one our N trusted proxies saw. DRF's own default (None) would trust the whole
    # header, which any client can set to a new value per request.
    "NUM_PROXIES": NUM_PROXIES,
    "COERCE_DECIMAL_TO_STRING": True,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DATETIME_FORMAT": f"{_YEAR}-%m-%dT%H:%M:%S.%fZ",
}
DRF_STANDARDIZED_ERRORS = {
    "ENABLE_IN_DEBUG_FOR_UNHANDLED_EXCEPTIONS": True,
    # Services raise the domain errors of tenants.errors; this class maps them, once.
    "EXCEPTION_HANDLER_CLASS": "tenants.exception_handler.DomainExceptionHandler",
    # The schema documents the one envelope, not per-field codes (see tenants/openapi.py).
    "ALLOWED_ERROR_STATUS_CODES": ["400", "401", "403", "404", "405", "406", "409", "413", "415", "429", "500"],
    "ERROR_SCHEMAS": {
        "400": "tenants.openapi.ErrorResponseSerializer",
        "401": "tenants.openapi.ClientErrorResponseSerializer",
        "409": "tenants.openapi.ClientErrorResponseSerializer",
        "413": "tenants.openapi.ClientErrorResponseSerializer",
    },
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=1)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "SIGNING_KEY": SECRET_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_CLAIM": "user_id",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Billing API",
    "DESCRIPTION": "Usage-based billing: meters, plans, subscriptions, usage, invoices, payments, webhooks.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ValidationErrorEnum": "drf_standardized_errors.openapi_serializers.ValidationErrorEnum.choices",
        "ClientErrorEnum": "drf_standardized_errors.openapi_serializers.ClientErrorEnum.choices",
        "ServerErrorEnum": "drf_standardized_errors.openapi_serializers.ServerErrorEnum.choices",
        "ErrorCode401Enum": "drf_standardized_errors.openapi_serializers.ErrorCode401Enum.choices",
        "ErrorCode403Enum": "drf_standardized_errors.openapi_serializers.ErrorCode403Enum.choices",
        "ErrorCode404Enum": "drf_standardized_errors.openapi_serializers.ErrorCode404Enum.choices",
        "ErrorCode405Enum": "drf_standardized_errors.openapi_serializers.ErrorCode405Enum.choices",
        "ErrorCode406Enum": "drf_standardized_errors.openapi_serializers.ErrorCode406Enum.choices",
        "ErrorCode415Enum": "drf_standardized_errors.openapi_serializers.ErrorCode415Enum.choices",
        "ErrorCode429Enum": "drf_standardized_errors.openapi_serializers.ErrorCode429Enum.choices",
        "ErrorCode500Enum": "drf_standardized_errors.openapi_serializers.ErrorCode500Enum.choices",
        # Several models have a `status`; name each enum after its model.
        "SubscriptionStatusEnum": "subscriptions.models.Subscription.Status",
        "WebhookDeliveryStatusEnum": "webhooks.models.WebhookDelivery.Status",
        "InvoiceStatusEnum": "invoices.models.Invoice.Status",
        "InvoiceRunStatusEnum": "invoices.models.InvoiceRun.Status",
        # Invoice lines and balance entries both have a `kind`; the lines' enum keeps
        # the name it had before the entries had one.
        "KindEnum": "invoices.models.InvoiceLine.Kind",
        "BalanceTransactionKindEnum": "invoices.models.BalanceTransaction.Kind",
        "CreditGrantStatusEnum": "invoices.models.CreditGrant.Status",
        "CreditGrantEntryKindEnum": "invoices.models.CreditGrantEntry.Kind",
        "AlertTypeEnum": "metrics.models.Alert.Type",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_standardized_errors.openapi_hooks.postprocess_schema_enums",
        # Request and response examples of the write routes, by operationId.
        "billing_project.openapi_examples.attach_examples",
    ],
}

# The largest request body read (bytes; larger is a 413 before anything reads it). The
# default fits a batch of 1,000 events with 3 KB of properties each.
MAX_REQUEST_BODY_BYTES = env.int("MAX_REQUEST_BODY_BYTES", default=4 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BODY_BYTES  # Django's own bound on request.body, the same

# Billing behaviour
TENANT_SIGNUP_TOKEN = env.str("TENANT_SIGNUP_TOKEN", default="")
DEFAULT_CURRENCY = env.str("DEFAULT_CURRENCY", default="USD")
API_KEY_TOUCH_SECONDS = env.int("API_KEY_TOUCH_SECONDS", default=60)
IDEMPOTENCY_REDIS_URL = env.str("IDEMPOTENCY_REDIS_URL", default=REDIS_URL)
# How many months after this one the daily beat task gives a partition of the events table
# (usage.partitions); an event in a month without one makes it on the spot.
USAGE_PARTITIONS_AHEAD_MONTHS = env.int("USAGE_PARTITIONS_AHEAD_MONTHS", default=3)
# How long an Idempotency-Key of the other POST/DELETE routes is remembered (tenants.idempotency);
# API.md promises at least 24 hours.
IDEMPOTENCY_TTL_SECONDS = env.int("IDEMPOTENCY_TTL_SECONDS", default=24 * 3600)
if IDEMPOTENCY_TTL_SECONDS < 24 * 3600:
    raise ImproperlyConfigured("IDEMPOTENCY_TTL_SECONDS must be at least 86400 (24 hours, API.md)")
USAGE_MAX_FUTURE_SECONDS = env.int("USAGE_MAX_FUTURE_SECONDS", default=300)
INVOICE_DUE_DAYS = env.int("INVOICE_DUE_DAYS", default=30)
# Alerts (docs/alerts.md): usage schedules a subscription's evaluation this long after it
# (later usage meanwhile schedules nothing more); API.md promises within a minute.
ALERTS_EVALUATION_DELAY_SECONDS = env.int("ALERTS_EVALUATION_DELAY_SECONDS", default=10)
if not 0 <= ALERTS_EVALUATION_DELAY_SECONDS <= 50:
    raise ImproperlyConfigured("ALERTS_EVALUATION_DELAY_SECONDS must be 0-50 (alerts fire within a minute)")
# How long a process remembers which subscriptions have alerts (ingestion reads it).
ALERTS_CACHE_SECONDS = env.int("ALERTS_CACHE_SECONDS", default=10)
ALERTS_REDIS_URL = env.str("ALERTS_REDIS_URL", default=REDIS_URL)
# How invoice and credit-note documents (PDF, HTML) write amounts, numbers and dates: a
# CLDR locale of babel (en_US, de_DE, fr_CH); amounts keep their currency's digits.
DOCUMENT_LOCALE = env.str("DOCUMENT_LOCALE", default="en_US")
try:
    babel.Locale.parse(DOCUMENT_LOCALE)
except (ValueError, babel.UnknownLocaleError):
    raise ImproperlyConfigured(f"DOCUMENT_LOCALE must be a locale like en_US, not {DOCUMENT_LOCALE!r}") from None
# The address customer portal links start with (https://billing.example.com), for an API
# reached at another address than its customers reach it; empty: the address of the
# request that made the link (portal.services).
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="").rstrip("/")
if PORTAL_BASE_URL and not re.fullmatch(r"https?://[^/?#\s]+(/[^?#\s]*)?", PORTAL_BASE_URL):
    raise ImproperlyConfigured(
        f"PORTAL_BASE_URL must be an http(s) address like https://billing.example.com, not {PORTAL_BASE_URL!r}"
    )
INVOICE_RUN_BATCH_SIZE = env.int("INVOICE_RUN_BATCH_SIZE", default=500)
# PostgreSQL's work_mem inside an invoice-run batch: a batch's grouped usage count with
# charge dimensions (a group per workspace, region…) hashes more groups than the
# default 4MB holds, and spilled to disk (bench/invoice_run.py: -14 % for 10 groups).
INVOICE_RUN_WORK_MEM = env.str("INVOICE_RUN_WORK_MEM", default="64MB")
# A run with more subscriptions due than this is split into chunks of this many, billed
# by the workers of the `invoicing` queue side by side (invoices.run_chunks).
INVOICE_RUN_CHUNK_SIZE = env.int("INVOICE_RUN_CHUNK_SIZE", default=5000)
# A run queued or running for longer than this lost its task (broker down, worker
# killed): the beat sweeper sends it again. Keep it above the longest run.
INVOICE_RUN_STALE_SECONDS = env.int("INVOICE_RUN_STALE_SECONDS", default=15 * 60)
PAYMENT_PROVIDER_URL = env.str("PAYMENT_PROVIDER_URL", default="")
DEV_PAYMENT_WEBHOOK_SECRET = "whsec_ZGV2ZWxvcG1lbnQtb25seS1ub3QtYS1zZWNyZXQ="  # noqa: S105 - fake dev default
PAYMENT_WEBHOOK_SECRET = env.str("PAYMENT_WEBHOOK_SECRET", default=DEV_PAYMENT_WEBHOOK_SECRET if IS_DEVELOPMENT else "")
# The last one is docker-compose.yml's old default, published like the development one.
_COMPOSE_PAYMENT_WEBHOOK_SECRET = "whsec_Y29tcG9zZS1kZXZlbG9wbWVudC1vbmx5LW5vdC1hLXNlY3JldA=="  # noqa: S105
if not IS_DEVELOPMENT and PAYMENT_WEBHOOK_SECRET in ("", DEV_PAYMENT_WEBHOOK_SECRET, _COMPOSE_PAYMENT_WEBHOOK_SECRET):
    raise ImproperlyConfigured("PAYMENT_WEBHOOK_SECRET must be set (a whsec_… secret) outside development")
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
WEBHOOK_ALLOW_PRIVATE_URLS = env_bool("WEBHOOK_ALLOW_PRIVATE_URLS", False)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)

# Celery: Redis is broker and result backend.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
# Every task is safe to run twice (README, Operations: runs and deliveries are claimed in
# the database, payments carry an idempotency key), so a task is acknowledged when it
# ends, and one whose worker process died goes back to the queue instead of being lost.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Redis hands an unacknowledged message to another worker after this long: above the
# longest task and the longest retry countdown (payments: 1 h), else a task waiting for
# its countdown is sent twice; a message of a worker that died whole waits this long
# (invoice runs and webhook deliveries have their own sweepers).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT_SECONDS", default=2 * 3600)}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Two queues: `celery` (everything else) and `invoicing` (the chunks of split invoice
# runs). A worker started without -Q consumes both (`make run`); a host dedicated to
# invoicing runs `celery -A billing_project worker -Q invoicing` (README, Operations).
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = [Queue(name, Exchange(name), routing_key=name) for name in ("celery", "invoicing")]
CELERY_TASK_ROUTES = {"invoices.tasks.invoice_run_chunk": {"queue": "invoicing"}}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# Prometheus: with PROMETHEUS_MULTIPROC_DIR set, every process (gunicorn workers, Celery
# worker processes) writes its samples to files there and /metrics adds them all up
# (billing_project/gunicorn.conf.py). Unset or empty: each process counts on its own.
PROMETHEUS_MULTIPROC_DIR = env.str("PROMETHEUS_MULTIPROC_DIR", default="")
if PROMETHEUS_MULTIPROC_DIR:
    Path(PROMETHEUS_MULTIPROC_DIR).mkdir(parents=True, exist_ok=True)
else:
    # django-prometheus tests the variable's presence, prometheus_client its value.
    os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)

# Logging: structlog everywhere; JSON lines outside development.
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_JSON = env_bool("LOG_JSON", not IS_DEVELOPMENT)
# django-structlog's request_started/request_finished lines (and Celery's task_* ones):
# every request in development, only 4xx/5xx answers elsewhere.
REQUEST_LOG_LEVEL = env.str("REQUEST_LOG_LEVEL", default="INFO" if APP_ENV == "development" else "WARNING")
DJANGO_STRUCTLOG_CELERY_ENABLED = True
# tenants.middleware.RequestIdMiddleware has checked the caller's X-Request-ID (or made
# one) before django-structlog reads it: one id in the response and in every log line.
DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID = True
# The `ip` of request logs is bound by tenants.middleware.bind_client_address (the
# throttles' address); django-structlog's own (django-ipware) would be overwritten
# anyway and cost ~7 % of a single-event POST's CPU (bench/profile_ingest.py).
DJANGO_STRUCTLOG_IP_LOGGING_ENABLED = False
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "structured": {
            "()": structlog.stdlib.ProcessorFormatter,
            "processor": (
                structlog.processors.JSONRenderer()
                if LOG_JSON
                # Plain tracebacks: with `rich` installed (a dependency's dependency) the
                # default rendered every frame's locals, ~1.2 s per logged exception (each
                # 403 and 404 outside the API logs one) and values that do not belong in logs.
                else structlog.dev.ConsoleRenderer(colors=False, exception_formatter=structlog.dev.plain_traceback)
            ),
            "foreign_pre_chain": [
                structlog.contextvars.merge_contextvars,
                structlog.processors.TimeStamper(fmt="iso"),
                structlog.stdlib.add_logger_name,
                structlog.stdlib.add_log_level,
            ],
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django_structlog": {"level": REQUEST_LOG_LEVEL},
        "django.db.backends": {"level": "WARNING"},
        # fpdf2 subsets the PDF documents' font with fontTools, which says so at INFO, per table.
        "fontTools": {"level": "WARNING"},
    },
}
structlog.configure(
    processors=[
        # First: a line below the level (django-structlog's request_started/finished
        # outside development, two per request) is dropped before any work is done on it.
        structlog.stdlib.filter_by_level,
        structlog.contextvars.merge_contextvars,
        structlog.processors.TimeStamper(fmt="iso"),
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.processors.StackInfoRenderer(),
        structlog.processors.format_exc_info,
        structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
    ],
    logger_factory=structlog.stdlib.LoggerFactory(),
    cache_logger_on_first_use=True,
)

if APP_ENV == "production":
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
