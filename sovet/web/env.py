"""Where the settings come from: the environment, and a data folder for local use.

Kept apart from `settings` so that tests can call these functions without reloading Django.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

DATA_ENV = "SOVET_DATA"
KEY_ENV = "SOVET_SECRET_KEY"
KEY_FILE = "secret_key"
DEFAULT_DATA = "sovet-data"


def flag(name: str) -> bool:
    """Read an on/off switch from the environment: on only when it is exactly `1`."""
    return os.environ.get(name, "").strip() == "1"


def data_dir() -> Path:
    """Return the data folder (`$SOVET_DATA`, or `./sovet-data`), created if missing.

    It holds the SQLite database and the secret key kept for local use. Raises
    `ImproperlyConfigured` when it cannot be created.
    """
    path = Path(os.environ.get(DATA_ENV) or DEFAULT_DATA).expanduser().resolve()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ImproperlyConfigured(
            f"cannot create the data folder {path}: {e.strerror}; set {DATA_ENV} to a folder "
            "Sovet may write to"
        ) from e
    return path


def secret_key(data: Path) -> str:
    """Return the secret key: `$SOVET_SECRET_KEY`, or one generated once and kept in `data`.

    The generated key is written with mode 0600 and read back on every later start, so
    sessions survive a restart; no key is ever part of the repository. Raises
    `ImproperlyConfigured` when the key file cannot be read or written, or is too short.
    """
    given = os.environ.get(KEY_ENV, "").strip()
    if given:
        if len(given) < 50:
            raise ImproperlyConfigured(
                f"{KEY_ENV} is {len(given)} characters long; use at least 50 random characters"
            )
        return given
    path = data / KEY_FILE
    try:
        # O_EXCL: two processes starting at once must not each write a different key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    except OSError as e:
        raise ImproperlyConfigured(f"cannot write the secret key file {path}: {e.strerror}") from e
    else:
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(secrets.token_urlsafe(48))
    try:
        key = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as e:
        raise ImproperlyConfigured(
            f"cannot read the secret key file {path}: {e}; remove it to have a new key made"
        ) from e
    if len(key) < 50:
        raise ImproperlyConfigured(
            f"the secret key file {path} holds a key shorter than 50 characters; remove it to "
            "have a new key made"
        )
    return key


def database(data: Path) -> dict[str, object]:
    """Return the default database: `$DATABASE_URL`, or a SQLite file in the data folder.

    SQLite is tuned for a threaded server: write transactions start IMMEDIATE (so two
    writers queue instead of failing on a lock upgrade), WAL journal, a 20 s busy timeout.
    """
    import dj_database_url

    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        url = f"sqlite:///{data / 'sovet.sqlite3'}"
    try:
        config: dict[str, object] = dict(dj_database_url.parse(url))
    except ValueError as e:
        raise ImproperlyConfigured(
            f"DATABASE_URL is not a database address Sovet can use: {e}; use e.g. "
            "postgres://user:password@host:5432/sovet or sqlite:////path/to/sovet.sqlite3"
        ) from e
    if str(config.get("ENGINE", "")).endswith("sqlite3"):
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    else:
        config["CONN_MAX_AGE"] = 60
        config["CONN_HEALTH_CHECKS"] = True
    return config


def hosts() -> list[str]:
    """Return the host names served (`$SOVET_ALLOWED_HOSTS`, comma-separated; local by default)."""
    given = os.environ.get("SOVET_ALLOWED_HOSTS", "")
    names = [h.strip() for h in given.split(",") if h.strip()]
    return names or ["localhost", "127.0.0.1", "[::1]"]


def trusted_origins() -> list[str]:
    """Return origins trusted for CSRF (`$SOVET_CSRF_TRUSTED_ORIGINS`, comma-separated)."""
    given = os.environ.get("SOVET_CSRF_TRUSTED_ORIGINS", "")
    return [o.strip() for o in given.split(",") if o.strip()]


def static_root() -> Path | None:
    """Return where `collectstatic` gathers static files (`$SOVET_STATIC_ROOT`), if set."""
    given = os.environ.get("SOVET_STATIC_ROOT", "").strip()
    return Path(given).expanduser().resolve() if given else None


def trusted_proxies() -> int:
    """Return how many proxies in front of the server are trusted (`$SOVET_TRUSTED_PROXY`).

    Empty or `0`: none; the client is the peer of the connection. `1`: one proxy (e.g.
    nginx) that terminates TLS, sets X-Forwarded-Proto and appends the client's address to
    X-Forwarded-For; `2` or more: that many such proxies in a chain. Raises
    `ImproperlyConfigured` for anything but a whole number.
    """
    given = os.environ.get("SOVET_TRUSTED_PROXY", "").strip()
    if not given:
        return 0
    if not given.isdigit() or not given.isascii():
        raise ImproperlyConfigured(
            f"SOVET_TRUSTED_PROXY is {given!r}; set it to the number of proxies in front of "
            "Sovet (1 for one nginx), or leave it unset when clients connect directly"
        )
    return int(given)


def size(name: str, default: int) -> int:
    """Read a size in bytes from the environment variable `name` (default `default`).

    Raises `ImproperlyConfigured` unless it is a whole number of bytes.
    """
    given = os.environ.get(name, "").strip()
    if not given:
        return default
    if not given.isdigit() or not given.isascii():
        raise ImproperlyConfigured(
            f"{name} is {given!r}; set it to a whole number of bytes, e.g. {default}"
        )
    return int(given)
