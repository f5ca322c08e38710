"""HTML report → PDF with WeasyPrint, which may only read `data:` URLs and files under
`report_templates/`: nothing in a report (a comment's markup, a stylesheet) can make it fetch from
the network or read other files.

Kept apart from `report.render` because importing WeasyPrint takes seconds, and Dagster loads the
definitions (which import the report module) on every UI reload and daemon tick.
"""

from __future__ import annotations

import multiprocessing
import tempfile
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import weasyprint.layout
from weasyprint import HTML
from weasyprint.document import Document
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


def render_pdf(html: str, fonts: FontConfiguration | None = None) -> bytes:
    """The PDF of an HTML report; relative URLs resolve inside `report_templates/`. `fonts`: a
    configuration kept from report to report (WeasyPrint decodes the report's fonts once per
    configuration: 0.1 s a report), else one made for this report and removed."""
    document = HTML(
        string=html, base_url=TEMPLATES_DIR.as_uri() + "/", url_fetcher=LocalOnlyFetcher()
    )
    if fonts is not None:
        return _laid_out(document, fonts).write_pdf()
    with _font_configuration() as fonts:
        return _laid_out(document, fonts).write_pdf()


@contextmanager
def _font_configuration() -> Iterator[FontConfiguration]:
    """A font configuration, with its copies of the fonts removed after use. WeasyPrint copies
    the report's @font-face fonts to a temporary folder that it removes when the configuration
    is garbage-collected, which a CLI run ending in os._exit never reaches: each run left 184 KB
    in /tmp."""
    fonts = FontConfiguration()
    try:
        yield fonts
    finally:
        fonts.__del__()


MIN_FILL = 0.2  # of its height: a page but the last filled less is an orphan to avoid
FORCED_BREAK = "new-page"  # the class of the sections that start a page (report.css)


def _laid_out(document: HTML, fonts: FontConfiguration) -> Document:
    """The report laid out without orphan pages: where a page but the last is less than a fifth
    full (the end of a section that ran over) and the next one starts a section on a page of
    its own, that section is let follow on instead, and the report laid out again."""
    while True:
        try:
            with _stopping_at_orphan_pages():
                return document.render(font_config=fonts)
        except _OrphanPage as orphan:
            classes = orphan.section.get("class").split()
            orphan.section.set("class", " ".join(c for c in classes if c != FORCED_BREAK))


class _OrphanPage(Exception):
    def __init__(self, section: Any):
        super().__init__(section)
        self.section = section  # the section that starts the page after it


@contextmanager
def _stopping_at_orphan_pages() -> Iterator[None]:
    """Watch the pages as WeasyPrint makes them, and stop the layout (`_OrphanPage`) at the
    first orphan page: the report is laid out again from its start with that section let
    follow on, so laying out the rest was wasted (0.2 s of a report's 1.6 s, on average). No
    public API shows pages as they are made: this wraps `weasyprint.layout.make_all_pages`,
    which `layout_document` calls, for the length of one render (one per process at a time)."""
    make_all_pages = weasyprint.layout.make_all_pages

    def watched(*args: Any, **kwargs: Any) -> Iterator[boxes.PageBox]:
        before = None
        for page in make_all_pages(*args, **kwargs):
            contents = _page_contents(page)
            if before and (section := _follows_on(before, contents)) is not None:
                raise _OrphanPage(section)
            before = contents
            yield page

    weasyprint.layout.make_all_pages = watched
    try:
        yield
    finally:
        weasyprint.layout.make_all_pages = make_all_pages


def _follows_on(page: tuple[float, list[Any]], next_page: tuple[float, list[Any]]) -> Any:
    """The section to let follow on when `page` is an orphan: less than a fifth full, and the
    next page starts a section on a page of its own; else None."""
    fill, on_page = page
    started = [e for e in next_page[1] if e not in on_page and _forced(e)]
    return started[0] if fill < MIN_FILL and started else None


def _forced(element: Any) -> bool:
    return FORCED_BREAK in (element.get("class") or "").split()


def _page_contents(box: boxes.PageBox) -> tuple[float, list[Any]]:
    """How full a page is (the share of its content area above its last line or image) and
    the sections on it."""
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
        with _font_configuration() as fonts:
            yield from (render_pdf(html, fonts) for html in htmls)
        return
    # spawned, not forked: the step's process holds a DuckDB connection and Dagster's threads
    context = multiprocessing.get_context("spawn")
    with (
        tempfile.TemporaryDirectory(prefix="report-fonts-") as fonts_folder,
        ProcessPoolExecutor(
            workers, mp_context=context, initializer=_start_worker, initargs=(fonts_folder,)
        ) as pool,
    ):
        pending = []
        for html in htmls:
            pending.append(pool.submit(_render_in_worker, html))
            while len(pending) > workers or (pending and pending[0].done()):
                yield pending.pop(0).result()
        for future in pending:
            yield future.result()


_worker_fonts: FontConfiguration | None = None  # a render worker's, for all its reports


def _start_worker(fonts_folder: str) -> None:
    """A render worker keeps one font configuration for all its reports. Its copy of the fonts
    goes under `fonts_folder`, which the pool's owner removes: a worker ends without
    garbage-collecting the configuration, which would have removed it."""
    global _worker_fonts
    tempfile.tempdir = fonts_folder
    _worker_fonts = FontConfiguration()


def _render_in_worker(html: str) -> bytes:
    return render_pdf(html, _worker_fonts)
