"""HTML report → PDF with WeasyPrint, which may only read `data:` URLs and files under
`report_templates/`: nothing in a report (a comment's markup, a stylesheet) can make it fetch from
the network or read other files.

Kept apart from `report.render` because importing WeasyPrint takes seconds, and Dagster loads the
definitions (which import the report module) on every UI reload and daemon tick.
"""

from __future__ import annotations

import itertools
import multiprocessing
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from weasyprint import HTML
from weasyprint.document import Document, Page
from weasyprint.formatting_structure import boxes
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from satisfaction_pipeline.processes import usable_cores
from satisfaction_pipeline.report.render import TEMPLATES_DIR


class LocalOnlyFetcher(URLFetcher):
    """Lets WeasyPrint read `data:` URLs and files under `report_templates/`, nothing else."""

    def __init__(self, root: Path = TEMPLATES_DIR, **kwargs: Any):
        super().__init__(allowed_protocols={"data", "file"}, **kwargs)
        self.root = root.resolve()

    def fetch(self, url: str, headers: Any = None) -> Any:
        parsed = urlparse(url)
        if parsed.scheme == "file":
            path = Path(unquote(parsed.path)).resolve()
            if not path.is_relative_to(self.root):
                raise ValueError(f"refused to read {url}: outside {self.root}")
        elif parsed.scheme != "data":
            raise ValueError(f"refused to fetch {url}: reports never load remote resources")
        return super().fetch(url, headers)


def render_pdf(html: str) -> bytes:
    """The PDF of an HTML report; relative URLs resolve inside `report_templates/`."""
    document = HTML(
        string=html, base_url=TEMPLATES_DIR.as_uri() + "/", url_fetcher=LocalOnlyFetcher()
    )
    fonts = FontConfiguration()
    try:
        return _laid_out(document, fonts).write_pdf()
    finally:
        # WeasyPrint copies the report's @font-face fonts to a temporary folder that it removes
        # when the configuration is garbage-collected, which a CLI run ending in os._exit never
        # reaches: each run left 184 KB in /tmp. Removed here, once the PDF is made.
        fonts.__del__()


MIN_FILL = 0.2  # of its height: a page but the last filled less is an orphan to avoid
FORCED_BREAK = "new-page"  # the class of the sections that start a page (report.css)


def _laid_out(document: HTML, fonts: FontConfiguration) -> Document:
    """The report laid out without orphan pages: where a page but the last is less than a fifth
    full (the end of a section that ran over) and the next one starts a section on a page of
    its own, that section is let follow on instead, and the report laid out again."""
    while True:
        rendered = document.render(font_config=fonts)
        pages = [_page_contents(page) for page in rendered.pages]
        loose = next(
            (
                started
                for (fill, on_page), (_, on_next) in itertools.pairwise(pages)
                if fill < MIN_FILL
                and (started := [e for e in on_next if e not in on_page and _forced(e)])
            ),
            None,
        )
        if not loose:
            return rendered
        classes = loose[0].get("class").split()
        loose[0].set("class", " ".join(c for c in classes if c != FORCED_BREAK))


def _forced(element: Any) -> bool:
    return FORCED_BREAK in (element.get("class") or "").split()


def _page_contents(page: Page) -> tuple[float, list[Any]]:
    """How full a page is (the share of its content area above its last line or image) and
    the sections on it."""
    box = page._page_box  # WeasyPrint's layout of the page: no public API gives it
    content = [child for child in box.children if not isinstance(child, boxes.MarginBox)]
    bottom, sections = box.content_box_y(), []
    for child in content:
        for b in child.descendants():
            if isinstance(b, boxes.LineBox | boxes.ReplacedBox):
                bottom = max(bottom, b.position_y + b.margin_height())
            elif b.element_tag == "section" and b.element not in sections:
                sections.append(b.element)
    return (bottom - box.content_box_y()) / box.height, sections


# A worker takes 2-3 s to start (it imports WeasyPrint and the report's code): below this many
# reports, rendering them one after the other is as fast.
PARALLEL_FROM = 4
MAX_WORKERS = 8  # each holds WeasyPrint, its fonts and a report's layout


def render_pdfs(htmls: Iterable[str], weeks: int) -> Iterator[bytes]:
    """The PDFs of `weeks` HTML reports, in order, rendered on every core when there are several
    (layout is most of a report's time, and one process uses one core). `htmls` is consumed as
    the workers take them, so building the next report overlaps rendering this one."""
    workers = min(weeks, usable_cores(), MAX_WORKERS)
    if workers < 2 or weeks < PARALLEL_FROM:
        yield from map(render_pdf, htmls)
        return
    # spawned, not forked: the step's process holds a DuckDB connection and Dagster's threads
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        pending = []
        for html in htmls:
            pending.append(pool.submit(render_pdf, html))
            while len(pending) > workers or (pending and pending[0].done()):
                yield pending.pop(0).result()
        for future in pending:
            yield future.result()
