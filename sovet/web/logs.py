"""Where the site's log records go."""

from __future__ import annotations

import logging
import sys
from typing import TextIO


class CurrentStderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Write each record to `sys.stderr` as it is when the record is logged.

    A plain `StreamHandler` keeps the stream it was given when logging was configured; if
    something swapped `sys.stderr` at that moment (a test runner's capture, a command run
    in-process) and closed it later, every record after would fail to be written.
    """

    def __init__(self, level: int = logging.NOTSET) -> None:
        logging.Handler.__init__(self, level)

    @property
    def stream(self) -> TextIO:
        """The process's standard error now."""
        return sys.stderr
