"""Read survey export files into a table of text cells, whatever their format and encoding.

Readers keep every cell as text (scales are interpreted later, against the configuration) and
remember each row's number as a person sees it in a spreadsheet, so that errors can point at it.
The known survey tools' layouts (Qualtrics, SurveyMonkey, Google Forms, Typeform) are recognised,
and their second names for a column (question text, short name) kept as aliases that the
configuration may use.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from satisfaction_pipeline.config.settings import Source

# Columns the readers add to every table, next to the file's own columns.
ROW = "_row"  # the row's number in a spreadsheet (header = 1), or its line / record number
PROBLEM = "_problem"  # why the row cannot be used as read (extra cells, invalid JSON), or null
EXTRA = "_extra"  # what did not fit the header (surplus cells, an unparsable line), or null
INTERNAL = (ROW, PROBLEM, EXTRA)

DELIMITERS = ",;\t|"
# Single-byte encodings compared when a file is not UTF-8. They all decode almost any byte string,
# so the choice is made on what the text looks like (see `_implausibility`), not on errors alone.
SINGLE_BYTE_ENCODINGS = ("cp1252", "mac_roman", "latin-1")
SPREADSHEETS = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"}
SPREADSHEET_FORMATS = ("xlsx", "xls", "ods")


class ReadError(Exception):
    """A whole file cannot be read; the message says why, in terms the user can act on."""


@dataclass
class RawTable:
    """An export as read: `frame` holds the file's columns as text, as read ("" when empty), plus
    the INTERNAL columns; `aliases` maps a column's other names (question text) to its name."""

    frame: pl.DataFrame
    format: str
    encoding: str | None = None
    delimiter: str | None = None
    aliases: dict[str, str] = field(default_factory=dict)
    # Qualtrics' third header row, per column: {"ImportId": "startDate", "timeZone": "…"}
    import_ids: dict[str, dict] = field(default_factory=dict)

    @property
    def columns(self) -> list[str]:
        return [c for c in self.frame.columns if c not in INTERNAL]

    @property
    def row_numbers(self) -> list[int]:
        return self.frame.get_column(ROW).to_list()

    @property
    def rows(self) -> list[tuple[str, ...]]:
        return self.frame.select(self.columns).rows()

    def records(self) -> list[dict[str, str]]:
        return self.frame.select(self.columns).to_dicts()


# --- text ------------------------------------------------------------------------------------


def decode(data: bytes, encoding: str = "auto") -> tuple[str, str]:
    """(text, encoding used): the given encoding, or the one that reads the bytes most plausibly.

    UTF-8 is tried first and strictly: non-ASCII text that happens to be valid UTF-8 is, in
    practice, UTF-8. UTF-16 only on a byte-order mark or a NUL in every other byte: any
    even-length file "decodes" as UTF-16, into nonsense. Otherwise Windows-1252, MacRoman and
    Latin-1 are compared.
    """
    if encoding != "auto":
        try:
            return data.decode(encoding).removeprefix("\ufeff"), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            raise ReadError(f"cannot decode as {encoding}: {exc}") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _decode_first(data, ("utf-16",))
    if _looks_like_utf16(data[:4096]):
        head = data[:4096]  # NULs at odd positions: little-endian Latin text
        little = head[1::2].count(0) >= head[0::2].count(0)
        order = ("utf-16-le", "utf-16-be") if little else ("utf-16-be", "utf-16-le")
        return _decode_first(data, order)
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = []
    for position, name in enumerate(SINGLE_BYTE_ENCODINGS):
        try:
            text = data.decode(name)
        except UnicodeDecodeError:  # cp1252 leaves five bytes undefined
            continue
        candidates.append((_implausibility(text), position, text, name))
    _, _, text, name = min(candidates)
    return text, name


def _looks_like_utf16(head: bytes) -> bool:
    """UTF-16 without a byte-order mark: Latin text puts a NUL in every other byte. (A stray NUL
    in a UTF-8 or Windows-1252 file does not make it UTF-16.)"""
    pairs = len(head) // 2
    if pairs == 0:
        return False
    nul_odd, nul_even = head[1::2].count(0), head[0::2].count(0)
    return max(nul_odd, nul_even) > 0.3 * pairs


def _decode_first(data: bytes, encodings: tuple[str, ...]) -> tuple[str, str]:
    for name in encodings:
        try:
            return data.decode(name).removeprefix("\ufeff"), name
        except UnicodeDecodeError:
            continue
    raise ReadError(f"cannot decode the file as {' or '.join(encodings)}")


# Characters that a Western European export almost never contains, but that appear when its bytes
# are read with the wrong code page (é in MacRoman read as Windows-1252 is Ž, for example).
_UNLIKELY = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # control characters
    r"ƒ†‡ˆ‰Š‹ŽšžŸ¤¦¨¯´¸¹²³¼½¾×÷ÆØÞðþ¬¶·µ∂∑∏π∫ªºΩæø¿¡√≈∆◊ﬁﬂıˇ˘˙˚˛˝ÌÍÎÏÒÓÔÕÙÚÛ]"
    r"|(?<=[a-z])[À-Ý]"  # a capital accented letter inside a lower-case word
)


def _implausibility(text: str) -> int:
    return len(_UNLIKELY.findall(text))


# --- delimited text --------------------------------------------------------------------------


def sniff_delimiter(text: str) -> str:
    """The delimiter of a delimited text, judged on its first lines (comma when in doubt)."""
    sample = "\n".join(text[:65536].splitlines()[:20])
    header = sample.splitlines()[0] if sample else ""
    by_header = max(DELIMITERS, key=header.count) if header else ","
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        return by_header
    # the sniffer can be swayed by a comment like `"a", "b"`: a delimiter the header does not
    # use is not the file's
    return sniffed if sniffed in header else by_header


def read_delimited(
    data: bytes, encoding: str = "auto", delimiter: str | None = None, layout: str = "auto"
) -> RawTable:
    """Read CSV/TSV text and recognise the survey tools' header layouts (`layout` = auto, csv, or
    one of LAYOUT_NAMES, which must then be the one found)."""
    parsed, used = None, "utf-8"
    if encoding in ("auto", "utf-8", "utf-8-sig") and not _utf16_signs(data):
        # Most exports are UTF-8: Polars parses and validates the bytes as they are, sparing a
        # decode into a Python string; any other encoding fails its validation and goes below.
        raw = data.removeprefix(b"\xef\xbb\xbf")
        delimiter = delimiter or sniff_delimiter(raw[:65536].decode("utf-8", errors="ignore"))
        parsed = _polars_grid(raw, delimiter)
    if parsed is None:
        text, used = decode(data, encoding)
        text = text.replace("\x00", "")  # never meaningful in a survey answer, unsafe further on
        delimiter = delimiter or sniff_delimiter(text)
        parsed = _parse_grid(text, delimiter, polars=used != "utf-8")
    grid, header_width = parsed
    if grid.height == 0:
        return RawTable(_frame_of([], [], []), "csv", used, delimiter)
    found, header_rows, columns, aliases = _layout(grid)
    if layout not in ("auto", "csv") and found != layout:
        raise ReadError(f"expected a {LAYOUT_NAMES[layout]}, but {_describe(found)} was found")
    names = _clean_header(columns[:header_width])
    cells = [c for c in grid.columns if c not in INTERNAL]
    frame = grid.slice(
        header_rows
    ).select(  # ROW already counts the header rows
        *[pl.col(c).alias(n) for c, n in zip(cells, names, strict=False)],
        pl.col(ROW),
        *_overflow(cells[len(names) :], delimiter, len(names)),
    )
    aliases = {alias: names[i] for alias, i in aliases.items() if alias not in names}
    import_ids = _import_ids(grid, names) if found == "qualtrics" and header_rows == 3 else {}
    return RawTable(_tidy(frame), found, used, delimiter, aliases, import_ids)


def _import_ids(grid: pl.DataFrame, names: list[str]) -> dict[str, dict]:
    """Column name → its cell of the ImportId row (a JSON object), for the cells that are one."""
    cells = [c or "" for c in grid.row(2)[1:-1]]  # without ROW, PROBLEM
    found = {}
    for name, cell in zip(names, cells, strict=False):
        try:
            value = json.loads(cell)
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            found[name] = value
    return found


def _utf16_signs(data: bytes) -> bool:
    return data.startswith((b"\xff\xfe", b"\xfe\xff")) or _looks_like_utf16(data[:4096])


def _polars_grid(data: bytes, delimiter: str) -> tuple[pl.DataFrame, int] | None:
    """Polars' CSV reader: fast, and it keeps blank lines (as null rows), so record numbers are
    right. None when it refuses the file (invalid UTF-8, ragged or oddly quoted rows) or cannot
    read it right (lone-CR line ends, NUL bytes): the standard library's reader takes those."""
    if b"\x00" in data or data.count(b"\r") != data.count(b"\r\n"):
        return None
    try:
        grid = pl.read_csv(
            data,
            has_header=False,
            infer_schema=False,
            separator=delimiter,
            quote_char='"',
            raise_if_empty=False,
            # numbered by the reader, in the cells' chunks: with a column of one chunk after
            # them, Polars copied every cell into one chunk at the next step (0.2 GB a million
            # rows)
            row_index_name=ROW,
            row_index_offset=1,
        )
    except pl.exceptions.PolarsError:
        return None
    cells = grid.columns[1:]
    names = [f"column_{i}" for i in range(1, len(cells) + 1)]
    grid = grid.rename(dict(zip(cells, names, strict=True)))
    return grid.with_columns(pl.lit(None, pl.String).alias(PROBLEM)), len(names)


def _parse_grid(text: str, delimiter: str, polars: bool = True) -> tuple[pl.DataFrame, int]:
    """Every record as String columns column_1…column_N plus ROW (1-based record number) and
    PROBLEM, and the number of cells in the first record (the header's width). Polars first
    (unless it was already tried on these bytes), the lenient standard library reader if it
    refuses."""
    if polars and (parsed := _polars_grid(text.encode("utf-8"), delimiter)) is not None:
        return parsed
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    width = max((len(r) for r in records), default=0)
    columns = {
        f"column_{i}": [r[i - 1] if i <= len(r) else None for r in records]
        for i in range(1, width + 1)
    }
    grid = _numbered(pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.String)))
    if records and text.count('"') % 2 and any("\n" in cell for cell in records[-1]):
        # the lenient reader read everything after an unclosed quote into the last record
        grid = grid.with_columns(
            pl.when(pl.col(ROW) == len(records))
            .then(pl.lit(UNCLOSED_QUOTE))
            .otherwise(pl.col(PROBLEM))
            .alias(PROBLEM)
        )
    return grid, len(records[0]) if records else 0


UNCLOSED_QUOTE = (
    "a quote opened in this row is never closed, so the rest of the file was read into this row"
)


def _numbered(grid: pl.DataFrame) -> pl.DataFrame:
    return grid.with_row_index(ROW, offset=1).with_columns(pl.lit(None, pl.String).alias(PROBLEM))


def _too_many_cells(width: int) -> str:
    return f"row has more cells than the {width} header columns"


def _overflow(surplus: list[str], delimiter: str, width: int) -> list[pl.Expr]:
    """PROBLEM and EXTRA for cells beyond the header: a row that fills any of them is suspect."""
    if not surplus:
        return [pl.col(PROBLEM), pl.lit(None, pl.String).alias(EXTRA)]
    filled = pl.any_horizontal(pl.col(c).str.strip_chars().fill_null("") != "" for c in surplus)
    extra = pl.concat_str([pl.col(c).fill_null("") for c in surplus], separator=delimiter)
    return [
        pl.coalesce(pl.col(PROBLEM), pl.when(filled).then(pl.lit(_too_many_cells(width)))),
        pl.when(filled).then(extra.str.strip_chars_end(delimiter)).alias(EXTRA),
    ]


LAYOUT_NAMES = {
    "csv": "delimited text file",
    "qualtrics": "Qualtrics export (two or three header rows)",
    "surveymonkey": "SurveyMonkey export (two header rows: questions, then options)",
    "google_forms": "Google Forms export (a 'Timestamp' column)",
    "typeform": "Typeform export (a '#' column and 'Submit Date (UTC)')",
}


def _describe(layout: str) -> str:
    return f"a {LAYOUT_NAMES[layout]}" if layout != "csv" else "a plain delimited file"


def _layout(grid: pl.DataFrame) -> tuple[str, int, list[str], dict[str, int]]:
    """(layout, header rows, column names, other names → column index) of a parsed grid."""
    top = [[c or "" for c in row[1:-1]] for row in grid.head(3).rows()]  # without ROW, PROBLEM
    width = max(len(row) for row in top)
    top = [row + [""] * (width - len(row)) for row in top]
    first = [c.strip() for c in top[0]]
    second = [c.strip() for c in top[1]] if len(top) > 1 else []
    third = [c.strip() for c in top[2]] if len(top) > 2 else []
    if third and _is_import_ids(third):  # Qualtrics: short names, question texts, ImportId JSON
        return "qualtrics", 3, first, _aliases(second)
    if second and first[0].removeprefix("\ufeff") == "V1" and "ResponseID" in second:
        # legacy Qualtrics: V1…Vn and Q1…Qn, then the real names and question texts
        return "qualtrics", 2, second[: len(first)], _aliases(first)
    if second and _is_surveymonkey(first, second):
        columns, question = [], ""
        for top_cell, option in zip(first, second, strict=False):
            if not _blank_heading(top_cell):
                question = top_cell
            plain = option in {"", "Response", "Open-Ended Response"} or option.isdigit()
            columns.append(question if plain else f"{question} - {option}" if question else option)
        return "surveymonkey", 2, columns, {}
    if "#" in first and any(c.startswith("Submit Date") for c in first):
        return "typeform", 1, first, {}
    if first and first[0] in {"Timestamp", "Horodateur", "Marca temporal", "Zeitstempel"}:
        return "google_forms", 1, first, {}
    return "csv", 1, first, {}


def _is_import_ids(row: list[str]) -> bool:
    try:
        cell = json.loads(row[0])
    except json.JSONDecodeError:
        return False
    return isinstance(cell, dict) and "ImportId" in cell


def _is_surveymonkey(first: list[str], second: list[str]) -> bool:
    """SurveyMonkey's second header row says 'Response' under single-answer questions."""
    markers = sum(c in {"Response", "Open-Ended Response"} for c in second)
    return markers >= 1 and ("Respondent ID" in first or any(map(_blank_heading, first[1:])))


def _blank_heading(cell: str) -> bool:
    """An empty heading, or the `Unnamed: 13` pandas writes for one when it re-saves a file."""
    return not cell or re.fullmatch(r"Unnamed: \d+", cell) is not None


def _aliases(names: list[str]) -> dict[str, int]:
    return {name: i for i, name in enumerate(names) if name}


def _clean_header(header: list[str]) -> list[str]:
    """Strip names; name blank or repeated headers so that no column is silently overwritten."""
    names: list[str] = []
    for index, raw in enumerate(header, start=1):
        name = (raw or "").strip().removeprefix("\ufeff") or f"column_{index}"
        if name in INTERNAL:
            name = f"{name}_{index}"
        while name in names:
            name = f"{name}_{index}"
        names.append(name)
    return names


def _tidy(frame: pl.DataFrame) -> pl.DataFrame:
    """Empty cells as "", ROW as Int32; rows with no cell at all (blank lines) dropped, since
    they are not responses and a spreadsheet user would not count them. Cells are kept as read
    (the mapping strips the columns it uses)."""
    columns = [c for c in frame.columns if c not in INTERNAL]
    frame = frame.with_columns(
        pl.col(columns).cast(pl.String).fill_null(""), pl.col(ROW).cast(pl.Int32)
    )
    if not columns:
        return frame
    filled = pl.any_horizontal(pl.col(c).str.contains(r"\S") for c in columns)
    return frame.filter(filled | pl.col(PROBLEM).is_not_null())


def _frame_of(
    columns: list[str],
    rows: list[list[str]],
    numbers: list[int],
    problems: list[str | None] | None = None,
    extras: list[str | None] | None = None,
) -> pl.DataFrame:
    """A table frame from Python rows (XLSX, JSON): cells padded to the header's width; without
    `problems`, a row with filled cells beyond the header is the problem."""
    names = _clean_header(columns)
    width = len(names)
    data = {name: [r[i] if i < len(r) else "" for r in rows] for i, name in enumerate(names)}
    if problems is None:
        surplus = [[c for c in r[width:] if c.strip()] for r in rows]
        problems = [_too_many_cells(width) if s else None for s in surplus]
        extras = [json.dumps(s, ensure_ascii=False) if s else None for s in surplus]
    frame = pl.DataFrame(
        [
            *[pl.Series(name, cells, dtype=pl.String) for name, cells in data.items()],
            pl.Series(ROW, numbers, dtype=pl.Int32),
            pl.Series(PROBLEM, problems, dtype=pl.String),
            pl.Series(EXTRA, extras, dtype=pl.String),
        ]
    )  # built from the row numbers too, so that rows without any column still count
    return _tidy(frame)


# --- spreadsheets and JSON -------------------------------------------------------------------


def read_xlsx(data: bytes, sheet: str | None = None) -> RawTable:
    """Read the first (or the named) sheet of a workbook (XLSX, and also XLSM, XLSB, XLS, ODS);
    numbers become text as shown."""
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine raises several types for a damaged or non-XLSX file
        raise ReadError(f"not a readable XLSX (or XLS, ODS) workbook ({exc})") from None
    if sheet is not None and sheet not in workbook.sheet_names:
        raise ReadError(f"no sheet named {sheet!r}; sheets found: {workbook.sheet_names}")
    if not workbook.sheet_names:
        raise ReadError("the workbook has no sheet")
    worksheet = workbook.get_sheet_by_name(sheet) if sheet else workbook.get_sheet_by_index(0)
    kind = "xls" if data[:4] == b"\xd0\xcf\x11\xe0" else "xlsx"
    kind = "ods" if b"opendocument.spreadsheet" in data[:100] else kind
    grid = worksheet.to_python(skip_empty_area=False)
    header_at = next((i for i, row in enumerate(grid) if any(_cell_text(v) for v in row)), None)
    if header_at is None:
        return RawTable(_frame_of([], [], []), kind)
    header = [_cell_text(v) for v in grid[header_at]]
    while header and not header[-1]:
        header.pop()
    rows = [[_cell_text(v) for v in row] for row in grid[header_at + 1 :]]
    numbers = list(range(header_at + 2, header_at + 2 + len(rows)))
    return RawTable(_frame_of(header, rows, numbers), kind)


def _cell_text(value: object) -> str:
    """A cell as text: whole floats without '.0', dates in ISO form, booleans as Excel shows."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def read_json(data: bytes, encoding: str = "auto") -> RawTable:
    """A JSON array of objects; each object is a row, numbered from 1 in the array's order."""
    text, used = decode(data, encoding)
    if not text.strip():
        return RawTable(_frame_of([], [], []), "json", used)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReadError(
            f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    if isinstance(document, dict):  # {"responses": [...]}: the one list of objects inside
        lists = [v for v in document.values() if isinstance(v, list)]
        if len(lists) == 1:
            document = lists[0]
    if not isinstance(document, list):
        raise ReadError("expected a JSON array of objects (one per response)")
    items = [(n, item) for n, item in enumerate(document, start=1)]
    return _table_of_objects(items, "json", used)


def read_json_lines(data: bytes, encoding: str = "auto") -> RawTable:
    """JSON Lines: one object per line, numbered by line; a line that is not an object is a
    rejected row, not a failed file."""
    text, used = decode(data, encoding)
    lines = text.split("\n")  # not splitlines(): U+2028 may sit unescaped inside a JSON string
    items = [(n, line.rstrip("\r")) for n, line in enumerate(lines, start=1) if line.strip()]
    parsed = []
    for number, line in items:
        try:
            parsed.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            parsed.append((number, ReadError(f"line is not valid JSON ({exc.msg})", line)))
    return _table_of_objects(parsed, "jsonl", used)


def _table_of_objects(items: list[tuple[int, object]], kind: str, encoding: str) -> RawTable:
    columns: dict[str, None] = {}
    for _, item in items:
        if isinstance(item, dict):
            columns.update(dict.fromkeys(str(k) for k in item))
    names = list(columns)
    rows, problems, extras = [], [], []
    for _, item in items:
        if isinstance(item, dict):
            values = {str(k): v for k, v in item.items()}
            rows.append([_cell_text(values.get(name)) for name in names])
            problems.append(None)
            extras.append(None)
        else:
            rows.append([""] * len(names))
            if isinstance(item, ReadError):
                problems.append(str(item.args[0]))
                extras.append(item.args[1])
            else:
                problems.append(f"expected an object, got {type(item).__name__}")
                extras.append(json.dumps(item, ensure_ascii=False))
    frame = _frame_of(names, rows, [n for n, _ in items], problems, extras)
    return RawTable(frame, kind, encoding)


# --- dispatch --------------------------------------------------------------------------------


def detect_format(data: bytes, suffix: str) -> str:
    """The reader for a file whose source says `format: auto`: by extension, then by content."""
    suffix = suffix.lower()
    if suffix in SPREADSHEETS or data[:4] in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0"):
        return "xlsx"  # calamine reads them all (zip: xlsx / ods; OLE2: the old .xls)
    if suffix in {".jsonl", ".ndjson"}:
        return "jsonl"
    if suffix == ".json":
        return "json"
    start = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if start.startswith(b"["):
        return "json"
    if start.startswith(b"{"):
        return "jsonl"
    return "auto"


def read_export(data: bytes, suffix: str, source: Source) -> RawTable:
    """Read one export's bytes as its source says; `auto` goes by the extension, then by content."""
    file_format = source.format if source.format != "auto" else detect_format(data, suffix)
    if file_format == "xlsx":
        return read_xlsx(data, source.sheet)
    if file_format == "json":
        return read_json(data, source.encoding)
    if file_format == "jsonl":
        return read_json_lines(data, source.encoding)
    return read_delimited(data, source.encoding, source.delimiter, layout=file_format)
