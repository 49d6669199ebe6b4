"""Settings per environment, read from the process environment.

Production has no insecure defaults: it refuses to start without SECRET_KEY and an
explicit DATABASE_URL. Development generates a throw-away secret and uses SQLite
under instance/.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CATALOG_DIR = PROJECT_ROOT / "config" / "catalog"


class ConfigurationError(RuntimeError):
    """Raised when the environment does not allow a safe start."""


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as error:
        raise ConfigurationError(f"{name} must be a whole number, got {raw!r}") from error


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


class BaseConfig:
    ENV_NAME = "base"
    TIMEZONE = os.environ.get("TIMEZONE", "Europe/Berlin")
    CENTRE_NAME = os.environ.get("CENTRE_NAME", "Ankunftszentrum Stuttgart")
    CATALOG_DIR = Path(os.environ.get("CATALOG_DIR", CATALOG_DIR))
    MIGRATIONS_DIR = PROJECT_ROOT / "migrations"

    SQLALCHEMY_TRACK_MODIFICATIONS = False
    SQLITE_BUSY_TIMEOUT_MS = _env_int("SQLITE_BUSY_TIMEOUT_MS", 5000)

    # Sessions: tablets are shared, so the idle timeout is short; the absolute
    # lifetime ends even an active session after a working shift.
    SESSION_IDLE_TIMEOUT = timedelta(minutes=_env_int("SESSION_IDLE_MINUTES", 15))
    SESSION_ABSOLUTE_LIFETIME = timedelta(hours=_env_int("SESSION_ABSOLUTE_HOURS", 12))
    # The last-seen time of a session is written at most this often (fewer writes per scan).
    SESSION_TOUCH_INTERVAL = timedelta(seconds=_env_int("SESSION_TOUCH_SECONDS", 30))
    SESSION_COOKIE_NAME = "arrival_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
    PERMANENT_SESSION_LIFETIME = SESSION_ABSOLUTE_LIFETIME

    PASSWORD_HASH_METHOD = "scrypt"
    PASSWORD_MIN_LENGTH = _env_int("PASSWORD_MIN_LENGTH", 10)

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session, which has its own limits
    WTF_CSRF_HEADERS = ["X-CSRFToken", "X-CSRF-Token"]

    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT_PER_IP = os.environ.get("LOGIN_RATE_LIMIT_PER_IP", "30 per 10 minutes")
    LOGIN_RATE_LIMIT_PER_USERNAME = os.environ.get(
        "LOGIN_RATE_LIMIT_PER_USERNAME", "5 per 10 minutes"
    )

    BABEL_DEFAULT_LOCALE = "de"
    BABEL_DEFAULT_TIMEZONE = TIMEZONE
    LANGUAGES = ("de", "en")

    # Duplicate detection: candidates scoring at least the threshold are "likely"
    # (a clerk must decide); from the hint threshold on they are shown at all.
    DUPLICATE_THRESHOLD = float(os.environ.get("DUPLICATE_THRESHOLD", "0.85"))
    DUPLICATE_HINT_THRESHOLD = float(os.environ.get("DUPLICATE_HINT_THRESHOLD", "0.5"))

    # Housing: boys older than this do not go into women-and-children-only units;
    # residents unseen for this many days appear on the absence list.
    WOMEN_ONLY_MAX_BOY_AGE = _env_int("WOMEN_ONLY_MAX_BOY_AGE", 13)
    ABSENCE_DAYS = _env_int("ABSENCE_DAYS", 3)

    # Scans per station account and point (a handheld scanner in a queue: ~1/second).
    SCAN_RATE_LIMIT = os.environ.get("SCAN_RATE_LIMIT", "120 per minute")

    # The situation report: where it is written, an optional drop folder (a mounted
    # share), small-count suppression (0: off; 3: 1 and 2 shown as "<3"), and the
    # person-level annex for the Regierungspräsidium (off unless configured).
    SITREP_DIR = Path(os.environ.get("SITREP_DIR", PROJECT_ROOT / "instance" / "reports"))
    SITREP_DROP_DIR = os.environ.get("SITREP_DROP_DIR") or None
    SITREP_SUPPRESS_BELOW = _env_int("SITREP_SUPPRESS_BELOW", 0)
    SITREP_RP_ANNEX = _env_bool("SITREP_RP_ANNEX", False)

    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
    SEED_DEMO_ALLOWED = False

    @classmethod
    def database_url(cls) -> str:
        raise NotImplementedError

    @classmethod
    def prepare(cls) -> dict:
        """Resolve the settings that depend on the environment at start-up time."""
        return {"SQLALCHEMY_DATABASE_URI": cls.database_url(), "SECRET_KEY": cls.secret_key(),
                # The largest request body (bytes) any route reads: registrations, forms
                # and the card batch form are a few KB, nothing is uploaded (cards and
                # reports are downloads). Larger is 413, in JSON for the API.
                "MAX_CONTENT_LENGTH": _env_int("MAX_CONTENT_LENGTH", 1024 * 1024)}

    @classmethod
    def secret_key(cls) -> str:
        return os.environ.get("SECRET_KEY") or secrets.token_hex(32)


class DevelopmentConfig(BaseConfig):
    ENV_NAME = "development"
    SEED_DEMO_ALLOWED = True
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")

    @classmethod
    def database_url(cls) -> str:
        return os.environ.get("DATABASE_URL") or sqlite_url(
            PROJECT_ROOT / "instance" / "arrival.sqlite3"
        )

    @classmethod
    def secret_key(cls) -> str:
        # A development secret lives in instance/ so that sessions survive a restart;
        # it never reaches production, which has its own class.
        if os.environ.get("SECRET_KEY"):
            return os.environ["SECRET_KEY"]
        path = PROJECT_ROOT / "instance" / "dev-secret-key"
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            path.write_text(secrets.token_hex(32))
            path.chmod(0o600)
        return path.read_text().strip()


class TestingConfig(BaseConfig):
    ENV_NAME = "testing"
    TESTING = True
    SEED_DEMO_ALLOWED = True
    # A cheap hash keeps the suite fast; the algorithm is still checked end to end.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    LOG_FORMAT = "text"
    LOG_LEVEL = "WARNING"
    RATELIMIT_STORAGE_URI = "memory://"

    @classmethod
    def database_url(cls) -> str:
        url = os.environ.get("ARRIVAL_TEST_DATABASE_URL")
        if not url:
            raise ConfigurationError("tests set ARRIVAL_TEST_DATABASE_URL (see tests/conftest.py)")
        return url


class ProductionConfig(BaseConfig):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)

    @classmethod
    def database_url(cls) -> str:
        url = os.environ.get("DATABASE_URL")
        if not url:
            raise ConfigurationError(
                "DATABASE_URL is not set: production needs an explicit database "
                "(postgresql+psycopg://user@host/db, or sqlite:////absolute/path)"
            )
        return url

    @classmethod
    def secret_key(cls) -> str:
        key = os.environ.get("SECRET_KEY", "")
        if len(key) < 32:
            raise ConfigurationError(
                "SECRET_KEY is missing or shorter than 32 characters; "
                "generate one with: python -c 'import secrets; print(secrets.token_hex(32))'"
            )
        return key


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_class(name: str | None = None) -> type[BaseConfig]:
    name = name or os.environ.get("ARRIVAL_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError as error:
        raise ConfigurationError(
            f"ARRIVAL_ENV must be one of {', '.join(CONFIGS)}, got {name!r}"
        ) from error
