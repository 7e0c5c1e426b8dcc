"""The site's log records reach the standard error of the moment, even if it was swapped."""

from __future__ import annotations

import io
import logging
import sys

import pytest

from sovet.web.logs import CurrentStderr


def test_records_go_to_the_stderr_of_the_moment_not_of_the_configuration(
        monkeypatch: pytest.MonkeyPatch) -> None:
    at_configuration = io.StringIO()
    monkeypatch.setattr(sys, "stderr", at_configuration)
    handler = CurrentStderr()
    at_configuration.close()  # a test runner's capture, closed once its command ended
    now = io.StringIO()
    monkeypatch.setattr(sys, "stderr", now)
    logger = logging.getLogger("sovet.test.logs")
    logger.addHandler(handler)
    try:
        logger.warning("Conflict: /api/v1/councils/import")
    finally:
        logger.removeHandler(handler)
    assert now.getvalue() == "Conflict: /api/v1/councils/import\n"


def test_the_site_logs_through_it() -> None:
    from django.conf import settings

    assert settings.LOGGING["handlers"]["console"]["class"] == "sovet.web.logs.CurrentStderr"
    handlers = logging.getLogger("django").handlers
    assert any(isinstance(h, CurrentStderr) for h in handlers)
