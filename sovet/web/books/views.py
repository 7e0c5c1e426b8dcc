"""Pages of councils and their books: the list, and a book as a download.

The council page itself is `sovet.web.councils.views.council_page` (it reads the council's
state); its URL keeps the name `books:council`.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from sovet.web.books import selectors

COUNCILS_PER_PAGE = 50


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The councils on this server, by name, 50 a page."""
    page = Paginator(selectors.council_list(), COUNCILS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "books/home.html", {"page": page})


@require_safe
def book_download(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    """A council's book as JSONL, the file `sovet verify` checks."""
    c = selectors.council_get(slug)
    response = StreamingHttpResponse(
        selectors.book_lines(c), content_type="application/jsonl; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{c.slug}.book.jsonl"'
    # The head the download ends at, for whoever witnesses heads without reading the file.
    response["X-Sovet-Book-Head"] = c.head_hash
    response["X-Sovet-Book-Acts"] = str(c.head_seq)
    return response
