"""The reader's locale: the language a page's text is really in, apart from its formats.

`LocaleMiddleware` activates the locale the reader asks for (among `settings.LANGUAGES`), so
dates and numbers follow it; but Sovet's own text is only in the languages it ships a
catalogue for (English, the source, always). The page's `lang` must name the language of its
text, or a screen reader reads English words with another language's voice.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import get_language, to_locale

SOURCE_LANGUAGE = "en"


@cache
def _shipped(language: str) -> bool:
    """Whether a compiled catalogue of Sovet's text exists for `language` (or its base)."""
    for base in (language, language.split("-")[0]):
        for folder in settings.LOCALE_PATHS:
            if (Path(folder) / to_locale(base) / "LC_MESSAGES" / "django.mo").is_file():
                return True
    return False


def text_language(request: HttpRequest) -> dict[str, str]:
    """Context processor: `TEXT_LANGUAGE`, the language of the page's own text."""
    language = get_language() or SOURCE_LANGUAGE
    if language.split("-")[0] == SOURCE_LANGUAGE or _shipped(language):
        return {"TEXT_LANGUAGE": language}
    return {"TEXT_LANGUAGE": SOURCE_LANGUAGE}
