"""The coding loop: the comments no theme explains, in the order that teaches the theme model
most, written as a spreadsheet an analyst codes in Excel or LibreOffice (`themes suggest`);
`themes train --examples` reads it back (themes/examples.py).

Which comments (`candidates`, sql/marts/select_unexplained_comments.sql): those of 3 words or
more with no theme of the taxonomy, or, from a low scorer, with no complaint theme — the comments
the report's coverage counts as unexplained, and the others that say something no theme names.
An emerging group's members are among them; the comments coded before (a coding sheet given
back, or the model's own training, by the comment's SHA-1) are not.

The order (`suggest`), chosen on halves of real coding pools (bench/coding_order.py; docs/themes.md,
"The coding loop"): low scorers' comments first — the report's coverage is about them — and
within each score band the comments the model is least sure of, over every theme (the sum of
p(1 − p): uncertainty sampling). Similar comments are grouped (themes.emerging.cluster) and the
sheet names each group, so that an analyst codes alike comments alike; measured, neither taking
turns between groups nor starting from the biggest ones taught the model more.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from satisfaction_pipeline import warehouse as wh
from satisfaction_pipeline.config.taxonomy import Owner, Taxonomy
from satisfaction_pipeline.themes.corpus import (
    PACKAGED_MODELS,
    corpus_digest,
    corpus_examples,
    corpus_folder,
    training_files,
)
from satisfaction_pipeline.themes.detect import SCORE_BAND
from satisfaction_pipeline.themes.emerging import (
    MAX_WINDOW,
    cluster,
    evidence_span,
    shorten,
    top_terms,
    top_words,
)
from satisfaction_pipeline.themes.examples import CODING_MARK, NONE, Example, Examples
from satisfaction_pipeline.themes.model import (
    LOW,
    POLARITIES,
    UNKNOWN,
    ModelError,
    ThemeModel,
    group_folds,
    load_model,
    score_sets,
    train,
)
from satisfaction_pipeline.themes.tagger import content_words, tag_comments

THEME_COLUMNS = 2  # theme / polarity pairs in the sheet: a comment rarely has more to code

# What `suggest` returns, beside the columns it is given
SUGGESTION_SCHEMA: dict[str, pl.DataType] = {
    "rank": pl.Int32(),
    "group": pl.String(),  # the group's readable name; empty for a comment alike to no other
    "group_size": pl.Int32(),
    "guess": pl.String(),  # the model's likeliest theme, e.g. delivery
    "guess_polarity": pl.String(),
    "confidence": pl.Float64(),  # its probability, 0–1
    "worth": pl.Float64(),  # how unsure the model is of it: the sum over themes of p(1 − p)
}


# The respondent's scores as the sheet shows them: "CSAT 2/5 · NPS 3"
SCORE_TEXT = pl.concat_str(
    pl.format(
        "CSAT {}/{}", "csat", pl.col("csat_scale").fill_null("1-5").str.split("-").list.last()
    ),
    pl.format("NPS {}", "nps"),
    separator=" · ",
    ignore_nulls=True,
)


def candidates(
    conn: duckdb.DuckDBPyConnection, first: dt.date, last: dt.date, coded: set[str]
) -> pl.DataFrame:
    """The comments of the weeks `first`..`last` that no theme explains and were not coded
    before (`coded`: SHA-1 of comments), each text once (sql/marts/select_unexplained_comments):
    response_key, week, customer_ref, text (as received), text_sha1, band, score."""
    span = {"week_start": first, "week_end": last + dt.timedelta(weeks=1)}
    done = pl.DataFrame({"text_sha1": sorted(coded)}, schema={"text_sha1": pl.String})
    rows = wh.query(conn, "marts/select_unexplained_comments", coded=done, **span)
    return rows.select(
        "response_key",
        "week",
        "customer_ref",
        "text_sha1",
        text="comment",
        band=SCORE_BAND.cast(pl.Int8),
        score=SCORE_TEXT,
    )


def themed_weeks(conn: duckdb.DuckDBPyConnection, first: dt.date, last: dt.date) -> list[dt.date]:
    """The weeks of `first`..`last` whose comments were tagged."""
    span = {"week_start": first, "week_end": last + dt.timedelta(weeks=1)}
    return wh.query(conn, "marts/themed_weeks", **span)["week"].to_list()


def suggest(comments: pl.DataFrame, model: ThemeModel | None, limit: int) -> pl.DataFrame:
    """The first `limit` of `comments` (columns response_key, text, band and any others, kept),
    low scorers first, then those the model is least sure of, with SUGGESTION_SCHEMA's columns.
    Without a model (patterns only) there is no guess: low scorers first, by response key."""
    if comments.is_empty():
        return comments.with_columns(
            pl.lit(None, dtype).alias(name) for name, dtype in SUGGESTION_SCHEMA.items()
        )
    comments = comments.unique("text", keep="first", maintain_order=True).with_row_index("_id")
    texts, bands = comments["text"].to_list(), comments["band"].to_list()
    languages = tag_comments(comments.select(id="_id", text="text"), Taxonomy(themes=[]))
    comments = comments.join(
        languages.languages.rename({"id": "_id"}), on="_id", how="left", maintain_order="left"
    )
    guessed = _guesses(model, texts, bands).with_columns(worth=_uncertainty(model, texts))
    scored = pl.concat([comments, guessed], how="horizontal")
    grouped = scored.join(_groups(scored), on="_id", how="left")
    ordered = _in_suggestion_order(grouped, "response_key").with_columns(
        rank=pl.int_range(1, pl.len() + 1)
    )
    return ordered.head(limit).select(
        *[c for c in comments.columns if c != "_id"],
        *(pl.col(name).cast(dtype) for name, dtype in SUGGESTION_SCHEMA.items()),
    )


def _in_suggestion_order(frame: pl.DataFrame, tie_breaker: str) -> pl.DataFrame:
    """Low scorers first, then the most uncertain (`worth`)."""
    return frame.sort(
        [pl.col("band") != LOW, "worth", tie_breaker], descending=[False, True, False]
    )


def _uncertainty(model: ThemeModel | None, texts: list[str]) -> pl.Series:
    """Per text, how unsure the model is of it over every theme: the sum of p(1 − p), the
    most for a text whose probabilities all sit at one half; 0 without a model."""
    if model is None:
        return pl.Series([0.0] * len(texts), dtype=pl.Float64)
    p = model.probabilities(texts)
    return pl.Series((p * (1 - p)).sum(axis=1), dtype=pl.Float64)


def _guesses(model: ThemeModel | None, texts: list[str], bands: list[int]) -> pl.DataFrame:
    """Per text, the model's likeliest theme, its polarity and probability."""
    schema = {"guess": pl.String, "guess_polarity": pl.String, "confidence": pl.Float64}
    if model is None:
        return pl.DataFrame(
            {"guess": [None] * len(texts), "guess_polarity": None, "confidence": None},
            schema=schema,
        )
    found = model.guesses(texts, bands)
    rows = [(f.theme, f.polarity, f.probability) if f else (None, None, None) for f in found]
    return pl.DataFrame(rows, schema=schema, orient="row")


def _groups(comments: pl.DataFrame) -> pl.DataFrame:
    """Per comment (`_id`), its group's size and name: the sentence of its most typical comment
    that holds the group's top terms, cut short (as emerging themes); "" and 1 alone."""
    languages = comments.select(id="_id", language="language")
    words = content_words(comments.select(id="_id", text="text"), languages)
    documents = words.group_by("id", maintain_order=True).agg("lemma", "start", "end")
    table = (
        comments.select(id="_id", text="text", band="band", worth="worth", language="language")
        .join(documents, on="id", how="left")
        .with_columns(pl.col("lemma").fill_null([]))
    )
    parts = []
    for part in table.partition_by("language"):  # each language's words clustered apart
        # the first suggested, when there are too many to compare each with each
        parts.append(_named_groups(_in_suggestion_order(part, "id").head(MAX_WINDOW)))
    keyed = pl.concat(parts)
    singles = comments.select(pl.col("_id")).join(keyed, on="_id", how="anti")
    singles = singles.with_columns(group=pl.lit(""), group_size=pl.lit(1))
    return pl.concat([keyed, singles.select(keyed.columns)])


def _named_groups(part: pl.DataFrame) -> pl.DataFrame:
    found = cluster(part["lemma"].to_list())
    labels = np.full(part.height, -1) if found is None else found.labels
    rows = []
    for label in sorted(set(labels.tolist()) - {-1}):
        members = np.flatnonzero(labels == label)
        if len(members) < 2:
            continue
        terms, typical = top_terms(found.matrix[members], found.vocabulary)
        row = part.row(int(members[int(np.argmax(typical))]), named=True)
        start, end = evidence_span(row["text"], row["lemma"], row["start"], top_words(terms))
        name = shorten(row["text"][start:end])
        rows += [(int(part["id"][int(m)]), name, len(members)) for m in members]
    return pl.DataFrame(
        rows, schema={"_id": pl.UInt32, "group": pl.String, "group_size": pl.Int32}, orient="row"
    )


# -- the spreadsheet ---------------------------------------------------------------------------

SHEET_COLUMNS = (
    # (header, width, hidden); the headers are what themes/examples.py reads back
    ("rank", 6, False),
    ("week", 11, False),
    ("score", 16, False),
    ("language", 9, False),
    # not "group": themes train would keep a group's comments in one fold, and a new theme's
    # comments, alike by nature, could then never be measured
    ("similar to", 34, False),
    ("comment", 70, False),
    ("guess", 26, False),
    ("confidence", 11, False),
    *(
        (f"{name} {n}", 22 if name == "theme" else 12, False)
        for n in range(1, THEME_COLUMNS + 1)
        for name in ("theme", "polarity")
    ),
    ("note", 24, False),
    ("id", 12, True),
    (CODING_MARK, 14, True),
    ("band", 6, True),
)


def write_sheet(
    suggestions: pl.DataFrame, taxonomy: Taxonomy, language: str, path: Path, title: str
) -> Path:
    """The coding spreadsheet: the suggestions (columns week, score, language, group, text,
    guess…, response_key, text_sha1, band) on a first sheet with drop-down lists of the themes
    and polarities; the taxonomy (id, label, description, owner) on the second; how to code on
    the third. Customer text is written as text, never as a formula."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = "to code"
    headers = [header for header, _, _ in SHEET_COLUMNS]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDDDDD")
    labels = {t.id: t.label.in_language(language) for t in taxonomy.themes}
    for row in suggestions.iter_rows(named=True):
        guess = ""
        if row["guess"]:
            guess = f"{row['guess']}: {row['guess_polarity']}"
        values = [
            row["rank"], row["week"], row["score"], row["language"], row["group"], row["text"],
            guess, row["confidence"], *[None] * (2 * THEME_COLUMNS), None,
            row["response_key"], row["text_sha1"], row["band"],
        ]  # fmt: skip
        sheet.append(values)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula: "=HYPERLINK(…)" stays words
    last = max(sheet.max_row, 2)
    wrap = Alignment(wrap_text=True, vertical="top")
    for index, (header, width, hidden) in enumerate(SHEET_COLUMNS, 1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = width
        sheet.column_dimensions[letter].hidden = hidden
        if header in ("comment", "similar to"):
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.alignment = wrap
        if header == "confidence":
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = "0%"
        if header == "week":
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{last}"

    themes = book.create_sheet("themes")
    themes.append(["id", "label", "description", "owner"])
    for cell in themes[1]:
        cell.font = Font(bold=True)
    for theme in taxonomy.themes:
        themes.append(
            [theme.id, labels[theme.id], theme.description.in_language(language), theme.owner]
        )
    themes.append([NONE, "—", "no theme applies (with complaint: a complaint about "
                   "something no theme covers)", ""])  # fmt: skip
    for letter, width in zip("ABCD", (24, 30, 70, 18), strict=True):
        themes.column_dimensions[letter].width = width

    theme_list = DataValidation(
        type="list",
        formula1=f"=themes!$A$2:$A${themes.max_row}",
        allow_blank=True,
        errorStyle="warning",  # a new theme may be typed: themes train says how to add it
        showErrorMessage=True,
        errorTitle="Not a theme of the taxonomy",
        error="Keep it to learn a new theme: `themes train` prints the lines to add to "
        "satisfaction.yaml.",
    )
    polarity_list = DataValidation(
        type="list",
        formula1='"' + ",".join(POLARITIES) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Polarity",
        error="complaint, praise or neutral",
    )
    for n in range(THEME_COLUMNS):
        theme_column = get_column_letter(headers.index(f"theme {n + 1}") + 1)
        polarity_column = get_column_letter(headers.index(f"polarity {n + 1}") + 1)
        theme_list.add(f"{theme_column}2:{theme_column}{last}")
        polarity_list.add(f"{polarity_column}2:{polarity_column}{last}")
    sheet.add_data_validation(theme_list)
    sheet.add_data_validation(polarity_list)
    sheet.cell(1, headers.index("theme 1") + 1).comment = Comment(
        "A theme id from the list (sheet 'themes'), 'none', or a new theme's name.", "pipeline"
    )

    notes = book.create_sheet("how to code")
    for line in _instructions(title):
        notes.append([line])
    notes.column_dimensions["A"].width = 110

    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    book.save(partial)
    partial.replace(path)
    return path


def _instructions(title: str) -> list[str]:
    return [
        title,
        "",
        "For each comment you code, in 'theme 1' pick what it talks about, in 'polarity 1' "
        "whether it complains, praises or only mentions it; a second theme in 'theme 2'.",
        "'none' in 'theme 1': no theme applies (with 'complaint': it complains about "
        "something no theme covers). A row left empty is not coded, and is suggested again.",
        "A name that is not in the list is a new theme: `satisfaction-pipeline themes train` "
        "learns it and prints the lines to add to satisfaction.yaml.",
        "'guess' is what the model reads now, 'confidence' how sure it is. Rows come low "
        "scorers first, then those the model is least sure of: code from the top, 50-100 rows "
        "already teach it.",
        "Keep the hidden columns (id, text_sha1, band): they say which comment a row is.",
        "Then: satisfaction-pipeline themes train --examples THIS_FILE --out models/ours.npz",
    ]


def new_themes(themes: list[str], taxonomy: Taxonomy) -> list[str]:
    """The themes a model learned that the taxonomy does not describe."""
    known = {t.id for t in taxonomy.themes}
    return [t for t in themes if t not in known]


def taxonomy_lines(themes: list[str], names: dict[str, str], model_file: str) -> str:
    """The lines of satisfaction.yaml that describe new themes and use the model, to edit."""
    owners = ", ".join(Owner.__args__)
    lines = ["theme_model:", f"  file: {model_file}"] + (["themes:"] if themes else [])
    for theme in themes:
        name = json.dumps(names.get(theme, theme), ensure_ascii=False)  # a YAML string too
        lines += [
            f"  - id: {theme}",
            f"    owner: customer_service    # one of {owners}",
            f"    label: {{fr: {name}, en: {name}}}",
            '    description: {fr: "À décrire", en: "To describe"}',
            '    action: {fr: "À définir", en: "To define"}',
        ]
    return "\n".join(lines)


# -- learning the codes --------------------------------------------------------------------------


@dataclass(frozen=True)
class Learned:
    """A model that learned the coded comments on top of a packaged model's corpus, and how the
    two read the coded comments each was not trained on (None: not measured)."""

    model: ThemeModel
    before: dict[str, float] | None = None  # theme_f1, complaint_f1 of the packaged model
    after: dict[str, float] | None = None  # the same, of models that did not learn the fold
    folds: int = 0


def learn_codes(examples: Examples, base: str, folds: int = 5) -> Learned:
    """Train on the corpus of the packaged model `base` (default, default-encoder) and the coded
    `examples`, with that model's choices; with `folds`, first measure on the coded comments,
    each read by a model trained without its fold, against the packaged model."""
    file, recipe = PACKAGED_MODELS[base]
    packaged = load_model(file)
    corpus = training_files(corpus_folder())
    sentences, bands, complains = corpus_examples(corpus)
    if not examples.items:
        raise ModelError(
            f"{examples.source}: no coded comment (fill 'theme 1' of the rows you code)"
        )
    _check_new_themes(examples, set(examples.themes) - set(packaged.themes))
    themes = sorted(set(packaged.themes) | set(examples.themes))

    def fit(items: list[Example]) -> ThemeModel:
        return train(
            [*sentences, *items],
            recipe,
            themes,
            bands + [_band(e) for e in items],
            complains + [_complains(e) for e in items],
            choices=packaged.choices,
        )

    before = after = None
    if folds:
        before, after = _measure(examples.items, fit, packaged, folds)
    model = fit(examples.items)
    model.names = {t: packaged.names.get(t) or examples.names.get(t, t) for t in themes}
    digest = hashlib.sha256(corpus_digest(corpus).encode())
    for item in examples.items:
        digest.update(repr((item.text, sorted(item.labels.items()), item.other)).encode())
    model.header.update(
        {
            "name": "coded",
            "base": base,
            "training_data": {
                "files": [p.name for p in corpus] + examples.source.split(", "),
                "sha256": digest.hexdigest(),
            },
            "texts": len(sentences) + len(examples.items),
            "coded": examples.coded,  # not suggested again (themes suggest)
            "languages": ["fr", "en"],
        }
    )
    return Learned(model, before, after, folds if before else 0)


def _check_new_themes(examples: Examples, new: set[str]) -> None:
    """A theme the packaged model does not know is learned from the coded comments alone: it
    needs two of them at least."""
    rows: dict[str, list[str]] = {theme: [] for theme in new}
    for item in examples.items:
        for theme in set(item.labels) & new:
            rows[theme].append(item.where)
    if rare := {theme: where for theme, where in rows.items() if len(where) < 2}:
        listing = "; ".join(
            f"{examples.names.get(t, t)!r} ({', '.join(w)})" for t, w in sorted(rare.items())
        )
        raise ModelError(
            f"new theme(s) coded in fewer than 2 comments: {listing}. A new theme is learned "
            "from your codes alone: code it in 2 comments at least (10 or more to be reliable)"
        )


def _band(example: Example) -> int:
    return UNKNOWN if example.band is None else example.band


def _complains(example: Example) -> bool:
    return "complaint" in example.labels.values() or example.other == "complaint"


def _measure(
    items: list[Example], fit, packaged: ThemeModel, folds: int
) -> tuple[dict[str, float], dict[str, float]] | tuple[None, None]:
    groups = [e.group for e in items]
    if len(set(groups)) < folds:
        return None, None
    fold_of = group_folds(groups, folds, seed=1)
    gold, before, after = [], [], []
    for fold in range(folds):
        test = [e for e, f in zip(items, fold_of, strict=True) if f == fold]
        trained = fit([e for e, f in zip(items, fold_of, strict=True) if f != fold])
        texts, bands = [e.text for e in test], [_band(e) for e in test]
        gold += [e.labels for e in test]
        before += packaged.predict(texts, bands)
        after += trained.predict(texts, bands)
    return _f1s(gold, before), _f1s(gold, after)


def _f1s(gold: list[dict], predicted: list[dict]) -> dict[str, float]:
    def complaints(labels: list[dict]) -> list[dict]:
        return [{t: p for t, p in d.items() if p == "complaint"} for d in labels]

    return {
        "theme_f1": score_sets(gold, predicted)["f1"],
        "complaint_f1": score_sets(complaints(gold), complaints(predicted))["f1"],
    }
