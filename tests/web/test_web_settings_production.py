"""Production settings (SOVET_HTTPS=1): `check --deploy` prints no issues; cookies are secure,
HTTP-only where they can be and SameSite=Lax; HTTPS is enforced and remembered (HSTS); frames
are refused; the referrer stays on the site; a proxy is trusted only when said; bodies are small
except the book import."""

from __future__ import annotations

import json
import os
import runpy
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from sovet.web import env

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ROOT / "sovet" / "web" / "settings.py"
KEY = secrets.token_urlsafe(48)
# Every variable settings.py reads that changes security; each test sets its own.
DROPPED = ("SOVET_HTTPS", "SOVET_HSTS_PRELOAD", "SOVET_TRUSTED_PROXY",
           "SOVET_DEBUG", "SOVET_IMPORT_MAX_BYTES", "DATABASE_URL", "SOVET_ALLOWED_HOSTS",
           "SOVET_CSRF_TRUSTED_ORIGINS", env.KEY_ENV)
PRODUCTION = {
    "SOVET_HTTPS": "1",
    "SOVET_HSTS_PRELOAD": "1",
    "SOVET_SECRET_KEY": KEY,
    "SOVET_ALLOWED_HOSTS": "sovet.example",
    "SOVET_CSRF_TRUSTED_ORIGINS": "https://sovet.example",
    "DATABASE_URL": "postgres://sovet:pw@db.example:5432/sovet",
}


def load(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **environ: str) -> dict[str, Any]:
    """Run settings.py afresh under exactly the given environment and return its names."""
    for name in DROPPED:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(env.DATA_ENV, str(tmp_path / "data"))
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS))


def subprocess_env(tmp_path: Path, **environ: str) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if k not in DROPPED}
    return {**e, "SOVET_DATA": str(tmp_path), "DJANGO_SETTINGS_MODULE": "sovet.web.settings",
            **environ}


def deploy_check(tmp_path: Path, **environ: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy"],
        cwd=ROOT,
        env=subprocess_env(tmp_path, **environ),
        capture_output=True,
        text=True,
        timeout=120,
    )


class TestDeployCheck:
    def test_production_settings_pass_check_deploy_with_no_issues(self, tmp_path: Path) -> None:
        done = deploy_check(tmp_path, **PRODUCTION)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "System check identified no issues (0 silenced)."
        assert done.stderr.strip() == ""

    def test_behind_a_trusted_proxy_too(self, tmp_path: Path) -> None:
        done = deploy_check(tmp_path, **PRODUCTION, SOVET_TRUSTED_PROXY="1")
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "System check identified no issues (0 silenced)."

    def test_without_https_the_check_names_what_is_missing(self, tmp_path: Path) -> None:
        plain = {k: v for k, v in PRODUCTION.items() if k != "SOVET_HTTPS"}
        done = deploy_check(tmp_path, **plain)
        found = done.stdout + done.stderr
        for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
            assert warning in found, found


class TestProductionSettings:
    def test_cookies_are_secure_http_only_and_same_site(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        s = load(monkeypatch, tmp_path, **PRODUCTION)
        assert s["SESSION_COOKIE_SECURE"] is True and s["CSRF_COOKIE_SECURE"] is True
        assert s["SESSION_COOKIE_HTTPONLY"] is True
        assert s["SESSION_COOKIE_SAMESITE"] == "Lax" and s["CSRF_COOKIE_SAMESITE"] == "Lax"

    def test_https_is_enforced_and_remembered(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        s = load(monkeypatch, tmp_path, **PRODUCTION)
        assert s["SECURE_SSL_REDIRECT"] is True
        assert s["SECURE_HSTS_SECONDS"] >= 31_536_000
        assert s["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True and s["SECURE_HSTS_PRELOAD"] is True
        assert s["X_FRAME_OPTIONS"] == "DENY"
        assert s["SECURE_REFERRER_POLICY"] == "same-origin"
        assert s["SECURE_CONTENT_TYPE_NOSNIFF"] is True
        assert s["DEBUG"] is False

    def test_hsts_preload_is_the_operators_choice(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        without = {k: v for k, v in PRODUCTION.items() if k != "SOVET_HSTS_PRELOAD"}
        assert load(monkeypatch, tmp_path, **without)["SECURE_HSTS_PRELOAD"] is False

    def test_a_proxy_is_trusted_only_when_said(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        direct = load(monkeypatch, tmp_path, **PRODUCTION)
        assert "SECURE_PROXY_SSL_HEADER" not in direct
        assert direct["SOVET_TRUSTED_PROXIES"] == 0
        proxied = load(monkeypatch, tmp_path, **PRODUCTION, SOVET_TRUSTED_PROXY="1")
        assert proxied["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
        assert proxied["SOVET_TRUSTED_PROXIES"] == 1
        assert proxied["SECURE_SSL_REDIRECT"] is True

    @pytest.mark.parametrize("given", ["yes", "-1", "1.5", "١"])
    def test_a_bad_proxy_count_is_explained(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, given: str
    ) -> None:
        with pytest.raises(ImproperlyConfigured, match="number of proxies in front of Sovet"):
            load(monkeypatch, tmp_path, **PRODUCTION, SOVET_TRUSTED_PROXY=given)

    def test_bodies_are_small_except_the_book_import(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        s = load(monkeypatch, tmp_path, **PRODUCTION)
        assert s["DATA_UPLOAD_MAX_MEMORY_SIZE"] == 1024 * 1024
        assert s["SOVET_IMPORT_MAX_BYTES"] == 64 * 1024 * 1024
        bigger = load(monkeypatch, tmp_path, **PRODUCTION, SOVET_IMPORT_MAX_BYTES="200000000")
        assert bigger["SOVET_IMPORT_MAX_BYTES"] == 200_000_000
        with pytest.raises(ImproperlyConfigured, match="whole number of bytes"):
            load(monkeypatch, tmp_path, **PRODUCTION, SOVET_IMPORT_MAX_BYTES="64MiB")


# Run in a fresh interpreter under the production environment: migrate a throwaway SQLite
# database, then ask the site over plain HTTP, over HTTPS, and log in, and report what the
# answers carried.
PROBE = r"""
import json, django
django.setup()
from django.core.management import call_command
from django.test import Client
from sovet.web.accounts.models import Person
call_command("migrate", verbosity=0)
Person.objects.create_user("ana", "cinder-lathe-9-orchard", display_name="Ana")
out = {}
plain = Client().get("/accounts/login/", HTTP_HOST="sovet.example")
out["plain"] = [plain.status_code, plain.get("Location")]
forwarded = Client().get("/accounts/login/", HTTP_HOST="sovet.example",
                         HTTP_X_FORWARDED_PROTO="https")
out["forwarded"] = forwarded.status_code
client = Client()
page = client.get("/accounts/login/", HTTP_HOST="sovet.example", secure=True)
out["headers"] = {h: page.get(h) for h in ("Strict-Transport-Security", "X-Frame-Options",
                  "Referrer-Policy", "X-Content-Type-Options")}
csrf = page.cookies["csrftoken"]
out["csrf"] = {"secure": csrf["secure"], "samesite": csrf["samesite"]}
login = client.post("/accounts/login/", {"username": "ana", "password": "cinder-lathe-9-orchard"},
                    HTTP_HOST="sovet.example", secure=True)
session = login.cookies["sessionid"]
out["session"] = {"status": login.status_code, "secure": session["secure"],
                  "httponly": session["httponly"], "samesite": session["samesite"]}
print(json.dumps(out))
"""


def probe(tmp_path: Path, **environ: str) -> dict[str, Any]:
    # The probe's client is not behind a real proxy, so CSRF's origin check needs no proxy.
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=subprocess_env(tmp_path, **{**PRODUCTION, "DATABASE_URL": ""}, **environ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_the_site_in_production_redirects_to_https_and_sends_secure_cookies(
    tmp_path: Path,
) -> None:
    out = probe(tmp_path)
    assert out["plain"] == [301, "https://sovet.example/accounts/login/"]
    # Without a trusted proxy a client's X-Forwarded-Proto is not believed.
    assert out["forwarded"] == 301
    assert out["headers"] == {
        "Strict-Transport-Security": "max-age=31536000; includeSubDomains; preload",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
        "X-Content-Type-Options": "nosniff",
    }
    assert out["csrf"] == {"secure": True, "samesite": "Lax"}
    assert out["session"] == {"status": 302, "secure": True, "httponly": True, "samesite": "Lax"}


def test_behind_a_trusted_proxy_its_forwarded_https_is_believed(tmp_path: Path) -> None:
    out = probe(tmp_path, SOVET_TRUSTED_PROXY="1")
    assert out["plain"] == [301, "https://sovet.example/accounts/login/"]
    assert out["forwarded"] == 200
