"""From responses to the two theme tables: every comment read by the theme model (the packaged
default, or the team's own `theme_model:`) and tagged with the patterns the model does not
replace; then the low scorers' complaints that no theme explains grouped into emerging themes.

Who decides a theme: the model, for the themes it knows, in the languages it reads; patterns for
the others, and the patterns a configuration writes itself under `themes:` add to the model (a
comment they match has the theme, as the patterns say, whatever the model reads). The default
taxonomy's own patterns are the engine only without a model (`theme_model: null`)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from functools import cache
from importlib.metadata import version
from operator import attrgetter
from pathlib import Path

import polars as pl

from satisfaction_pipeline.config.settings import Settings
from satisfaction_pipeline.config.taxonomy import Taxonomy, TaxonomyError
from satisfaction_pipeline.scoring.scores import score_responses
from satisfaction_pipeline.themes.corpus import DEFAULT_MODEL, PACKAGED_MODELS
from satisfaction_pipeline.themes.emerging import find_emerging
from satisfaction_pipeline.themes.fewshot import ExampleThemes
from satisfaction_pipeline.themes.model import (
    HIGH,
    LOW,
    MIDDLE,
    UNKNOWN,
    Found,
    ModelError,
    Reading,
    ThemeModel,
    load_model,
    read_on_every_core,
)
from satisfaction_pipeline.themes.tagger import Tagged, comment_themes, content_words, tag_comments

COMMENT_THEMES_SCHEMA: dict[str, pl.DataType] = {
    "response_key": pl.String(),
    "week": pl.Date(),
    "theme": pl.String(),
    "polarity": pl.String(),
    "evidence": pl.String(),
    "span_start": pl.Int32(),
    "span_end": pl.Int32(),
    "mentions": pl.Int32(),
    "language": pl.String(),
    "method": pl.String(),
    "engine": pl.String(),  # e.g. 'default model 4c1f…', 'taxonomy 9ab2…' (_engines)
}


@dataclass(frozen=True)
class ModelThemes:
    """A trained model and what it decides: these themes, in comments of these languages (in
    other languages the themes' patterns, if they have any, still apply)."""

    model: ThemeModel
    themes: frozenset[str]
    languages: frozenset[str]
    # themes whose patterns the configuration wrote itself: they add to the model's reading
    patterns_kept: frozenset[str] = frozenset()

    @property
    def engine(self) -> str:
        """What tags the comments, for marts.theme_coverage: the model's name and version."""
        trained = self.model.header.get("training_data", {})
        name = self.model.header.get("name") or Path(trained.get("file", "theme")).stem
        return f"{name} model {self.model.version}"


def model_themes(
    taxonomy: Taxonomy,
    file: Path,
    themes: list[str] | None = None,
    languages: list[str] | None = None,
    patterns_kept: frozenset[str] = frozenset(),
) -> ModelThemes:
    """Load the model a configuration names and check it against the taxonomy: every theme it
    assigns must be described there (owner, labels, action), and every theme without patterns
    must be one it assigns."""
    model = _load(file)
    problems = [
        f"theme_model.themes: {t!r} is not a theme of {file.name} "
        f"(it has {', '.join(model.themes)})"
        for t in themes or []
        if t not in model.themes
    ]
    assigned = frozenset(themes or model.themes)
    if undescribed := sorted(assigned - {t.id for t in taxonomy.themes}):
        problems.append(
            f"theme_model assigns {', '.join(map(repr, undescribed))}, which the taxonomy does "
            "not describe: add each under `themes:` with its id, owner, label, description and "
            "action (patterns may be left out), or leave it out of theme_model.themes"
        )
    problems += _unassigned(taxonomy, assigned)
    if problems:
        raise TaxonomyError("theme_model", problems)
    trained_on = languages or [*model.header.get("languages", ["fr", "en"]), "other"]
    return ModelThemes(model, assigned, frozenset(trained_on), patterns_kept)


def default_model_themes(
    taxonomy: Taxonomy,
    patterns_kept: frozenset[str] = frozenset(),
    themes: list[str] | None = None,
    languages: list[str] | None = None,
    name: str = "default",
) -> ModelThemes:
    """A packaged model (`default`, `default-encoder`), for those of its themes the taxonomy has
    (a taxonomy of its own keeps the model for the default themes it reuses), or for `themes`."""
    file = PACKAGED_MODELS[name][0]
    if themes is not None:
        return model_themes(taxonomy, file, themes, languages, patterns_kept)
    model = _load(file)
    assigned = frozenset(model.themes) & {t.id for t in taxonomy.themes}
    if problems := _unassigned(taxonomy, assigned):
        raise TaxonomyError("taxonomy", problems)
    languages = frozenset(languages or ["fr", "en", "other"])
    return ModelThemes(model, assigned, languages, patterns_kept)


def _load(file: Path) -> ThemeModel:
    try:
        stat = file.stat()
    except OSError:
        stat = None
    try:
        return _cached_model(file.resolve(), stat and (stat.st_mtime_ns, stat.st_size))
    except ModelError as exc:
        raise TaxonomyError("theme_model", [str(exc)]) from None


@cache
def _cached_model(file: Path, version: tuple[int, int] | None) -> ThemeModel:
    """One load per file version and process: a backfill's weeks share it."""
    return load_model(file)


def learned_themes(
    settings: Settings, taxonomy: Taxonomy, config_dir: Path | None = None
) -> ModelThemes | None:
    """The theme model the configuration names (`theme_model:`, its file relative to the
    config's folder; `default`: the packaged one), checked against `taxonomy`; None when the
    configuration has none (`theme_model: null`)."""
    if settings.theme_model is None:
        return None
    kept = frozenset(t.id for t in settings.themes if t.patterns is not None)
    if settings.theme_model.file in PACKAGED_MODELS:
        return default_model_themes(
            taxonomy,
            kept,
            settings.theme_model.themes,
            settings.theme_model.languages,
            settings.theme_model.file,
        )
    file = Path(settings.theme_model.file)
    file = file if file.is_absolute() else (config_dir or Path()) / file
    return model_themes(
        taxonomy, file, settings.theme_model.themes, settings.theme_model.languages, kept
    )


def _unassigned(taxonomy: Taxonomy, assigned: frozenset[str] = frozenset()) -> list[str]:
    return [
        f"theme {t.id!r} has no patterns and no examples, and no theme_model assigns it"
        for t in taxonomy.themes
        if t.patterns is None and not t.examples and t.id not in assigned
    ]


def check_detection(taxonomy: Taxonomy, model: ModelThemes | None) -> None:
    """Without a model, every theme needs patterns."""
    if model is None and (problems := _unassigned(taxonomy)):
        raise TaxonomyError("taxonomy", problems)


def find_themes(
    answers: pl.DataFrame,
    taxonomy: Taxonomy,
    satisfied_from: dict[str, int],
    weeks: list[dt.date],
    model: ModelThemes | None = None,
    cache: ReadingCache | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`marts.comment_themes` rows of `weeks` (the model and patterns, then emerging groups'
    members) and `marts.emerging_themes` rows, from the responses of `weeks` and the four weeks
    before. With a `cache`, the model reads only the comments it has not read before."""
    check_detection(taxonomy, model)
    scored = score_responses(answers, satisfied_from).filter(pl.col("has_comment"))
    comments = scored.select(
        "response_key",
        "week",
        low_score=UNHAPPY,
        unscored=pl.all_horizontal(pl.col("csat", "nps", "ces").is_null()),
        band=SCORE_BAND,
        text="comment",
    ).with_row_index("id")
    texts = comments.select("id", "text")
    tagged = tag_comments(texts, taxonomy)
    found = comment_themes(texts, tagged)
    tones = None
    # the model and the examples are slow next to patterns: they read the comments that end in
    # the table and the earlier weeks' low scorers (the emerging groups' candidates), not all
    # history
    candidate = pl.col("low_score").fill_null(False) | pl.col("unscored")
    needed = comments.filter(pl.col("week").is_in(weeks) | candidate)
    if model is not None:
        found, tones = _with_model(found, needed, tagged, model, cache)
    if by_examples := {t.id: t.examples for t in taxonomy.themes if t.examples}:
        tone_model = model.model if model is not None else _load(DEFAULT_MODEL)
        found = _with_examples(
            found, needed.join(tagged.languages, on="id"), by_examples, tone_model
        )
    found = found.join(comments.select("id", "response_key", "week"), on="id")
    groups, discovered = _emerging(comments, found, tagged, tones, weeks)
    schema = {c: t for c, t in COMMENT_THEMES_SCHEMA.items() if c != "engine"}
    named = found.filter(pl.col("week").is_in(weeks)).select(*schema)
    rows = pl.concat(
        [f.select(pl.col(c).cast(t) for c, t in schema.items()) for f in (named, discovered)]
    )
    engines = _engines(taxonomy, model)
    rows = rows.with_columns(engine=pl.col("method").replace_strict(engines, default=None))
    return rows.sort("response_key", "theme", "polarity"), groups


def _engines(taxonomy: Taxonomy, model: ModelThemes | None) -> dict[str, str]:
    """method → what assigned the row, with its version, so that a rerun after a change of
    taxonomy or model can tell which rows it changed."""
    digest = hashlib.sha256(taxonomy.model_dump_json().encode()).hexdigest()[:12]
    return {
        "pattern": f"taxonomy {digest}",
        "examples": f"examples {digest}",
        "model": model.engine if model else "",
        "discovery": "emerging",
    }


CHANGES_SCHEMA: dict[str, pl.DataType] = {
    "week": pl.Date(),
    "engine_before": pl.String(),
    "engine_after": pl.String(),
    "comments": pl.Int32(),
    "comments_changed": pl.Int32(),
    "mentions_before": pl.Int32(),
    "mentions_after": pl.Int32(),
}


def changes(before: pl.DataFrame, after: pl.DataFrame) -> pl.DataFrame:
    """Per week that had theme rows `before` (week, response_key, theme, polarity, engine), what
    the rows `after` (comment_themes rows) change (CHANGES_SCHEMA): the comments whose set of
    (theme, polarity) differs, the theme rows on each side, and the engine that tagged most."""
    after = after.filter(
        (pl.col("method") != "discovery") & pl.col("week").is_in(before["week"].unique().implode())
    ).select(before.columns)

    def per_comment(rows: pl.DataFrame) -> pl.DataFrame:
        mention = pl.concat_str("theme", "polarity", separator=":")
        return rows.group_by("week", "response_key").agg(themes=mention.sort().str.join(";"))

    def per_week(rows: pl.DataFrame, side: str) -> pl.DataFrame:
        return rows.group_by("week").agg(
            pl.col("engine").drop_nulls().mode().sort().first().alias(f"engine_{side}"),
            pl.len().alias(f"mentions_{side}"),
        )

    compared = per_comment(before).join(
        per_comment(after), on=["week", "response_key"], how="full", coalesce=True, suffix="_now"
    )
    changed = compared.group_by("week").agg(
        comments=pl.len(),
        comments_changed=(pl.col("themes").fill_null("") != pl.col("themes_now").fill_null(""))
        .sum(),
    )  # fmt: skip
    return (
        per_week(before, "before")
        .join(per_week(after, "after"), on="week", how="left")
        .join(changed, on="week", how="left")
        .with_columns(pl.col("mentions_after").fill_null(0))
        .select(pl.col(c).cast(t) for c, t in CHANGES_SCHEMA.items())
        .sort("week")
    )


def describe_changes(changed: pl.DataFrame) -> list[str]:
    """One line per week whose themes a rebuild changed: "2026-10-05: 12 of 340 comments
    (3.5 %) tagged otherwise — default model 4c1f… → coded model 9a2b…"."""
    lines = []
    for row in changed.filter(pl.col("comments_changed") > 0).iter_rows(named=True):
        share = 100 * row["comments_changed"] / max(row["comments"], 1)
        engines = (
            f" — {row['engine_before']} → {row['engine_after']}"
            if row["engine_before"] != row["engine_after"]
            else ""
        )
        lines.append(
            f"{row['week']}: {row['comments_changed']:,} of {row['comments']:,} comments "
            f"({share:.1f} %) tagged otherwise, {row['mentions_before']:,} → "
            f"{row['mentions_after']:,} theme mentions{engines}"
        )
    return lines


def fingerprints(
    answers: pl.DataFrame,
    weeks: list[dt.date],
    taxonomy: Taxonomy,
    satisfied_from: dict[str, int],
    model: ModelThemes | None,
    history_weeks: int,
) -> dict[dt.date, str]:
    """Per week of `weeks`, a digest of everything its theme rows are built from: the responses
    of the week and of the `history_weeks` before it (the emerging groups read them), the
    taxonomy, the model, the score bands and this release (its code, and Polars, whose row hashes
    hold within one version only). Two builds with the same digest give the same rows."""
    engine = json.dumps(
        [
            _engines(taxonomy, model),
            satisfied_from,
            version("satisfaction_pipeline"),
            pl.__version__,
        ],
        sort_keys=True,
    )
    rows = answers.select("week", row=pl.struct(pl.all()).hash(seed=0)).sort("week", "row")
    of_week = {
        week: part.get_column("row").to_numpy().tobytes()
        for (week,), part in rows.partition_by("week", as_dict=True).items()
    }
    digests = {}
    for week in weeks:
        digest = hashlib.sha256(engine.encode())
        for back in range(history_weeks, -1, -1):
            rows_of_week = of_week.get(week - dt.timedelta(weeks=back), b"")
            digest.update(len(rows_of_week).to_bytes(8, "little") + rows_of_week)
        digests[week] = digest.hexdigest()
    return digests


def coverage(
    answers: pl.DataFrame,
    rows: pl.DataFrame,
    satisfied_from: dict[str, int],
    weeks: list[dt.date],
    model: ModelThemes | None,
) -> pl.DataFrame:
    """`marts.theme_coverage` of `weeks`: the low scorers' comments of 3 words or more, how many
    `rows` (find_themes' comment_themes) give a complaint theme of the taxonomy, how many only
    an emerging group's."""
    low = (
        score_responses(answers, satisfied_from)
        .filter(
            pl.col("has_comment")
            & pl.col("week").is_in(weeks)
            & UNHAPPY.fill_null(False)
            & (pl.col("comment").str.count_matches(r"\w+") >= 3)
        )
        .select("response_key", "week")
    )
    complaints = rows.filter(pl.col("polarity") == "complaint")
    named = complaints.filter(pl.col("method") != "discovery").select("response_key").unique()
    emerging = complaints.filter(pl.col("method") == "discovery").select("response_key").unique()
    per_week = low.with_columns(
        explained=pl.col("response_key").is_in(named["response_key"].implode()),
        emerging=pl.col("response_key").is_in(emerging["response_key"].implode()),
    )
    counts = per_week.group_by("week").agg(
        low_comments=pl.len(),
        explained=pl.col("explained").sum(),
        emerging=(pl.col("emerging") & ~pl.col("explained")).sum(),
    )
    return (
        pl.DataFrame({"week": weeks}, schema={"week": pl.Date})
        .join(counts, on="week", how="left")
        .select(
            "week",
            *(
                pl.col(c).fill_null(0).cast(pl.Int32)
                for c in ("low_comments", "explained", "emerging")
            ),
            engine=pl.lit(model.engine if model else "patterns"),
        )
    )


# What the respondent scored, as the model's score band (themes.model.score_band)
_SATISFIED = pl.col("csat_satisfied")
# CSAT not satisfied or NPS detractor (null: neither answered)
UNHAPPY = (_SATISFIED == False) | (pl.col("nps_category") == "detractor")  # noqa: E712
_CSAT_TOP = pl.col("csat") >= pl.col("csat_scale").fill_null("1-5").str.split_exact(
    "-", 1
).struct.field("field_1").cast(pl.Int16, strict=False)
SCORE_BAND = (
    pl.when(UNHAPPY)
    .then(LOW)
    .when((pl.col("nps_category") == "promoter") | (_SATISFIED & _CSAT_TOP.fill_null(True)))
    .then(HIGH)
    .when(_SATISFIED | (pl.col("nps_category") == "passive"))
    .then(MIDDLE)
    .otherwise(UNKNOWN)
)


def _emerging(
    comments: pl.DataFrame,
    found: pl.DataFrame,
    tagged: Tagged,
    tones: pl.DataFrame | None,
    weeks: list[dt.date],
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Emerging groups and their members' rows, from the low scorers' comments that no theme
    explains as a complaint; with a model, only those that complain (its tone gate), each by
    its most complaining sentence, so that praise and filler are never grouped. With a model,
    comments without any score (a tweets or tickets source) are candidates too: the tone tells
    their complaints from the rest."""
    complained = found.filter(pl.col("polarity") == "complaint").select("id").unique()
    unscored = pl.col("unscored") if tones is not None else pl.lit(False)
    candidates = (
        comments.filter(pl.col("low_score").fill_null(False) | unscored)
        .join(complained, on="id", how="anti")
        .join(tagged.languages, on="id")
    )
    if tones is None:
        candidates = candidates.with_columns(offset=pl.lit(0, pl.Int64))
    else:
        # a comment the model did not read (not in its languages) is a candidate as a whole
        candidates = candidates.join(tones, on="id", how="left").with_columns(
            pl.col("complains").fill_null(True),
            pl.col("tone_start").fill_null(0),
            pl.col("tone_end").fill_null(pl.col("text").str.len_chars().cast(pl.Int64)),
        )
        candidates = candidates.filter(pl.col("complains")).with_columns(
            text=pl.col("text").str.slice(
                pl.col("tone_start"), pl.col("tone_end") - pl.col("tone_start")
            ),
            offset=pl.col("tone_start").cast(pl.Int64),
        )
    candidates = candidates.select("id", "response_key", "week", "language", "text", "offset")
    words = content_words(candidates.select("id", "text"), tagged.languages)
    groups, members = find_emerging(candidates, words, weeks)
    span = (pl.col("span_start"), pl.col("span_end") - pl.col("span_start"))
    discovered = members.join(comments.select("response_key", "text"), on="response_key").select(
        "response_key",
        "week",
        "theme",
        polarity=pl.lit("complaint"),
        evidence=pl.col("text").str.slice(*span),
        span_start="span_start",
        span_end="span_end",
        mentions=pl.lit(1, pl.Int32),
        language="language",
        method=pl.lit("discovery"),
    )  # fmt: skip
    return groups, discovered


MODEL_BATCH = 20_000  # comments the model's readings are turned into rows at a time
# a finding's fields in order, as the cache stores them (dataclasses.astuple deep-copies each:
# 5 s of a year's backfill)
_found_fields = attrgetter(*(f.name for f in fields(Found)))
READINGS_SCHEMA: dict[str, pl.DataType] = {
    "engine": pl.String(),
    "band": pl.Int8(),
    "text_hash": pl.String(),
    "found": pl.String(),
    "tone": pl.Float64(),
    "tone_start": pl.Int32(),
    "tone_end": pl.Int32(),
}


@dataclass
class ReadingCache:
    """What the model read in comments before (`marts.comment_readings`): `lookup` returns the
    cached rows of a frame of (engine, band, text_hash); `add` collects this run's new ones,
    for the caller to store with the run's other tables (`rows`)."""

    lookup: Callable[[pl.DataFrame], pl.DataFrame]
    new: list[pl.DataFrame] = field(default_factory=list)

    def add(self, rows: list[tuple]) -> None:
        self.new.append(pl.DataFrame(rows, schema=READINGS_SCHEMA, orient="row"))

    @property
    def added(self) -> int:
        """How many readings this run made."""
        return sum(frame.height for frame in self.new)

    def rows(self) -> pl.DataFrame:
        # a text met in two batches is read twice, the same way: stored once
        keys = ["engine", "band", "text_hash"]
        return pl.concat([pl.DataFrame(schema=READINGS_SCHEMA), *self.new]).unique(
            keys, keep="first", maintain_order=True
        )


def _readings(
    model: ModelThemes, texts: list[str], bands: list[int], cache: ReadingCache | None
) -> list[Reading]:
    """The model's reading of each text, from the cache where it has one."""
    if cache is None:
        return read_on_every_core(model.model, texts, bands)
    engine = model.engine
    hashes = [hashlib.sha1(t.encode("utf-8")).hexdigest() for t in texts]
    wanted = pl.DataFrame(
        {"engine": engine, "band": bands, "text_hash": hashes},
        schema={"engine": pl.String, "band": pl.Int8, "text_hash": pl.String},
    ).unique()
    known = {
        (h, b): Reading(
            [Found(*f) for f in json.loads(found)],
            tone,
            None if start is None else (start, end),
        )
        for b, h, found, tone, start, end in cache.lookup(wanted).iter_rows()
    }
    missing = list(dict.fromkeys(k for k in zip(hashes, bands, strict=True) if k not in known))
    first = {k: i for i, k in reversed(list(enumerate(zip(hashes, bands, strict=True))))}
    new = read_on_every_core(
        model.model, [texts[first[k]] for k in missing], [k[1] for k in missing]
    )
    added = []
    for (text_hash, band), reading in zip(missing, new, strict=True):
        known[(text_hash, band)] = reading
        span = reading.complaint_span or (None, None)
        found = json.dumps([_found_fields(f) for f in reading.found], ensure_ascii=False)
        added.append((engine, band, text_hash, found, reading.tone, *span))
    cache.add(added)
    return [known[k] for k in zip(hashes, bands, strict=True)]


def _with_model(
    found: pl.DataFrame,
    comments: pl.DataFrame,
    tagged: Tagged,
    model: ModelThemes,
    cache: ReadingCache | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """The model's themes replace the patterns' for the same themes, in the comments of
    `comments` written in its languages, except the themes whose patterns the configuration
    wrote: those add to the model's (and win where both find the theme). Also, per comment
    read, whether it complains at all and in which sentence most (None without a tone)."""
    readable = comments.join(tagged.languages, on="id").filter(
        pl.col("language").is_in(list(model.languages))
    )
    columns = ["id", "theme", "polarity", "evidence", "span_start", "span_end", "mentions",
               "language"]  # fmt: skip
    tone_schema = {"id": pl.UInt32, "complains": pl.Boolean, "tone_start": pl.Int64,
                   "tone_end": pl.Int64}  # fmt: skip
    learned_parts = [pl.DataFrame(schema={c: found.schema[c] for c in columns})]
    tone_parts = [pl.DataFrame(schema=tone_schema)]
    gate = model.model.recipe.tone_gate
    # a batch at a time: a backfill's readings as Python objects would take gigabytes at once
    for part in readable.iter_slices(MODEL_BATCH):
        readings = _readings(model, part["text"].to_list(), part["band"].to_list(), cache)
        rows, tones = [], []
        for id_, text, language, reading in zip(
            part["id"], part["text"], part["language"], readings, strict=True
        ):
            rows += [
                (id_, f.theme, f.polarity, text[f.start : f.end], f.start, f.end, f.mentions,
                 language)
                for f in reading.found
                if f.theme in model.themes
            ]  # fmt: skip
            if reading.tone is not None:
                tones.append((id_, reading.tone >= gate, *reading.complaint_span))
        learned_parts.append(pl.DataFrame(rows, schema=learned_parts[0].schema, orient="row"))
        tone_parts.append(pl.DataFrame(tones, schema=tone_schema, orient="row"))
    learned = pl.concat(learned_parts).with_columns(method=pl.lit("model"))
    read_by_model = pl.col("id").is_in(readable["id"].implode())
    replaced = pl.col("theme").is_in(list(model.themes - model.patterns_kept)) & read_by_model
    kept = found.filter(~replaced)
    forced = kept.filter(pl.col("theme").is_in(list(model.patterns_kept))).select("id", "theme")
    learned = learned.join(forced.unique(), on=["id", "theme"], how="anti")
    combined = pl.concat(
        [kept, learned.select(pl.col(c).cast(found.schema[c]) for c in found.columns)]
    ).sort("id", "theme", "polarity")
    if "tone_weights" not in model.model.arrays:
        return combined, None
    return combined, pl.concat(tone_parts)


def _with_examples(
    found: pl.DataFrame, comments: pl.DataFrame, examples: dict[str, list[str]], tone: ThemeModel
) -> pl.DataFrame:
    """The themes given by examples, added where a sentence reads like one (themes.fewshot);
    where patterns or the model found the same theme in a comment, theirs stays."""
    shots = _example_themes(tuple((t, tuple(e)) for t, e in sorted(examples.items())))
    rows = [
        (id_, theme, polarity, text[start:end], start, end, 1, language)
        for id_, text, language, themes in zip(
            comments["id"],
            comments["text"],
            comments["language"],
            shots.find(comments["text"].to_list(), tone),
            strict=True,
        )
        for theme, polarity, start, end, _ in themes
    ]
    columns = ["id", "theme", "polarity", "evidence", "span_start", "span_end", "mentions",
               "language"]  # fmt: skip
    added = (
        pl.DataFrame(rows, schema={c: found.schema[c] for c in columns}, orient="row")
        .with_columns(method=pl.lit("examples"))
        .join(found.select("id", "theme").unique(), on=["id", "theme"], how="anti")
    )
    return pl.concat([found, added.select(found.columns)]).sort("id", "theme", "polarity")


@cache
def _example_themes(examples: tuple[tuple[str, tuple[str, ...]], ...]) -> ExampleThemes:
    """Encoded once per process and set of examples."""
    return ExampleThemes.of({theme: list(texts) for theme, texts in examples})
