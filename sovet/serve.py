"""Run the web app: `migrate` applies the database migrations, `serve` serves the site.

The command line mounts these as `sovet migrate` and `sovet serve`; they take plain
arguments and raise `RuleError`s (`NotReady`, `CannotListen`) that the CLI prints as sentences.
The server is waitress: a pure-Python threaded WSGI server, production-grade, that runs the
same on a server, a laptop or a phone, with SQLite or PostgreSQL.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from sovet.core.errors import RuleError

SETTINGS = "sovet.web.settings"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class NotReady(RuleError):
    """The site cannot start: its settings, its database or its migrations are not ready."""

    code = "not_ready"


class CannotListen(RuleError):
    """The server cannot listen on the address and port asked for."""

    code = "cannot_listen"


def setup() -> None:
    """Load the Django settings (from the environment) and the apps, once.

    Raises `NotReady` with the settings' own explanation when they are wrong.
    """
    import django
    from django.apps import apps
    from django.core.exceptions import ImproperlyConfigured

    if apps.ready:
        # Once: django.setup() would configure logging again, onto whatever sys.stderr is now
        # (a test runner's capture that is closed later, when the command runs in-process).
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
    try:
        django.setup()
    except ImproperlyConfigured as e:
        raise NotReady(f"the settings are not usable: {e}") from e


def _database_error(e: Exception) -> NotReady:
    from django.db import connection

    where = connection.settings_dict.get("NAME") or "the database"
    return NotReady(
        f"cannot use the database {where}: {e}; check DATABASE_URL (or SOVET_DATA for the "
        "local SQLite file) and that the database server is running"
    )


def pending_migrations() -> list[str]:
    """The migrations not yet applied to the database, as `app.name`, in order.

    Raises `NotReady` when the database cannot be reached.
    """
    from django.db import DatabaseError, connection
    from django.db.migrations.executor import MigrationExecutor

    setup()
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as e:
        raise _database_error(e) from e
    return [f"{m.app_label}.{m.name}" for m, _backwards in plan]


def migrate(*, verbosity: int = 1) -> list[str]:
    """Apply every migration not yet applied, creating the database's tables; return them.

    Safe to run again: an up-to-date database is left as it is. Raises `NotReady` when the
    database cannot be reached.
    """
    from django.core.management import call_command
    from django.db import DatabaseError

    todo = pending_migrations()
    try:
        call_command("migrate", interactive=False, verbosity=verbosity)
    except DatabaseError as e:
        raise _database_error(e) from e
    return todo


def make_server(host: str = "127.0.0.1", port: int = 8000, *, threads: int = 8) -> Any:
    """Build the waitress server for the site, bound but not yet running.

    Port 0 picks a free port (read it from the server's `effective_port`). Raises `NotReady`
    when migrations are pending, `CannotListen` when the address cannot be bound.
    """
    from waitress import create_server

    if not 0 <= port <= 65535:
        raise CannotListen(f"port {port} does not exist: choose one from 1 to 65535", port=port)
    if threads < 1:
        raise CannotListen(f"the server needs at least 1 thread, not {threads}")
    todo = pending_migrations()
    if todo:
        raise NotReady(
            f"the database has {len(todo)} migrations not applied yet (first {todo[0]}): run "
            "`sovet migrate` first",
            pending=tuple(todo),
        )
    from sovet.web.wsgi import application

    try:
        return create_server(application, host=host, port=port, threads=threads, ident="Sovet")
    except OSError as e:
        raise CannotListen(
            f"cannot listen on {host}:{port}: {e.strerror or e}; choose another port or host",
            host=host,
            port=port,
        ) from e


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    threads: int = 8,
    announce: Callable[[str], None] = print,
) -> None:
    """Serve the site until interrupted (Ctrl-C), with waitress and `threads` worker threads.

    Raises `NotReady` when migrations are pending, `CannotListen` when the port is taken.
    """
    server = make_server(host, port, threads=threads)
    shown = f"[{host}]" if ":" in host else host
    announce(f"Sovet is serving on http://{shown}:{server.effective_port}/ (Ctrl-C to stop)")
    if host not in LOCAL_HOSTS:
        announce(
            "Reached by another name or address? Add it to SOVET_ALLOWED_HOSTS "
            "(comma-separated), or the site answers 400."
        )
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
