"""`migrate` makes the database; `serve` serves the site with waitress, refusing to start on an
unmigrated database or a port it cannot have."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from sovet.serve import CannotListen, NotReady, make_server

ROOT = Path(__file__).resolve().parents[2]


def environ(data: Path) -> dict[str, str]:
    e = {**os.environ, "SOVET_DATA": str(data), "DJANGO_SETTINGS_MODULE": "sovet.web.settings"}
    for name in ("DATABASE_URL", "SOVET_SECRET_KEY", "SOVET_DEBUG", "SOVET_HTTPS"):
        e.pop(name, None)
    return e


def run(code: str, data: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environ(data),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_migrate_makes_the_sqlite_database_and_is_safe_to_repeat(tmp_path: Path) -> None:
    first = run("from sovet.serve import migrate; print(migrate(verbosity=0))", tmp_path)
    assert first.returncode == 0, first.stderr
    assert "books.0001_initial" in first.stdout and "accounts.0001_initial" in first.stdout
    assert (tmp_path / "sovet.sqlite3").is_file()
    again = run("from sovet.serve import migrate; print(migrate(verbosity=0))", tmp_path)
    assert again.returncode == 0 and again.stdout.strip() == "[]"


def test_serving_an_unmigrated_database_is_refused_with_what_to_do(tmp_path: Path) -> None:
    code = (
        "from sovet.serve import NotReady, serve\n"
        "try:\n    serve(port=0)\n"
        "except NotReady as e:\n    print(e.message)\n"
    )
    done = run(code, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "migrations not applied yet" in done.stdout
    assert "run `sovet migrate` first" in done.stdout


def test_the_server_serves_the_site_and_its_static_files(tmp_path: Path) -> None:
    assert run("from sovet.serve import migrate; migrate(verbosity=0)", tmp_path).returncode == 0
    server = subprocess.Popen(
        [sys.executable, "-u", "-c", "from sovet.serve import serve; serve(port=0, threads=2)"],
        cwd=ROOT,
        env=environ(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        announced = server.stdout.readline()
        assert announced.startswith("Sovet is serving on http://127.0.0.1:"), announced
        url = announced.split()[4]
        with urllib.request.urlopen(url, timeout=30) as page:
            assert page.status == 200
            html = page.read().decode()
            assert "No council is kept on this server yet." in html
            assert page.headers["X-Frame-Options"] == "DENY"
        with urllib.request.urlopen(url + "static/htmx/htmx.min.js", timeout=30) as js:
            assert js.status == 200 and js.read().startswith(b"var htmx=function()")
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    assert server.returncode == 0, server.stderr.read() if server.stderr else ""


@pytest.mark.django_db
def test_a_port_already_taken_is_refused_with_what_to_do() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(CannotListen, match=rf"cannot listen on 127\.0\.0\.1:{port}: .*choose"):
            make_server("127.0.0.1", port)


@pytest.mark.django_db
def test_a_port_that_does_not_exist_is_refused() -> None:
    with pytest.raises(CannotListen, match="port 70000 does not exist"):
        make_server("127.0.0.1", 70000)


@pytest.mark.django_db
def test_a_migrated_database_lets_the_server_bind() -> None:
    server = make_server("127.0.0.1", 0, threads=1)
    try:
        assert int(server.effective_port) > 0
    finally:
        server.close()


def test_not_ready_and_cannot_listen_are_refusals_the_cli_prints() -> None:
    from sovet.core.errors import RuleError

    assert issubclass(NotReady, RuleError) and issubclass(CannotListen, RuleError)
