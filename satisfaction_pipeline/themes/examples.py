"""Hand-coded comments to learn themes from, or to measure theme detection against.

Three layouts are read:

- **CSV / TSV / XLSX** with a text column (`text`, `comment`, `verbatim`, `commentaire`, …) and
  one or more theme columns. A theme column holds theme names — one per cell ("Code 1",
  "Code 2", …) or a `;`-separated list — each optionally followed by `:polarity`
  (`delivery:complaint`). A column whose cells are only 1/0, x, yes/no, oui/non is an indicator:
  its header is the theme. Optional `id`, `group` (comments of one customer or review, kept in
  the same cross-validation fold) and `language` columns.
- **A coding sheet** written by `themes suggest` (themes/coding.py): the same, plus a
  `polarity N` column beside each `theme N` and the hidden `text_sha1` and `band` columns. A row
  whose theme cells are all empty is not coded yet and is left out; `none` says that no theme
  applies (with `complaint`, that it complains about something no theme covers).
- **SemEval ABSA XML** (`<sentence><text/><Opinions><Opinion category=… polarity=…/>`), the
  public benchmark's format. Sentences marked `OutOfScope` or with no text are skipped and
  counted; a review's sentences share a group.

Theme names become ids in lower_snake_case (`FOOD#QUALITY` → `food_quality`, `Délai de
livraison` → `delai_de_livraison`); the original names are kept for display. Polarities are
complaint / praise / neutral; `negative`, `positive`, `négatif`, `positif`, `conflict` (→ neutral)
are accepted too.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl

from satisfaction_pipeline.ingest.readers import SPREADSHEETS, ReadError, read_delimited, read_xlsx
from satisfaction_pipeline.themes.tagger import fold

TEXT_COLUMNS = ("text", "comment", "comments", "verbatim", "commentaire", "sentence", "review")
THEME_COLUMN = re.compile(r"^(themes?|codes?|labels?|categor(y|ies)|categories)(?![a-z])")  # folded
POLARITY_COLUMN = re.compile(r"^polarit(y|e)(?![a-z])")  # folded: beside a theme column
CODING_MARK = "text_sha1"  # the hidden column that makes a table a coding sheet (themes suggest)
NONE = "none"  # in a theme cell: coded, and no theme applies (what the coding sheet offers)
NO_THEME = {NONE, "aucun", "aucun theme", "no theme", "-"}  # folded: its accepted spellings
EXAMPLE_FILES = {".csv", ".tsv", ".txt", ".xml", ".xlsx", ".xlsm", ".xls", ".ods"}
LANGUAGE_NAMES = {"fr": "fr", "french": "fr", "francais": "fr", "en": "en", "english": "en",
                  "anglais": "en"}  # fmt: skip
POLARITIES = {
    "complaint": "complaint",
    "negative": "complaint",
    "negatif": "complaint",
    "neg": "complaint",
    "praise": "praise",
    "positive": "praise",
    "positif": "praise",
    "pos": "praise",
    "neutral": "neutral",
    "neutre": "neutral",
    "conflict": "neutral",
    "mixed": "neutral",
}
WORD = re.compile(r"\w")
YES = {"1", "x", "yes", "y", "true", "oui", "vrai"}
NO = {"0", "", "no", "n", "false", "non", "faux"}


class ExamplesError(Exception):
    """Examples that cannot be used: the file, the row or column, and what was expected."""


@dataclass(frozen=True)
class Example:
    id: str
    text: str
    labels: dict[str, str | None]  # theme id → complaint / praise / neutral, None when not given
    group: str
    language: str | None = None
    where: str = ""  # the row (tables) or sentence id (XML), for messages
    band: int | None = None  # the respondent's score band (themes.model.score_band), if known
    other: str | None = None  # the polarity of a mention of nothing the themes cover
    text_sha1: str | None = None  # a coding sheet's: SHA-1 of the comment as it was received


@dataclass
class Examples:
    items: list[Example]
    source: str
    names: dict[str, str] = field(default_factory=dict)  # theme id → the name in the file
    skipped: Counter = field(default_factory=Counter)  # reason → sentences or rows left out
    columns: list[str] = field(default_factory=list)  # the theme columns read (tables)
    coding: bool = False  # coding sheets of `themes suggest`, all of them

    @property
    def coded(self) -> list[str]:
        """The SHA-1 of the coding sheets' comments coded here: not suggested again."""
        return sorted({e.text_sha1 for e in self.items if e.text_sha1})

    @property
    def themes(self) -> list[str]:
        return sorted({t for e in self.items for t in e.labels})

    @property
    def texts(self) -> list[str]:
        return [e.text for e in self.items]

    def has_polarity(self) -> bool:
        return any(p is not None for e in self.items for p in e.labels.values())

    def summary(self) -> str:
        labelled = sum(bool(e.labels) for e in self.items)
        counts = Counter(t for e in self.items for t in e.labels)
        lines = [
            f"{self.source}: {len(self.items)} texts, {labelled} with at least one theme, "
            f"{len(counts)} themes"
        ]
        if self.columns:
            lines.append(f"  themes read from column(s): {', '.join(self.columns)}")
        lines += [f"  left out: {n} {reason}" for reason, n in sorted(self.skipped.items())]
        return "\n".join(lines)


def theme_id(name: str) -> str:
    """A theme name as a taxonomy id: `FOOD#QUALITY` → `food_quality`."""
    words = re.findall(r"[a-z0-9]+", fold(name))
    if not words:
        raise ValueError(f"theme name {name!r} has no letter or digit")
    joined = "_".join(words)
    return joined if joined[0].isalpha() else f"theme_{joined}"


def polarity_of(value: str) -> str | None:
    """complaint / praise / neutral from any accepted spelling; None for an empty value."""
    key = fold(value.strip())
    if not key:
        return None
    if key not in POLARITIES:
        raise ValueError(
            f"polarity {value!r} is not one of complaint, praise, neutral "
            "(or positive, negative, conflict)"
        )
    return POLARITIES[key]


def read_examples(
    path: Path | str, text_column: str | None = None, theme_columns: list[str] | None = None
) -> Examples:
    """Labelled texts from a CSV/TSV, XLSX or SemEval XML file (see the module's docstring)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ExamplesError(f"{path}: cannot be read ({exc.strerror})") from None
    if path.suffix.lower() == ".xml" or data.lstrip()[:5] in (b"<?xml", b"<Revi"):
        return _read_semeval(path, data)
    try:
        table = read_xlsx(data) if path.suffix.lower() in SPREADSHEETS else read_delimited(data)
    except ReadError as exc:
        raise ExamplesError(f"{path}: {exc}") from None
    return _read_table(
        path, table.columns, table.records(), table.row_numbers, text_column, theme_columns
    )


def read_all_examples(
    paths: list[Path], text_column: str | None = None, theme_columns: list[str] | None = None
) -> Examples:
    """The examples of several files, a folder standing for the examples files in it. A comment
    coded in several coding sheets counts once, as the last one given codes it."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in EXAMPLE_FILES)
            if not found:
                raise ExamplesError(f"{path}: no examples file (CSV, XLSX, XML) in this folder")
            files += found
        else:
            files.append(path)
    parts = [read_examples(f, text_column, theme_columns) for f in files]
    if len(parts) == 1:
        return parts[0]
    latest: dict[str, Example] = {}
    items: list[Example] = []
    for part in parts:
        for item in part.items:
            if item.text_sha1:
                latest[item.text_sha1] = item
            else:
                items.append(item)
    skipped = sum((p.skipped for p in parts), Counter())
    if repeated := sum(len(p.items) for p in parts) - len(items) - len(latest):
        skipped["comments coded again in a later file (the later coding kept)"] += repeated
    names: dict[str, str] = {}
    for part in parts:
        names = part.names | names  # the first file's spelling of a theme is shown
    return Examples(
        items + list(latest.values()),
        ", ".join(p.source for p in parts),
        names,
        skipped,
        sorted({c for p in parts for c in p.columns}),
        all(p.coding for p in parts),
    )


def coded_in(paths: list[Path]) -> set[str]:
    """The SHA-1 of the comments coded in the coding sheets among `paths` (files, or folders:
    the other files in a folder are passed over; a folder not made yet holds none)."""
    coded: set[str] = set()
    for path in paths:
        if path.is_dir():
            for file in sorted(p for p in path.iterdir() if p.suffix.lower() in SPREADSHEETS):
                try:
                    examples = read_examples(file)
                except ExamplesError:
                    continue  # a spreadsheet of something else
                if examples.coding:
                    coded.update(examples.coded)
        elif path.exists() or path.suffix:
            examples = read_examples(path)
            if not examples.coding:
                raise ExamplesError(f"{path}: not a coding sheet of `themes suggest`")
            coded.update(examples.coded)
    return coded


def _read_semeval(path: Path, data: bytes) -> Examples:
    # The training files are the user's own; expat (Python >= 3.7.1 with expat >= 2.4.1)
    # refuses entity-expansion bombs, and ElementTree never fetches external entities.
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ExamplesError(f"{path}: not well-formed XML ({exc})") from None
    examples = Examples([], str(path))
    # SemEval 2015/16: <Review rid><sentences><sentence>…<Opinion category polarity/>;
    # 2014: <sentences><sentence>…<aspectCategory category polarity/>, no reviews
    reviews = list(root.iter("Review")) or [root]
    for review_number, review in enumerate(reviews):
        group = review.get("rid") or f"review {review_number + 1}"
        for sentence in review.iter("sentence"):
            sentence_id = sentence.get("id") or f"{group}:{len(examples.items)}"
            where = f"{path}, sentence {sentence_id}"
            short = f"sentence {sentence_id}"
            text = (sentence.findtext("text") or "").strip()
            if sentence.get("OutOfScope", "").upper() == "TRUE":
                examples.skipped["sentences marked OutOfScope"] += 1
                continue
            if not WORD.search(text):
                examples.skipped["sentences with no text"] += 1
                continue
            labels: dict[str, str | None] = {}
            for opinion in [*sentence.iter("Opinion"), *sentence.iter("aspectCategory")]:
                category = opinion.get("category")
                if not category:
                    raise ExamplesError(f"{where}: an <{opinion.tag}> has no category")
                theme = _theme(examples, category, where)
                try:
                    polarity = polarity_of(opinion.get("polarity", ""))
                except ValueError as exc:
                    raise ExamplesError(f"{where}: {exc}") from None
                labels[theme] = _merge(labels.get(theme), polarity, theme in labels)
            own_group = group if reviews[0] is not root else sentence_id
            examples.items.append(Example(sentence_id, text, labels, own_group, None, short))
    if not examples.items:
        raise ExamplesError(
            f"{path}: no <sentence> with text was found (SemEval ABSA XML expected: "
            "<Reviews><Review><sentences><sentence><text>…</text><Opinions>…)"
        )
    return examples


def _read_table(
    path: Path,
    columns: list[str],
    records: list[dict[str, str]],
    rows: list[int],
    text_column: str | None,
    theme_columns: list[str] | None,
) -> Examples:
    by_name = {fold(c).strip(): c for c in reversed(columns)}  # the first of equal names wins
    text = text_column or next((by_name[n] for n in TEXT_COLUMNS if n in by_name), None)
    if text is None or text not in columns:
        wanted = repr(text_column) if text_column else f"one named {', '.join(TEXT_COLUMNS)}"
        raise ExamplesError(
            f"{path}: no text column ({wanted}; found {columns}). Name it with --text-column."
        )
    named = [c for c in columns if c != text and THEME_COLUMN.match(fold(c).strip())]
    if theme_columns:
        missing = [c for c in theme_columns if c not in columns]
        if missing:
            raise ExamplesError(f"{path}: no column {missing} (found {columns})")
        themed = theme_columns
        indicators = {c for c in themed if c not in named and _indicator(records, c)}
    else:  # theme-named columns hold names; without any, 1/0 (x, yes/no) columns are themes
        roles = {by_name.get(n) for n in ("id", "group", "language")}
        indicators = set() if named else {
            c for c in columns if c != text and c not in roles and _indicator(records, c)
        }  # fmt: skip
        themed = named or [c for c in columns if c in indicators]
    if not themed:
        raise ExamplesError(
            f"{path}: no theme column (expected columns named theme, code, label or category, "
            f"columns of 1/0 or yes/no, or --theme-columns; found {columns})"
        )
    coding = CODING_MARK in by_name
    beside = _polarity_columns(columns, themed)
    examples = Examples([], str(path), columns=themed, coding=coding)
    for row, record in zip(rows, records, strict=True):
        where = f"{path}, row {row}"
        if not WORD.search(record[text]):
            examples.skipped["rows with no word in the text"] += 1
            continue
        if coding and not any(record[c].strip() for c in themed):
            examples.skipped["rows not coded yet (no theme given)"] += 1
            continue
        labels: dict[str, str | None] = {}
        other = None
        for column in themed:
            cell = record[column].strip()
            if column in indicators:
                if fold(cell) in YES:
                    labels[_theme(examples, column, f"{where}, column {column!r}")] = None
                continue
            given = record[beside[column]] if column in beside else ""
            for item in filter(None, (part.strip() for part in cell.split(";"))):
                name, _, polarity_text = item.rpartition(":") if ":" in item else (item, "", "")
                try:
                    polarity = polarity_of(polarity_text or given)
                except ValueError as exc:
                    named = beside.get(column, column) if not polarity_text else column
                    raise ExamplesError(f"{where}, column {named!r}: {exc}") from None
                if fold(name).strip() in NO_THEME:
                    other = _merge(other, polarity, other is not None)
                    continue
                theme = _theme(examples, name, f"{where}, column {column!r}")
                labels[theme] = _merge(labels.get(theme), polarity, theme in labels)
        ident = record.get(by_name.get("id", ""), "") or str(row)
        language = fold(record.get(by_name.get("language", ""), "")).strip()
        group = record.get(by_name.get("group", ""), "") or ident
        band = record.get(by_name.get("band", ""), "").strip()
        examples.items.append(
            Example(
                ident,
                record[text],
                labels,
                group,
                LANGUAGE_NAMES.get(language),
                f"row {row}",
                int(band) if band.isdigit() else None,
                other,
                record.get(by_name.get(CODING_MARK, ""), "").strip() or None,
            )
        )
    if not examples.items and not (coding and examples.skipped):
        raise ExamplesError(f"{path}: no row with a text in column {text!r}")
    return examples


def _polarity_columns(columns: list[str], themed: list[str]) -> dict[str, str]:
    """theme column → the polarity column beside it: `Polarity 2` for `Theme 2`, or the only
    polarity column when there is one theme column."""
    polarities = [c for c in columns if POLARITY_COLUMN.match(fold(c).strip())]

    def suffix(column: str, pattern: re.Pattern) -> str:
        return fold(column).strip()[pattern.match(fold(column).strip()).end() :].strip()

    by_suffix = {suffix(c, POLARITY_COLUMN): c for c in polarities}
    paired = {
        c: by_suffix[suffix(c, THEME_COLUMN)]
        for c in themed
        if THEME_COLUMN.match(fold(c).strip()) and suffix(c, THEME_COLUMN) in by_suffix
    }
    if not paired and len(themed) == 1 and len(polarities) == 1:
        paired = {themed[0]: polarities[0]}
    return paired


def _indicator(records: list[dict[str, str]], column: str) -> bool:
    values = {fold(r[column]).strip() for r in records}
    return values <= YES | NO and bool(values & YES)


def _theme(examples: Examples, name: str, where: str) -> str:
    try:
        theme = theme_id(name)
    except ValueError as exc:
        raise ExamplesError(f"{where}: {exc}") from None
    examples.names.setdefault(theme, name.strip())  # of two spellings, the first is shown
    return theme


def _merge(before: str | None, polarity: str | None, seen: bool) -> str | None:
    """A theme labelled twice in one text: one polarity if they agree, neutral if they differ."""
    if not seen or before == polarity:
        return polarity
    if before is None or polarity is None:
        return before or polarity
    return "neutral"


def keep_language(examples: Examples, language: str) -> Examples:
    """Only the texts in `language` (fr, en; auto keeps all): the file's language column where
    it has one, else the language the comment tagger recognises; texts too short for either
    to show are kept."""
    from satisfaction_pipeline.config.taxonomy import Taxonomy
    from satisfaction_pipeline.themes.tagger import tag_comments

    detected = (
        tag_comments(
            pl.DataFrame({"id": range(len(examples.items)), "text": examples.texts}),
            Taxonomy(themes=[]),
        )
        .languages.sort("id")["language"]
        .to_list()
    )
    items = [
        replace(e, language=e.language or found)
        for e, found in zip(examples.items, detected, strict=True)
    ]
    # a text no frequent word places ("Colis perdu", "refund pls") is kept: too short to say
    kept = [e for e in items if language == "auto" or e.language in (language, "other")]
    if not kept:
        raise ExamplesError(f"{examples.source}: no text in {language!r}")
    skipped = Counter(examples.skipped)
    if len(kept) < len(items):
        skipped[f"texts not in {language!r}"] += len(items) - len(kept)
    return replace(examples, items=kept, skipped=skipped)
