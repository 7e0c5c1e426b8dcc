"""Settings come from the environment: no key in the repository, a local key kept once in the
data folder, HTTPS hardening when asked for, Argon2 first, i18n and CSRF on."""

from __future__ import annotations

import os
import re
import runpy
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from sovet.web import env

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ROOT / "sovet" / "web" / "settings.py"
A_KEY = "k" * 20 + "-from-the-environment-" + "q" * 20


def load_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **environ: str
) -> dict[str, Any]:
    """Run settings.py afresh under the given environment and return its names."""
    for name in ("SOVET_HTTPS", "SOVET_DEBUG", "SOVET_TRUSTED_PROXY", "SOVET_HSTS_PRELOAD",
                 "DATABASE_URL", env.KEY_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(env.DATA_ENV, str(tmp_path / "data"))
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS))


def test_no_secret_key_is_written_in_the_repository() -> None:
    assignment = re.compile(r"""SECRET_KEY\s*=\s*['"]""")
    for path in (ROOT / "sovet").rglob("*.py"):
        assert not assignment.search(path.read_text()), f"{path} assigns a literal secret key"
    for path in [*ROOT.glob("*.*"), *(ROOT / "sovet").rglob("*"), *(ROOT / "docs").rglob("*")]:
        if path.is_file() and path.suffix in {".py", ".toml", ".md", ".cfg", ".ini", ".env"}:
            assert "django-insecure" not in path.read_text(), path
    assert re.search(r"^SECRET_KEY = env\.secret_key\(DATA_DIR\)$", SETTINGS.read_text(), re.M)
    assert not list((ROOT / "sovet").rglob(env.KEY_FILE))


def test_a_local_key_is_made_once_private_and_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(env.KEY_ENV, raising=False)
    first = env.secret_key(tmp_path)
    assert len(first) >= 50
    mode = stat.S_IMODE((tmp_path / env.KEY_FILE).stat().st_mode)
    assert mode == 0o600
    assert env.secret_key(tmp_path) == first
    other = tmp_path / "other"
    other.mkdir()
    assert env.secret_key(other) != first


def test_the_key_from_the_environment_wins_and_must_be_long(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(env.KEY_ENV, A_KEY)
    assert env.secret_key(tmp_path) == A_KEY
    assert not (tmp_path / env.KEY_FILE).exists()
    monkeypatch.setenv(env.KEY_ENV, "short")
    with pytest.raises(ImproperlyConfigured, match="at least 50 random characters"):
        env.secret_key(tmp_path)


def test_a_damaged_key_file_is_explained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(env.KEY_ENV, raising=False)
    (tmp_path / env.KEY_FILE).write_text("abc")
    with pytest.raises(ImproperlyConfigured, match="shorter than 50 characters; remove it"):
        env.secret_key(tmp_path)


def test_the_data_folder_is_made_where_sovet_data_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(env.DATA_ENV, str(tmp_path / "a" / "b"))
    assert env.data_dir() == (tmp_path / "a" / "b").resolve()
    assert (tmp_path / "a" / "b").is_dir()
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv(env.DATA_ENV, str(blocker / "data"))
    with pytest.raises(ImproperlyConfigured, match="cannot create the data folder"):
        env.data_dir()


def test_the_database_is_sqlite_in_the_data_folder_unless_database_url_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    local = env.database(tmp_path)
    assert local["ENGINE"] == "django.db.backends.sqlite3"
    assert local["NAME"] == str(tmp_path / "sovet.sqlite3")
    assert local["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    monkeypatch.setenv("DATABASE_URL", "postgres://sovet:pw@db.example:5432/sovet")
    pg = env.database(tmp_path)
    assert pg["ENGINE"] == "django.db.backends.postgresql"
    assert (pg["HOST"], pg["NAME"], pg["CONN_HEALTH_CHECKS"]) == ("db.example", "sovet", True)
    monkeypatch.setenv("DATABASE_URL", "mongo://x")
    with pytest.raises(ImproperlyConfigured, match="not a database address Sovet can use"):
        env.database(tmp_path)


def test_the_defaults_are_safe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s = load_settings(monkeypatch, tmp_path)
    assert s["DEBUG"] is False
    assert s["PASSWORD_HASHERS"][0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert "django.middleware.csrf.CsrfViewMiddleware" in s["MIDDLEWARE"]
    assert "django.middleware.locale.LocaleMiddleware" in s["MIDDLEWARE"]
    assert s["USE_I18N"] and s["USE_TZ"] and s["TIME_ZONE"] == "UTC"
    assert s["LANGUAGE_CODE"] == "en"
    assert s["AUTH_USER_MODEL"] == "accounts.Person"
    assert s["ALLOWED_HOSTS"] == ["localhost", "127.0.0.1", "[::1]"]
    assert s["X_FRAME_OPTIONS"] == "DENY"
    assert "SESSION_COOKIE_SECURE" not in s and "SECURE_HSTS_SECONDS" not in s
    assert (tmp_path / "data" / env.KEY_FILE).exists()


def test_debug_is_on_only_when_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings(monkeypatch, tmp_path, SOVET_DEBUG="1")["DEBUG"] is True
    assert load_settings(monkeypatch, tmp_path, SOVET_DEBUG="true")["DEBUG"] is False


def test_https_brings_secure_cookies_hsts_and_a_redirect(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = load_settings(monkeypatch, tmp_path, SOVET_HTTPS="1", SOVET_ALLOWED_HOSTS="sovet.example")
    assert s["SESSION_COOKIE_SECURE"] and s["CSRF_COOKIE_SECURE"] and s["SECURE_SSL_REDIRECT"]
    assert s["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert s["ALLOWED_HOSTS"] == ["sovet.example"]


def test_the_deployment_check_passes_with_https(tmp_path: Path) -> None:
    environ = {
        **os.environ,
        "SOVET_DATA": str(tmp_path),
        "SOVET_HTTPS": "1",
        "SOVET_ALLOWED_HOSTS": "sovet.example",
        "DJANGO_SETTINGS_MODULE": "sovet.web.settings",
    }
    environ.pop(env.KEY_ENV, None)
    done = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    # The one warning left is HSTS preload, a commitment only the operator can make.
    warnings = re.findall(r"\(([a-z_.]+\.[WE]\d+)\)", done.stdout + done.stderr)
    assert warnings == ["security.W021"], done.stdout + done.stderr
