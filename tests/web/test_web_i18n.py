"""Translation and the reader's locale: every visible string of every template is marked for
translation, every form's labels are translatable, English (the source) is shipped, and a
German reader sees dates the German way while the page says truly that its text is English."""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from councilcast import World, build
from django import forms
from django.test import Client
from django.utils.functional import Promise

import sovet.web
from sovet.web.accounts.models import Person
from sovet.web.councils.selectors import council_state_forget
from sovet.web.councils.words import charter_words

WEB = Path(sovet.web.__file__).resolve().parent
TEMPLATES = sorted((WEB / "templates").rglob("*.html"))

# Template syntax removed before the HTML is read: what a translation tag holds is marked;
# a variable is data (a name, a number) or a string marked where it is made; comments vanish.
_BLOCKTRANS = re.compile(r"{%\s*blocktrans(?:late)?\b.*?{%\s*endblocktrans(?:late)?\s*%}", re.S)
_COMMENT = re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}", re.S)
_TAG = re.compile(r"{%.*?%}|{{.*?}}", re.S)
# Visible attributes a reader hears or sees.
_SPOKEN = ("aria-label", "title", "alt", "placeholder", "aria-description")
# Text that needs no translation: punctuation, separators, symbols.
_NO_WORDS = re.compile(r"^[\W\d_]*$")


class _TextNodes(HTMLParser):
    """Collects the visible text and spoken attributes that are left outside translations."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skip = 0  # inside <code>, <script>, <style>: commands and code, not words

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("code", "script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in _SPOKEN and value and not _NO_WORDS.match(value.strip()):
                self.found.append(f"{tag}[{name}]={value.strip()!r}")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("code", "script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        text = data.strip()
        if text and not self._skip and not _NO_WORDS.match(text):
            self.found.append(repr(text))


def untranslated(source: str) -> list[str]:
    """The visible text of a template that no translation tag holds."""
    source = _COMMENT.sub(" ", source)
    source = _BLOCKTRANS.sub(" ", source)
    source = _TAG.sub(" ", source)
    parser = _TextNodes()
    parser.feed(source)
    parser.close()
    return parser.found


def test_the_scan_finds_text_outside_translation_tags() -> None:
    assert untranslated("<p>{% translate 'Hello' %} · {{ name }}</p>") == []
    assert untranslated("<p>{% blocktranslate %}Hi {{ x }}{% endblocktranslate %}</p>") == []
    assert untranslated("<p>Hello</p>") == ["'Hello'"]
    assert untranslated('<nav aria-label="Main">x</nav>') == ["nav[aria-label]='Main'", "'x'"]
    assert untranslated("<pre><code>sovet verify</code></pre>") == []


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(WEB)))
def test_every_visible_string_in_templates_is_marked_for_translation(template: Path) -> None:
    assert untranslated(template.read_text()) == []


def _form_classes() -> Iterator[type[forms.BaseForm]]:
    for info in pkgutil.walk_packages([str(WEB)], "sovet.web."):
        if not info.name.endswith(("forms", "views")):
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if (isinstance(value, type) and issubclass(value, forms.BaseForm)
                    and value.__module__ == module.__name__):
                yield value


def test_every_form_label_and_help_text_is_translatable() -> None:
    classes = list(_form_classes())
    assert len(classes) >= 5  # the scan really finds the site's forms
    plain = [f"{c.__module__}.{c.__name__}.{name}.{what}"
             for c in classes for name, field in c.base_fields.items()
             for what in ("label", "help_text")
             if (text := getattr(field, what)) and not isinstance(text, Promise)]
    assert plain == []


def test_english_the_source_is_shipped_as_a_catalogue() -> None:
    po = WEB / "locale" / "en" / "LC_MESSAGES" / "django.po"
    assert po.is_file(), "run: cd sovet/web && django-admin makemessages -l en"
    text = po.read_text()
    for msgid in ("Found a council", "Join this founding group", "Propose the founding"):
        assert f'msgid "{msgid}"' in text
    # Plural forms are catalogued as plurals, so a translator can give each form.
    assert 'msgid_plural "A motion needs %(n)d seconders before it is put to the vote."' in text


def test_the_charter_says_one_seconder_and_two_seconders() -> None:
    from sovet.core.charter import Charter

    one = charter_words(Charter(seconders=1, sponsors=1))
    assert "A motion needs 1 seconder before it is put to the vote." in one
    assert "An applicant needs 1 sponsor." in one
    two = charter_words(Charter(seconders=2, sponsors=2))
    assert "A motion needs 2 seconders before it is put to the vote." in two
    assert not any("1 seconders" in line or "1 sponsors" in line for line in one)


# --- the reader's locale -----------------------------------------------------------------


@pytest.fixture
def world(make_person: Callable[..., Person]) -> Iterator[World]:
    council_state_forget()
    yield build(make_person)
    council_state_forget()


@pytest.mark.django_db
def test_a_german_reader_sees_german_dates_and_an_honest_language(world: World) -> None:
    # The bakers' council was proposed on 2 March 2026 at 09:00 UTC.
    english = Client().get("/councils/bakers/book/").content.decode()
    assert "March 2, 2026" in english and '<html lang="en">' in english
    german = Client(HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9").get("/councils/bakers/book/")
    html = german.content.decode()
    assert "2. März 2026 09:00" in html and "March 2, 2026" not in html
    # Sovet's text is not translated into German yet: the page says it is English.
    assert german.status_code == 200
    assert '<html lang="en">' in html and "Back to the council" in html


@pytest.mark.django_db
def test_an_unknown_language_falls_back_to_english(world: World) -> None:
    html = Client(HTTP_ACCEPT_LANGUAGE="xx").get("/councils/bakers/book/").content.decode()
    assert "March 2, 2026" in html and '<html lang="en">' in html
