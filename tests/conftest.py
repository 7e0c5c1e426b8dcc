"""Root test set-up: Django settings for tests/web, with a throwaway data folder.

pytest-django reads DJANGO_SETTINGS_MODULE before this file is imported, so Django is set up
here, before the conftests below import models; pytest-django's own `pytest_configure` then
finds it ready and blocks database access outside tests marked for it. The data folder is a fresh
temporary one, so tests never touch ./sovet-data or a developer's $SOVET_DATA.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

_DATA = tempfile.mkdtemp(prefix="sovet-test-data-")
atexit.register(shutil.rmtree, _DATA, ignore_errors=True)
os.environ["SOVET_DATA"] = _DATA
os.environ.pop("SOVET_SECRET_KEY", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sovet.web.settings")

import django  # noqa: E402 (the environment above must come first)

django.setup()
