"""The WSGI application that `sovet serve` (waitress) or any WSGI server runs: Django, with the
vote's fast lane in front of it (`sovet.api.fastlane`)."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sovet.web.settings")

application = get_wsgi_application()

from sovet.api.fastlane import FastLane  # noqa: E402 (after Django is set up)

application = FastLane(application)
