"""From responses to the two theme tables: every comment tagged with the taxonomy's patterns and,
where the configuration has one, a trained theme model; then the low scorers' comments that no
complaint theme explains grouped into emerging themes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from satisfaction_pipeline.config.settings import Settings
from satisfaction_pipeline.config.taxonomy import Taxonomy, TaxonomyError
from satisfaction_pipeline.scoring.scores import score_responses
from satisfaction_pipeline.themes.emerging import find_emerging
from satisfaction_pipeline.themes.model import ModelError, ThemeModel, load_model
from satisfaction_pipeline.themes.tagger import Tagged, comment_themes, content_words, tag_comments

MODEL_BATCH = 20_000  # comments classified at a time: bounds the feature matrix's memory

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
}


@dataclass(frozen=True)
class ModelThemes:
    """A trained model and what it decides: these themes, in comments of these languages (in
    other languages the themes' patterns, if they have any, still apply)."""

    model: ThemeModel
    themes: frozenset[str]
    languages: frozenset[str]


def model_themes(
    taxonomy: Taxonomy,
    file: Path,
    themes: list[str] | None = None,
    languages: list[str] | None = None,
) -> ModelThemes:
    """Load the model a configuration names and check it against the taxonomy: every theme it
    assigns must be described there (owner, labels, action), and every theme without patterns
    must be one it assigns."""
    try:
        model = load_model(file)
    except ModelError as exc:
        raise TaxonomyError("theme_model", [str(exc)]) from None
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
    return ModelThemes(model, assigned, frozenset(trained_on))


def learned_themes(
    settings: Settings, taxonomy: Taxonomy, config_dir: Path | None = None
) -> ModelThemes | None:
    """The trained model the configuration names (`theme_model:`, its file relative to the
    config's folder), checked against `taxonomy`; None when the configuration has none."""
    if settings.theme_model is None:
        return None
    file = Path(settings.theme_model.file)
    file = file if file.is_absolute() else (config_dir or Path()) / file
    return model_themes(taxonomy, file, settings.theme_model.themes, settings.theme_model.languages)


def _unassigned(taxonomy: Taxonomy, assigned: frozenset[str] = frozenset()) -> list[str]:
    return [
        f"theme {t.id!r} has no patterns, and no theme_model assigns it"
        for t in taxonomy.themes
        if t.patterns is None and t.id not in assigned
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
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`marts.comment_themes` rows of `weeks` (patterns and the model, then emerging groups'
    members) and `marts.emerging_themes` rows, from the responses of `weeks` and the four weeks
    before."""
    check_detection(taxonomy, model)
    scored = score_responses(answers, satisfied_from).filter(pl.col("has_comment"))
    comments = scored.select(
        "response_key",
        "week",
        low_score=(pl.col("csat_satisfied") == False) | (pl.col("nps_category") == "detractor"),  # noqa: E712  (null: not answered)
        text="comment",
    ).with_row_index("id")
    texts = comments.select("id", "text")
    tagged = tag_comments(texts, taxonomy)
    found = comment_themes(texts, tagged)
    if model is not None:
        # the model is slow next to patterns: it reads the comments that end in the table and
        # the earlier weeks' low scorers (the emerging groups' candidates), not all history
        needed = comments.filter(pl.col("week").is_in(weeks) | pl.col("low_score").fill_null(False))
        found = _with_model(found, texts.join(needed.select("id"), on="id"), tagged, model)
    found = found.join(comments.select("id", "response_key", "week"), on="id")
    complained = found.filter(pl.col("polarity") == "complaint").select("id").unique()
    candidates = (
        comments.filter(pl.col("low_score").fill_null(False))
        .join(complained, on="id", how="anti")
        .join(tagged.languages, on="id")
        .select("id", "response_key", "week", "language")
    )
    words = content_words(texts.join(candidates.select("id"), on="id"), tagged.languages)
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
    patterns = found.filter(pl.col("week").is_in(weeks)).select(*COMMENT_THEMES_SCHEMA)
    rows = pl.concat(
        [f.select(pl.col(c).cast(t) for c, t in COMMENT_THEMES_SCHEMA.items())
         for f in (patterns, discovered)]
    )  # fmt: skip
    return rows.sort("response_key", "theme", "polarity"), groups


def _with_model(
    found: pl.DataFrame, texts: pl.DataFrame, tagged: Tagged, model: ModelThemes
) -> pl.DataFrame:
    """The model's themes replace the patterns' for the same themes, in the comments of
    `texts` written in its languages."""
    readable = texts.join(tagged.languages, on="id").filter(
        pl.col("language").is_in(list(model.languages))
    )
    rows = []
    for part in readable.iter_slices(MODEL_BATCH):
        for id_, text, language, themes in zip(
            part["id"],
            part["text"],
            part["language"],
            model.model.find(part["text"].to_list()),
            strict=True,
        ):
            rows += [
                (
                    id_,
                    f.theme,
                    f.polarity,
                    text[f.start : f.end],
                    f.start,
                    f.end,
                    f.mentions,
                    language,
                )
                for f in themes
                if f.theme in model.themes
            ]
    learned = pl.DataFrame(
        rows,
        schema=[
            "id",
            "theme",
            "polarity",
            "evidence",
            "span_start",
            "span_end",
            "mentions",
            "language",
        ],
        orient="row",
    ).with_columns(method=pl.lit("model"))
    replaced = pl.col("theme").is_in(list(model.themes)) & pl.col("id").is_in(
        readable["id"].implode()
    )
    return pl.concat(
        [
            found.filter(~replaced),
            learned.select(pl.col(c).cast(found.schema[c]) for c in found.columns),
        ]
    ).sort("id", "theme", "polarity")
