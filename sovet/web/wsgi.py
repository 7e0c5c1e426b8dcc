"""The WSGI application that `sovet serve` (waitress) or any WSGI server runs."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sovet.web.settings")

application = get_wsgi_application()
