"""Settings per environment, read from the process environment when the
application is created (``create_app`` calls ``settings()``), never when this
module is imported: changing TIMEZONE or ABSENCE_DAYS and building a new app
takes effect, and a bad value stops the start with a message naming the
variable.

Class attributes are defaults or ``Env`` declarations (variable name, default,
parser). Production has no insecure defaults: it refuses to start without
SECRET_KEY and an explicit DATABASE_URL. Development generates a throw-away
secret and uses SQLite under instance/.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CATALOG_DIR = PROJECT_ROOT / "config" / "catalog"


class ConfigurationError(RuntimeError):
    """Raised when the environment does not allow a safe start."""


@dataclass(frozen=True)
class Env:
    """A setting taken from environment variable `name` (default when unset or empty)."""
    name: str
    default: Any
    parse: Callable[[str], Any] = str
    expected: str = "text"

    def resolve(self, environ: Mapping[str, str]) -> Any:
        raw = environ.get(self.name)
        if raw is None or raw.strip() == "":
            return self.default
        try:
            return self.parse(raw.strip())
        except (ValueError, TypeError) as error:
            raise ConfigurationError(
                f"{self.name} must be {self.expected}, got {raw!r}") from error


def _whole_number(raw: str) -> int:
    return int(raw)


def _positive(raw: str) -> int:
    value = int(raw)
    if value <= 0:
        raise ValueError("not positive")
    return value


def _positive_number(raw: str) -> float:
    value = float(raw)
    if not 0 < value < float("inf"):  # also refuses nan
        raise ValueError("not positive")
    return value


def _fraction(raw: str) -> float:
    value = float(raw)
    if not 0.0 <= value <= 1.0:
        raise ValueError("outside 0..1")
    return value


def _flag(raw: str) -> bool:
    value = raw.lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ValueError("not a yes/no value")


def _zone(raw: str) -> str:
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError("unknown time zone") from error
    return raw


def _one_of(*choices: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if raw not in choices:
            raise ValueError("not a choice")
        return raw
    return parse


def _env_int(name: str, default: int) -> Env:
    return Env(name, default, _whole_number, "a whole number")


def _env_positive(name: str, default: int) -> Env:
    return Env(name, default, _positive, "a whole number above 0")


def _env_bool(name: str, default: bool) -> Env:
    return Env(name, default, _flag, "one of 1/0, true/false, yes/no, on/off")


def _env_fraction(name: str, default: float) -> Env:
    return Env(name, default, _fraction, "a number from 0 to 1")


def _env_str(name: str, default: str | None) -> Env:
    return Env(name, default)


def _env_path(name: str, default: Path) -> Env:
    return Env(name, Path(default), Path, "a path")


def _env_minutes(name: str, default: int) -> Env:
    return Env(name, timedelta(minutes=default), lambda raw: timedelta(minutes=_positive(raw)),
               "a whole number of minutes above 0")


def _env_hours(name: str, default: int) -> Env:
    return Env(name, timedelta(hours=default), lambda raw: timedelta(hours=_positive(raw)),
               "a whole number of hours above 0")


def _env_seconds(name: str, default: int) -> Env:
    return Env(name, timedelta(seconds=default), lambda raw: timedelta(seconds=_positive(raw)),
               "a whole number of seconds above 0")


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


class BaseConfig:
    ENV_NAME = "base"
    TIMEZONE = Env("TIMEZONE", "Europe/Berlin", _zone, "a time zone such as Europe/Berlin")
    CENTRE_NAME = _env_str("CENTRE_NAME", "Ankunftszentrum Stuttgart")
    CATALOG_DIR = _env_path("CATALOG_DIR", CATALOG_DIR)
    MIGRATIONS_DIR = PROJECT_ROOT / "migrations"

    SQLALCHEMY_TRACK_MODIFICATIONS = False
    SQLITE_BUSY_TIMEOUT_MS = _env_positive("SQLITE_BUSY_TIMEOUT_MS", 5000)
    # PostgreSQL's default of 4 prices an index lookup for spinning disks; on SSD or a
    # database held in memory it made the planner scan 480,000 clarification items
    # instead of looking up 9,000 by key (the dashboard's changes of the day: 380 → 17
    # ms at 100,000 persons). Set on every connection of the app.
    POSTGRES_RANDOM_PAGE_COST = Env("POSTGRES_RANDOM_PAGE_COST", 1.1, _positive_number,
                                    "a number above 0")

    # Sessions: tablets are shared, so the idle timeout is short; the absolute
    # lifetime ends even an active session after a working shift.
    SESSION_IDLE_TIMEOUT = _env_minutes("SESSION_IDLE_MINUTES", 15)
    SESSION_ABSOLUTE_LIFETIME = _env_hours("SESSION_ABSOLUTE_HOURS", 12)
    SESSION_COOKIE_NAME = "arrival_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)

    PASSWORD_HASH_METHOD = "scrypt"
    PASSWORD_MIN_LENGTH = _env_positive("PASSWORD_MIN_LENGTH", 10)

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session, which has its own limits
    WTF_CSRF_HEADERS = ["X-CSRFToken", "X-CSRF-Token"]

    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = _env_str("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    # Every counter key starts with this: deployments (or a test run) sharing one
    # Redis keep apart. All servers of one deployment must use the same prefix.
    RATELIMIT_KEY_PREFIX = _env_str("RATELIMIT_KEY_PREFIX", "")
    LOGIN_RATE_LIMIT_PER_IP = _env_str("LOGIN_RATE_LIMIT_PER_IP", "30 per 10 minutes")
    LOGIN_RATE_LIMIT_PER_USERNAME = _env_str("LOGIN_RATE_LIMIT_PER_USERNAME", "5 per 10 minutes")
    # Production accepts per-process counts (memory://) only when told that exactly
    # one worker process runs.
    RATELIMIT_ALLOW_MEMORY = _env_bool("RATELIMIT_ALLOW_MEMORY", False)
    # Failed logins of one account from a browser holding that account's device
    # cookie (issued at a successful login) count apart from everyone else's, so an
    # attacker who knows a username cannot lock its owner out (OWASP "device cookies").
    LOGIN_RATE_LIMIT_PER_DEVICE = _env_str("LOGIN_RATE_LIMIT_PER_DEVICE", "5 per 10 minutes")
    DEVICE_COOKIE_NAME = "arrival_device"
    DEVICE_COOKIE_DAYS = _env_positive("DEVICE_COOKIE_DAYS", 180)

    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host/-Port
    # are believed (0: none — the headers are ignored). HSTS over HTTPS (0: off).
    TRUSTED_PROXIES = _env_int("TRUSTED_PROXIES", 0)
    HSTS_MAX_AGE = _env_int("HSTS_MAX_AGE", 31536000)
    # PostgreSQL: migrations as the owner role, the app as a role with only the
    # rights it needs (arrival/core/dbroles.py). Unset: DATABASE_URL for both.
    MIGRATION_DATABASE_URL = _env_str("MIGRATION_DATABASE_URL", None)

    BABEL_DEFAULT_LOCALE = "de"
    LANGUAGES = ("de", "en")  # the staff interface
    # The public pages (pre-registration, its information notice) speak these; the
    # first is the default when the browser asks for none of them.
    PUBLIC_LANGUAGES = ("uk", "ru", "en", "de")

    # Pre-registration on a phone (arrival/prereg): how long a code stays valid,
    # submits per address (the waiting area shares one address: generous), and the
    # largest request body of the public pages (bytes).
    PREREG_VALID_DAYS = _env_positive("PREREG_VALID_DAYS", 7)
    PREREG_RATE_LIMIT = _env_str("PREREG_RATE_LIMIT", "60 per 10 minutes")
    PREREG_MAX_BYTES = _env_positive("PREREG_MAX_BYTES", 32 * 1024)

    # Duplicate detection: candidates scoring at least the threshold are "likely"
    # (a clerk must decide); from the hint threshold on they are shown at all.
    DUPLICATE_THRESHOLD = _env_fraction("DUPLICATE_THRESHOLD", 0.85)
    DUPLICATE_HINT_THRESHOLD = _env_fraction("DUPLICATE_HINT_THRESHOLD", 0.5)

    # Housing: boys older than this do not go into women-and-children-only units;
    # residents unseen for this many days appear on the absence list.
    WOMEN_ONLY_MAX_BOY_AGE = _env_int("WOMEN_ONLY_MAX_BOY_AGE", 13)
    ABSENCE_DAYS = _env_int("ABSENCE_DAYS", 3)

    # The optional photo per person (issue 17): off by default (data minimisation).
    # On: intake takes a small photo with the tablet camera; the gate and the scan
    # station show it to roles that see identity, and the card prints it.
    PERSON_PHOTOS = _env_bool("ARRIVAL_PERSON_PHOTOS", False)
    # What the server accepts (the tablet downscales before sending): a JPEG of at most
    # this many pixels on its longer side and this many bytes.
    PERSON_PHOTO_MAX_PIXELS = 320
    PERSON_PHOTO_MAX_BYTES = 40 * 1024

    # Scans per station account and point (a handheld scanner in a queue: ~1/second).
    SCAN_RATE_LIMIT = _env_str("SCAN_RATE_LIMIT", "120 per minute")

    # The largest request body (bytes) any route reads: registrations, forms and the
    # card batch form are a few KB, nothing is uploaded (cards and reports are
    # downloads). Larger is 413, in JSON for the API.
    MAX_CONTENT_LENGTH = _env_positive("MAX_CONTENT_LENGTH", 1024 * 1024)

    # The situation report: where it is written, an optional drop folder (a mounted
    # share), small-count suppression (0: off; 3: 1 and 2 shown as "<3"), and the
    # person-level annex for the Regierungspräsidium (off unless configured).
    SITREP_DIR = _env_path("SITREP_DIR", PROJECT_ROOT / "instance" / "reports")
    SITREP_DROP_DIR = _env_str("SITREP_DROP_DIR", None)
    SITREP_SUPPRESS_BELOW = _env_int("SITREP_SUPPRESS_BELOW", 0)
    SITREP_RP_ANNEX = _env_bool("SITREP_RP_ANNEX", False)

    # Backups (flask backup, scripts/backup) are always encrypted with this key.
    BACKUP_KEY = _env_str("ARRIVAL_BACKUP_KEY", None)
    BACKUP_DIR = _env_path("BACKUP_DIR", PROJECT_ROOT / "instance" / "backups")

    # Retention (issue 20, flask privacy sweep): days after which each data class is
    # anonymised or deleted. Households: days since the last member left (their
    # figures stay exact); idempotency keys and ended login sessions: days since made /
    # ended; report folders: days since the report's day; card tokens: days since the
    # card expired (at check-out) or was revoked; audit events: kept longest.
    RETENTION_HOUSEHOLD_DAYS = _env_positive("RETENTION_HOUSEHOLD_DAYS", 180)
    RETENTION_IDEMPOTENCY_DAYS = _env_positive("RETENTION_IDEMPOTENCY_DAYS", 7)
    RETENTION_SESSION_DAYS = _env_positive("RETENTION_SESSION_DAYS", 90)
    RETENTION_REPORT_DAYS = _env_positive("RETENTION_REPORT_DAYS", 365)
    RETENTION_CARD_TOKEN_DAYS = _env_positive("RETENTION_CARD_TOKEN_DAYS", 30)
    RETENTION_AUDIT_DAYS = _env_positive("RETENTION_AUDIT_DAYS", 3650)
    # Days after a pre-registration expired unconverted (PREREG_VALID_DAYS) until the
    # sweep deletes it; 0: the night after it expired.
    RETENTION_PREREGISTRATION_DAYS = _env_int("RETENTION_PREREGISTRATION_DAYS", 0)
    # Rows per transaction of the sweep: a crash loses at most one batch's work.
    RETENTION_BATCH_SIZE = _env_positive("RETENTION_BATCH_SIZE", 500)

    LOG_LEVEL = Env("LOG_LEVEL", "INFO", _one_of("DEBUG", "INFO", "WARNING", "ERROR"),
                    "one of DEBUG, INFO, WARNING, ERROR")
    LOG_FORMAT = Env("LOG_FORMAT", "json", _one_of("json", "text"), "json or text")
    SEED_DEMO_ALLOWED = False

    @classmethod
    def database_url(cls) -> str:
        raise NotImplementedError

    @classmethod
    def settings(cls, environ: Mapping[str, str] | None = None) -> dict:
        """Every setting of this environment, read from `environ` now."""
        environ = os.environ if environ is None else environ
        values = {}
        for name in dir(cls):
            if name.isupper():
                value = getattr(cls, name)
                values[name] = value.resolve(environ) if isinstance(value, Env) else value
        values["BABEL_DEFAULT_TIMEZONE"] = values["TIMEZONE"]
        values["PERMANENT_SESSION_LIFETIME"] = values["SESSION_ABSOLUTE_LIFETIME"]
        values["SQLALCHEMY_DATABASE_URI"] = cls.database_url()
        values["SECRET_KEY"] = cls.secret_key()
        values.update(cls.rate_limit_storage(values))
        return values

    @classmethod
    def rate_limit_storage(cls, values: dict) -> dict:
        """Where the login and scan limits count. memory:// counts per process: with
        several gunicorn workers each keeps its own count."""
        if values["RATELIMIT_STORAGE_URI"].startswith(("redis://", "rediss://",
                                                       "redis+sentinel://")):
            # Fail fast when Redis is away: sign-in answers 503 instead of hanging.
            return {"RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 2,
                                                  "socket_timeout": 2}}
        return {}

    @classmethod
    def secret_key(cls) -> str:
        return os.environ.get("SECRET_KEY") or secrets.token_hex(32)


class DevelopmentConfig(BaseConfig):
    ENV_NAME = "development"
    SEED_DEMO_ALLOWED = True
    LOG_FORMAT = Env("LOG_FORMAT", "text", _one_of("json", "text"), "json or text")

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
    def rate_limit_storage(cls, values: dict) -> dict:
        if values["RATELIMIT_STORAGE_URI"].startswith("memory://") and not values[
                "RATELIMIT_ALLOW_MEMORY"]:
            raise ConfigurationError(
                "RATELIMIT_STORAGE_URI is not set (or memory://): each gunicorn worker would "
                "count failed logins and scans on its own, multiplying every limit. Set "
                "RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379/0, or RATELIMIT_ALLOW_MEMORY=1 "
                "when exactly one worker process runs"
            )
        return super().rate_limit_storage(values)

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
