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
    its own, that section is let follow on instead, and the pages from the orphan on laid out
    again."""
    with _letting_sections_follow_orphans():
        return document.render(font_config=fonts)


@contextmanager
def _letting_sections_follow_orphans() -> Iterator[None]:
    """Watch the pages as WeasyPrint makes them; at the first orphan page, let the section
    after it follow on and have WeasyPrint lay out again the pages from the orphan on, keeping
    those before it. This is WeasyPrint's own way to remake pages (when a page counter
    changes): `layout_document` loops while a page of its `page_maker` is marked
    `content_changed`, reusing the pages not marked. The same PDFs as laying the whole report
    out again, which 29 of the bench's 53 weeks needed: 75.0 s for the 53 one after the other,
    now 56.6 s. No public API shows pages as they are made: this wraps
    `weasyprint.layout.make_all_pages`, which `layout_document` calls, for the length of one
    render (one per process at a time)."""
    make_all_pages = weasyprint.layout.make_all_pages

    def watched(context: Any, root_box: Any, html: Any, pages: list) -> Iterator[boxes.PageBox]:
        before = None
        for index, page in enumerate(make_all_pages(context, root_box, html, pages)):
            contents = _page_contents(page)
            if before and (section := _follows_on(before, contents)) is not None:
                _let_follow_on(root_box, section)
                # the orphan page and every one after it, to be made again (the state after the
                # last page has none to make: marking it would loop for nothing)
                for resume_at, *_, remake_state in context.page_maker[index - 1 :]:
                    remake_state["content_changed"] = resume_at is not None
                return  # the pages after the orphan are wrong: not worth making
            before = contents
            yield page

    weasyprint.layout.make_all_pages = watched
    try:
        yield
    finally:
        weasyprint.layout.make_all_pages = make_all_pages


def _let_follow_on(root_box: boxes.Box, section: Any) -> None:
    """No page break before `section`: in its boxes' computed style, which the layout reads
    (styles are computed once per render), and in its class, which `_forced` reads. The style
    is changed in a copy: WeasyPrint shares one between elements styled alike, such as the
    other sections that start a page."""
    classes = section.get("class").split()
    section.set("class", " ".join(c for c in classes if c != FORCED_BREAK))
    copies: dict[int, Any] = {}  # of each style the section's boxes have
    for box in root_box.descendants():
        if box.element is section:
            if id(box.style) not in copies:
                copies[id(box.style)] = box.style.copy()
                copies[id(box.style)]["break_before"] = "auto"
            box.style = copies[id(box.style)]


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
