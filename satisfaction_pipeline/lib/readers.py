"""Read survey export files into a table of text cells, whatever their format and encoding.

Readers keep every cell as text (scales are interpreted later, against the configuration) and
remember each row's number as a person sees it in a spreadsheet, so that errors can point at it.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from satisfaction_pipeline.lib.config import Source

# Tried in order. UTF-8 is strict, so a Windows-1252 file (the French Excel default) fails it and
# falls through; cp1252 leaves five bytes undefined, so latin-1 is the last resort that always
# reads. UTF-16 is only tried on a byte-order mark or NUL bytes: any even-length file "decodes" as
# UTF-16, into nonsense.
ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")
DELIMITERS = ",;\t|"


class ReadError(Exception):
    """A whole file cannot be read; the message says why, in terms the user can act on."""


@dataclass
class RawTable:
    """Cells as text, one list per data row; `row_numbers[i]` is row i's line in the sheet."""

    columns: list[str]
    rows: list[list[str]]
    row_numbers: list[int]
    format: str
    encoding: str | None = None
    delimiter: str | None = None

    def records(self) -> list[dict[str, str]]:
        return [dict(zip(self.columns, row, strict=False)) for row in self.rows]


def decode(data: bytes, encoding: str = "auto") -> tuple[str, str]:
    """(text, encoding used): the given encoding, or the first of ENCODINGS that fits."""
    if encoding != "auto":
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            raise ReadError(f"cannot decode as {encoding}: {exc}") from None
    candidates = ENCODINGS
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ("utf-16",)
    elif b"\x00" in data[:1000]:
        candidates = ("utf-16-le", "utf-16-be")
    for candidate in candidates:
        try:
            return data.decode(candidate), candidate
        except UnicodeDecodeError:
            continue
    raise ReadError("cannot decode the file as UTF-8, UTF-16, Windows-1252 or Latin-1")


def sniff_delimiter(text: str) -> str:
    """The delimiter of a delimited text, judged on its first lines (comma when in doubt)."""
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        header = text.splitlines()[0] if text else ""
        return max(DELIMITERS, key=header.count) if header else ","


def read_delimited(data: bytes, encoding: str = "auto", delimiter: str | None = None) -> RawTable:
    """Read CSV/TSV text; a Qualtrics export's two extra header rows are recognised and skipped."""
    text, used = decode(data, encoding)
    text = text.removeprefix("\ufeff")
    delimiter = delimiter or sniff_delimiter(text)
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    if not records:
        return RawTable([], [], [], "csv", used, delimiter)
    header, body = records[0], records[1:]
    table_format, skipped = "csv", 0
    if _is_qualtrics(body):
        table_format, skipped = "qualtrics", 2
    rows = body[skipped:]
    numbers = list(range(2 + skipped, 2 + skipped + len(rows)))
    table = RawTable(_clean_header(header), [], [], table_format, used, delimiter)
    for number, row in zip(numbers, rows, strict=True):
        if any(cell.strip() for cell in row):
            table.rows.append(row)
            table.row_numbers.append(number)
    return table


def _is_qualtrics(body: list[list[str]]) -> bool:
    """Qualtrics puts question texts in row 2 and `{"ImportId": …}` JSON in row 3."""
    if len(body) < 2 or not body[1]:
        return False
    first = body[1][0].strip()
    if not first.startswith("{"):
        return False
    try:
        return "ImportId" in json.loads(first)
    except json.JSONDecodeError:
        return False


def _clean_header(header: list[str]) -> list[str]:
    """Strip names; name blank or repeated headers so that no column is silently overwritten."""
    names: list[str] = []
    for index, raw in enumerate(header, start=1):
        name = raw.strip() or f"column_{index}"
        while name in names:
            name = f"{name}_{index}"
        names.append(name)
    return names


def read_xlsx(data: bytes, sheet: str | None = None) -> RawTable:
    """Read the first (or the named) sheet of an XLSX workbook; numbers become text as shown."""
    from openpyxl import load_workbook  # imported here: only XLSX sources pay for it

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged or non-XLSX file
        raise ReadError(f"not a readable XLSX workbook ({exc})") from None
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            raise ReadError(f"no sheet named {sheet!r}; sheets found: {workbook.sheetnames}")
        worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
        grid = [[_cell_text(v) for v in row] for row in worksheet.iter_rows(values_only=True)]
    finally:
        workbook.close()
    if not grid:
        return RawTable([], [], [], "xlsx")
    header = _clean_header(grid[0])
    table = RawTable(header, [], [], "xlsx")
    for number, row in enumerate(grid[1:], start=2):
        if any(cell.strip() for cell in row):
            table.rows.append(row[: len(header)])
            table.row_numbers.append(number)
    return table


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    return str(value)


def read_export(data: bytes, suffix: str, source: Source) -> RawTable:
    """Read one export's bytes as its source says; `auto` goes by the extension, then by content."""
    file_format = source.format
    if file_format == "auto":
        is_zip = data[:4] == b"PK\x03\x04"
        file_format = "xlsx" if suffix.lower() in {".xlsx", ".xlsm"} or is_zip else "csv"
    if file_format == "xlsx":
        return read_xlsx(data, source.sheet)
    table = read_delimited(data, source.encoding, source.delimiter)
    if file_format == "qualtrics" and table.columns and table.format != "qualtrics":
        raise ReadError("expected a Qualtrics export with its three header rows")
    return table
