"""A durable throwaway PostgreSQL, Sovet served on it by gunicorn, and an open-loop vote load.

The harness of the crash tests (`tests/postgres/test_crash.py`) and of the load benchmark
(`bench/load.py`, which imports it through `sys.path`):

- `Cluster`: a PostgreSQL server (Debian's binaries, found like `scripts/postgres-lane` does)
  in a temporary folder, DURABLE unlike the lane's (fsync, synchronous_commit and
  full_page_writes on), listening on loopback TCP on a free port and on a unix socket in its
  folder. `stop(mode="immediate")` crashes it the way `pg_ctl stop -m immediate` does (no
  checkpoint; the next `start()` replays the WAL); `pgbench` runs a custom script on it; `sql`
  runs a query. As root (CI) the server runs as `postgres`, because initdb refuses root.
- `migrate`: `sovet migrate` with its DATABASE_URL.
- `Server`: gunicorn sync workers serving `sovet.web.wsgi:application` on loopback;
  `kill()` is SIGKILL to the master and every worker at once (a crash, not a shutdown).
- `seed`: a council of N members with open motions on an open (roll-call) ballot and on a
  secret ballot, built through the core's rules and the books' service (as `bench/web.py`
  does), plus a credential per voter: an API token (`sovet.api.tokens.token_create`) when
  the API is installed, else a logged-in session for the vote page. It runs in a subprocess
  (`python cluster.py seed ...`), so the caller's Django, if any, stays on its own database.
- `open_loop`: an open-loop, constant-arrival-rate load generator (asyncio, one TCP connection
  per request, at most `concurrency` requests in flight); each request's latency is measured
  from its SCHEDULED send time, so queueing in front of a slow server shows.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvloop

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # the venv's bin: gunicorn and sovet live beside python
SECRET_KEY = "crash-and-load-test-key-not-secret-" + "x" * 30
HOSTS = "127.0.0.1,localhost"


class HarnessError(RuntimeError):
    """The harness could not start or drive a server; the message says what and where."""


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no log at {path})"


def find_bindir() -> Path | None:
    """The folder of PostgreSQL's server binaries (initdb, pg_ctl), as the lane finds it."""
    for d in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (d / "initdb").exists() and (d / "pg_ctl").exists():
            return d
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).parent
    return None


def missing() -> str | None:
    """Why this harness cannot run here (a sentence), or None when it can."""
    bindir = find_bindir()
    if bindir is None:
        return ("PostgreSQL's server binaries (initdb, pg_ctl) are not installed: run "
                "scripts/postgres-lane (it installs Debian's postgresql as root)")
    if not (BIN / "gunicorn").exists():
        return f"gunicorn is not installed in {BIN}: run scripts/setup dev"
    if os.geteuid() == 0:
        import pwd

        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root needs the `postgres` user (Debian's postgresql makes it)"
    return None


def free_port() -> int:
    """A TCP port on loopback that nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_pg(argv: list[str]) -> list[str]:
    # initdb refuses to run as root; the lane runs the server as `postgres` for that reason.
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


@dataclass
class Cluster:
    """A durable throwaway PostgreSQL server in a temporary folder (see the module's text).

    Use as a context manager, or call `create()` and `destroy()`.
    """

    port: int = field(default_factory=free_port)
    bindir: Path = field(default_factory=lambda: find_bindir() or Path("/nonexistent"))
    root: Path = field(init=False)
    database: str = "sovet"
    options: str = ""  # more `-c name=value` settings for the server

    def __post_init__(self) -> None:
        # Short path: a unix socket path must fit in about 100 bytes.
        self.root = Path(tempfile.mkdtemp(prefix="sovet-pgd."))

    def __enter__(self) -> Cluster:
        try:
            self.create()
        except BaseException:
            self.destroy()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.destroy()

    @property
    def data(self) -> Path:
        """The server's data folder (PGDATA)."""
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        """The folder of the server's unix socket."""
        return self.root / "sock"

    @property
    def log(self) -> Path:
        """The server's log file."""
        return self.root / "server.log"

    @property
    def url(self) -> str:
        """The DATABASE_URL of the cluster's database, over loopback TCP."""
        return f"postgres://postgres@127.0.0.1:{self.port}/{self.database}"

    @property
    def dsn(self) -> str:
        """A libpq connection string for psycopg, over loopback TCP."""
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={self.database}"

    def _run(self, argv: list[str], what: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise HarnessError(f"{what} failed ({done.returncode}): {done.stderr.strip()}\n"
                               f"{_tail(self.log)}")
        return done

    def create(self) -> None:
        """Make the folder, run initdb, start the server and create the database."""
        if not (self.bindir / "initdb").exists():
            raise HarnessError(missing() or f"no initdb in {self.bindir}")
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        self.root.chmod(0o755)  # the log and the folder stay readable to root and to us
        self._run(_as_pg(["mkdir", str(self.socket_dir)]), "mkdir socket folder")
        self._run(_as_pg([str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres",
                          "--auth=trust", "--no-instructions", "-E", "UTF8",
                          "--locale=C.UTF-8"]), "initdb")
        self.start()
        self._run(_as_pg([str(self.bindir / "createdb"), "-h", str(self.socket_dir),
                          "-p", str(self.port), "-U", "postgres", self.database]), "createdb")

    def start(self) -> None:
        """Start the server on its data folder (after a crash it replays the WAL first)."""
        # Durable, unlike the lane's server: a commit is on disk before it is acknowledged.
        options = (f"-c listen_addresses=127.0.0.1 -c port={self.port} "
                   f"-c unix_socket_directories={self.socket_dir} -c fsync=on "
                   "-c synchronous_commit=on -c full_page_writes=on -c max_connections=200 "
                   f"{self.options}")
        self._run(_as_pg([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l",
                          str(self.log), "-w", "-t", "60", "-s", "-o", options, "start"]),
                  "pg_ctl start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: `fast` (clean) or `immediate` (a crash: no checkpoint)."""
        self._run(_as_pg([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", mode,
                          "-w", "-s", "stop"]), f"pg_ctl stop -m {mode}")

    def running(self) -> bool:
        """Whether the server is up (its postmaster.pid is there)."""
        return (self.data / "postmaster.pid").exists()

    def destroy(self) -> None:
        """Stop the server if it runs and delete its folder."""
        if self.running():
            subprocess.run(_as_pg([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m",
                                   "immediate", "-w", "-s", "stop"]),
                           capture_output=True, check=False)
        shutil.rmtree(self.root, ignore_errors=True)

    def sql(self, query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one statement in autocommit and return its rows (none for a command)."""
        import psycopg

        with psycopg.connect(self.dsn, autocommit=True) as conn, conn.cursor() as cur:
            cur.execute(query, params)
            return list(cur.fetchall()) if cur.description else []

    def pgbench(self, script: str, *, clients: int = 8, jobs: int = 2, seconds: int = 10,
                options: str = "") -> float:
        """Run pgbench with a custom script (`-n -f`) and return its transactions per second.

        `options` are settings for pgbench's sessions (PGOPTIONS), e.g.
        `-c synchronous_commit=off`.
        """
        path = self.root / "pgbench.sql"
        path.write_text(script)
        path.chmod(0o644)
        pgbench = self.bindir / "pgbench"
        if not pgbench.exists():
            pgbench = Path(shutil.which("pgbench") or "pgbench")
        argv = [str(pgbench), "-n", "-f", str(path), "-c", str(clients), "-j", str(jobs),
                "-T", str(seconds), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                self.database]
        done = subprocess.run(argv, capture_output=True, text=True, check=False,
                              env={**os.environ, "PGOPTIONS": options})
        if done.returncode != 0:
            raise HarnessError(f"pgbench failed ({done.returncode}): {done.stderr.strip()}")
        for text in done.stdout.splitlines():
            if text.startswith("tps = "):
                return float(text.split()[2])
        raise HarnessError(f"pgbench printed no tps line:\n{done.stdout}")


def site_env(url: str, data: Path) -> dict[str, str]:
    """The environment a Sovet process on this database needs (no DJANGO_SETTINGS_MODULE
    override, no other database)."""
    env = dict(os.environ)
    for name in ("SOVET_EXPECT_POSTGRES", "SOVET_DEBUG", "SOVET_HTTPS", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    env.update(DATABASE_URL=url, SOVET_DATA=str(data), SOVET_SECRET_KEY=SECRET_KEY,
               SOVET_ALLOWED_HOSTS=HOSTS, PYTHONUNBUFFERED="1")
    return env


def migrate(url: str, data: Path) -> None:
    """Apply Sovet's migrations to the database at `url` (`sovet migrate`)."""
    done = subprocess.run([str(BIN / "sovet"), "migrate"], env=site_env(url, data),
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise HarnessError(f"sovet migrate failed: {done.stdout}{done.stderr}")


@dataclass
class Server:
    """gunicorn sync workers serving Sovet on loopback (see the module's text)."""

    url: str
    data: Path
    workers: int = 2
    port: int = field(default_factory=free_port)
    app: str = "sovet.web.wsgi:application"
    extra: tuple[str, ...] = ()
    process: subprocess.Popen[bytes] | None = None

    @property
    def log(self) -> Path:
        """gunicorn's log (its error log and the workers' output)."""
        return self.data / f"gunicorn-{self.port}.log"

    def start(self, timeout: float = 60) -> None:
        """Start gunicorn and wait until it answers HTTP."""
        self.data.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            # A session of its own, so `kill` reaches the master and every worker at once.
            self.process = subprocess.Popen(
                [str(BIN / "gunicorn"), self.app, "-w", str(self.workers), "-k", "sync",
                 "-b", f"127.0.0.1:{self.port}", "--graceful-timeout", "5", "--no-control-socket",
                 *self.extra],
                env=site_env(self.url, self.data), cwd=ROOT, stdout=log, stderr=log,
                start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise HarnessError(f"gunicorn exited ({self.process.returncode}) at start:\n"
                                   f"{_tail(self.log)}")
            if http_status(self.port, "GET", "/") > 0:
                return
            time.sleep(0.1)
        raise HarnessError(f"gunicorn did not answer within {timeout:g} s:\n{_tail(self.log)}")

    def kill(self) -> None:
        """SIGKILL the master and all its workers: a crash, with requests in flight."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        """Stop gunicorn cleanly (SIGTERM), and kill it if it lingers."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def http_status(port: int, method: str, path: str, headers: dict[str, str] | None = None,
                body: bytes = b"", timeout: float = 10) -> int:
    """Send one request to loopback and return the answer's status (0: no answer)."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close",
             f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(raw)
            answer = s.recv(64)
    except OSError:
        return 0
    return _status(answer)


def warm(port: int, seeded: Seeded, workers: int) -> None:
    """Make every worker read the council's state once (a worker replays the book on its first
    request), so the load measures votes, not start-up."""
    for kind in ("open", "secret"):
        for motion in seeded.motions(kind)[:1]:
            path = (f"/api/v1/councils/{seeded.slug}/motions/{motion}" if seeded.via == "api"
                    else f"/councils/{seeded.slug}/motions/{motion}/")
            for _ in range(3 * workers):
                http_status(port, "GET", path)


def _status(answer: bytes) -> int:
    if answer[:5] != b"HTTP/" or len(answer) < 12 or not answer[9:12].isdigit():
        return 0
    return int(answer[9:12])


# ---------------------------------------------------------------------------------------------
# Seeding a council (runs in a subprocess on the cluster's database)


@dataclass(frozen=True)
class Seeded:
    """A seeded council: its slug, its open motions by ballot kind, and its voters.

    `voters` are (username, credential) in order; `via` says what the credential is: `api`
    (an API token, for `POST /api/v1/.../vote`) or `page` (a session id, for the vote page).
    """

    slug: str
    open_ballot: tuple[int, ...]
    secret_ballot: tuple[int, ...]
    voters: tuple[tuple[str, str], ...]
    via: str

    def motions(self, kind: str) -> tuple[int, ...]:
        """The open motions voted by `secret` or `open` ballot."""
        return self.secret_ballot if kind == "secret" else self.open_ballot


def seed(url: str, data: Path, *, members: int, open_motions: int, secret_motions: int,
         voters: int, slug: str = "big", via: str = "auto") -> Seeded:
    """Build a seeded council on the database at `url` (in a subprocess) and return it."""
    if voters > members - secret_motions:
        raise HarnessError(f"{voters} voters do not fit in {members} members less the "
                           f"{secret_motions} subjects of the secret (expulsion) motions")
    spec = json.dumps(dict(members=members, open_motions=open_motions,
                           secret_motions=secret_motions, voters=voters, slug=slug, via=via))
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "seed", spec],
                          env=site_env(url, data), cwd=ROOT, capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        raise HarnessError(f"seeding failed:\n{done.stdout}\n{done.stderr[-4000:]}")
    got = json.loads(done.stdout.strip().splitlines()[-1])
    return Seeded(slug=got["slug"], open_ballot=tuple(got["open"]),
                  secret_ballot=tuple(got["secret"]),
                  voters=tuple((p, c) for p, c in got["voters"]), via=got["via"])


def _api_installed() -> bool:
    try:
        import sovet.api.tokens  # noqa: F401
    except ImportError:
        return False
    from django.conf import settings

    return "sovet.api" in settings.INSTALLED_APPS


def _seed_here(spec: dict[str, Any]) -> dict[str, Any]:
    """Build the council in this process (Django set up on the cluster's database)."""
    from sovet import serve

    serve.setup()
    from datetime import timedelta

    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from sovet.core import founding
    from sovet.core import motion as core_motion
    from sovet.core.acts import Act
    from sovet.core.charter import Charter
    from sovet.core.council import CouncilState, Decision
    from sovet.web.accounts.models import Person
    from sovet.web.books.models import Council
    from sovet.web.books.services import book_append, council_lock
    from sovet.web.councils.projector import project
    from sovet.web.councils.selectors import council_state_store

    members, slug = int(spec["members"]), str(spec["slug"])
    now = timezone.now()
    start = now - timedelta(days=1)
    people = [f"p{i:05d}" for i in range(members)]
    acts: list[Act] = []
    state = CouncilState()

    def do(decision: Decision) -> None:
        nonlocal state
        acts.extend(decision.acts)
        state = decision.state

    do(founding.propose_founding(state, council=slug, name=f"Council {slug}",
                                 founders=tuple(people), by=people[0], at=start,
                                 charter=Charter()))
    for i, p in enumerate(people[1:], 1):
        do(founding.confirm_founding(state, by=p, at=start + timedelta(milliseconds=i)))
    opened: dict[str, list[int]] = {"open": [], "secret": []}
    at = now - timedelta(hours=1)
    # Resolutions are voted by open ballot and expulsions by secret ballot under the default
    # charter; each expulsion has its own subject, from the end of the list (never a voter).
    for i in range(int(spec["open_motions"])):
        do(core_motion.move(state, kind="resolution", by=people[0], at=at,
                            text=f"Resolution {i + 1}: the canteen opens at 6 am."))
        opened["open"].append(max(state.motions))
        do(core_motion.second(state, motion=max(state.motions), by=people[1], at=at))
    for i in range(int(spec["secret_motions"])):
        do(core_motion.move(state, kind="expulsion", by=people[0], at=at,
                            subject=people[members - 1 - i], text="Crossed the picket line"))
        opened["secret"].append(max(state.motions))
        do(core_motion.second(state, motion=max(state.motions), by=people[1], at=at))
    for kind, numbers in opened.items():
        for n in numbers:
            m = state.motions[n]
            if m.status != "open" or m.secret != (kind == "secret"):
                raise HarnessError(f"motion {n} is {m.status}, secret={m.secret}: expected an "
                                   f"open {kind} ballot")

    hashed = make_password("load-test-password-not-secret")
    Person.objects.bulk_create(
        [Person(username=p, display_name=f"Person {p[1:]}", password=hashed) for p in people],
        batch_size=2000)
    with transaction.atomic():
        council = Council.objects.create(slug=slug, name=f"Council {slug}")
        council = council_lock(council.pk)
        entries = book_append(council, acts)
        council_state_store(council, state)
        project(council, entries)

    via = str(spec["via"])
    if via == "auto":
        via = "api" if _api_installed() else "page"
    voters = list(Person.objects.filter(username__in=people[: int(spec["voters"])])
                  .order_by("username"))
    with transaction.atomic():
        credentials = [_credential(person, via) for person in voters]
    return dict(slug=slug, open=opened["open"], secret=opened["secret"], via=via,
                voters=[[p.username, c] for p, c in zip(voters, credentials, strict=True)])


def _credential(person: Any, via: str) -> str:
    """An API token, or a logged-in session's key (the page path, before the API existed)."""
    if via == "api":
        from sovet.api.tokens import token_create

        return str(token_create(person=person, name="load")[1])
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(person.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = person.get_session_auth_hash()
    session.create()
    return str(session.session_key)


# ---------------------------------------------------------------------------------------------
# The open-loop load


def vote_request(seeded: Seeded, port: int, motion: int, credential: str,
                 choice: str = "yes") -> bytes:
    """The raw HTTP request casting one vote: the API's vote POST (or the vote page's)."""
    host = f"127.0.0.1:{port}"
    if seeded.via == "api":
        body = json.dumps({"choice": choice}).encode()
        head = (f"POST /api/v1/councils/{seeded.slug}/motions/{motion}/vote HTTP/1.1\r\n"
                f"Host: {host}\r\nAuthorization: Bearer {credential}\r\n"
                "Content-Type: application/json\r\n")
    else:
        csrf = secrets.token_hex(16)  # an unmasked 32-character CSRF secret, sent twice
        body = urllib.parse.urlencode({"choice": choice, "csrfmiddlewaretoken": csrf}).encode()
        head = (f"POST /councils/{seeded.slug}/motions/{motion}/vote/ HTTP/1.1\r\n"
                f"Host: {host}\r\nCookie: sessionid={credential}; csrftoken={csrf}\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\n")
    return (head + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body


def accepted(status: int, via: str) -> bool:
    """Whether an answer says the vote was recorded: 2xx from the API; the page's 302."""
    return 200 <= status < 300 if via == "api" else status == 302


@dataclass
class Outcome:
    """One request of a load: when it was due, how late it was sent, its latency and status.

    `latency` counts from the scheduled send time (so a request queued behind busy ones is
    slow); `status` is 0 when no answer came (refused, reset, timed out), -1 when the request
    was not sent at all (see `open_loop`'s `max_late`).
    """

    index: int
    due: float
    late: float = 0.0
    latency: float = 0.0
    status: int = 0
    answer: bytes = b""

    def why(self) -> str:
        """The answer's status and body (its start), to name a failure."""
        _, _, body = self.answer.partition(b"\r\n\r\n")
        return f"{self.status} {body[:300].decode(errors='replace')}"


@dataclass
class Load:
    """What an open-loop run measured: every outcome, its wall time and its own CPU time."""

    outcomes: list[Outcome]
    wall: float
    cpu: float  # CPU seconds of this process (the generator) during the run

    def ok(self, via: str) -> list[Outcome]:
        """The outcomes whose answer says the vote was recorded."""
        return [o for o in self.outcomes if accepted(o.status, via)]


class _Call(asyncio.Protocol):
    """One request on its own connection; gunicorn's sync workers close it after the answer."""

    def __init__(self, payload: bytes, done: asyncio.Future[bytes]) -> None:
        self.payload, self.done, self.head = payload, done, b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport.write(self.payload)  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        if len(self.head) < 1024:  # the status line, and enough of the rest to say why
            self.head += data

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            self.done.set_result(self.head)


async def _load(port: int, requests: Sequence[bytes], rate: float, concurrency: int,
                timeout: float, max_late: float,
                at: Sequence[tuple[float, Callable[[], object]]], progress: list[int]) -> Load:
    loop = asyncio.get_running_loop()
    outcomes = [Outcome(i, i / rate) for i in range(len(requests))]
    counter = iter(range(len(requests)))
    t0 = loop.time() + 0.05
    threads = [threading.Timer(max(0.0, t0 - loop.time() + when), fn) for when, fn in at]
    for t in threads:
        t.daemon = True
        t.start()

    async def one(o: Outcome) -> None:
        done: asyncio.Future[bytes] = loop.create_future()
        try:
            transport, _ = await loop.create_connection(
                lambda: _Call(requests[o.index], done), "127.0.0.1", port)
        except OSError:
            return
        try:
            o.answer = await asyncio.wait_for(done, timeout)
            o.status = _status(o.answer)
            if 200 <= o.status < 400:
                progress[0] += 1
        except TimeoutError:
            transport.abort()

    async def voter() -> None:
        # One of `concurrency` voters in flight: it takes the next request when free, so a
        # request waits for a free voter only when all of them wait for the server.
        for i in counter:
            o = outcomes[i]
            delay = t0 + o.due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            o.late = loop.time() - t0 - o.due
            if o.late > max_late:
                # Every voter has waited on the server so long that this request would only
                # measure the backlog: it is not sent (status -1), and counts as an error.
                o.status, o.latency = -1, o.late
                continue
            await one(o)
            o.latency = loop.time() - t0 - o.due

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(voter() for _ in range(concurrency)))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    for t in threads:
        t.join()
    return Load(outcomes, wall, cpu)


def open_loop(port: int, requests: Sequence[bytes], *, rate: float, concurrency: int = 100,
              timeout: float = 15.0, max_late: float = float("inf"),
              at: Sequence[tuple[float, Callable[[], object]]] = (),
              progress: list[int] | None = None) -> Load:
    """Send `requests` to loopback `port` at a constant `rate` per second, open-loop.

    Request i is due `i / rate` seconds after the start, whatever happened to the ones before;
    at most `concurrency` are in flight (the voters); each answer's latency counts from its due
    time. A request that could not be sent within `max_late` seconds of its due time (every
    voter busy waiting) is not sent and gets status -1. `at` holds (seconds after the start,
    function) pairs run on their own thread then, e.g. a crash in the middle of the load;
    `progress[0]`, if given, counts the 2xx and 3xx answers as they come, for such a function
    to wait on. Returns every outcome, the wall time and the CPU time this process spent (the
    generator's own cost).
    """
    # uvloop's loop (libuv, in C) opens a connection for a fraction of the CPU of asyncio's
    # own: the generator shares the machine's cores with the server it measures.
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(_load(port, requests, rate, concurrency, timeout, max_late, at,
                                [0] if progress is None else progress))


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) of values, nearest rank; 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def main(argv: list[str]) -> None:
    """`python cluster.py seed SPEC`: seed a council (the subprocess side of `seed`)."""
    if len(argv) != 2 or argv[0] != "seed":
        raise SystemExit("usage: cluster.py seed JSON-SPEC")
    got = _seed_here(json.loads(argv[1]))
    print(json.dumps(got))


if __name__ == "__main__":
    main(sys.argv[1:])
