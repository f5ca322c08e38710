"""Load and validate `satisfaction.yaml` into typed settings.

Every validation problem is reported as `key.path: what was expected (got …)`, so that a person can
fix the file without reading Python. Unknown keys are errors, with the closest known key suggested.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import zoneinfo
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from satisfaction_pipeline.config.label_sets import SETS_BY_POINTS
from satisfaction_pipeline.config.taxonomy import Taxonomy, Theme, build_taxonomy
from satisfaction_pipeline.i18n import languages

Metric = Literal["csat", "nps", "ces", "comment"]
SCORED_METRICS: tuple[str, ...] = ("csat", "nps", "ces")
SEGMENT_DIMENSIONS: tuple[str, ...] = ("channel", "team", "agent", "product", "touchpoint")
# CSAT scale sizes, and the lowest answer counted as satisfied on each unless the config says
# otherwise: top two boxes on 4, 5 and 7 points (the industry's CSAT), the top box on 3 points
# (its second box is the neutral middle).
CSAT_SATISFIED_FROM: dict[str, int] = {"1-3": 3, "1-4": 3, "1-5": 4, "1-7": 6}


BUILT_IN = {name for sets in SETS_BY_POINTS.values() for name in sets}


class ConfigError(Exception):
    """The configuration file cannot be used; `problems` lists each one in plain words."""

    def __init__(self, path: Path | str, problems: list[str]):
        self.path = str(path)
        self.problems = problems
        listing = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{self.path}: invalid configuration\n{listing}")


def _time_zone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"an IANA time zone such as 'Europe/Paris' (got {name!r})") from None
    return name


TimeZone = Annotated[str, AfterValidator(_time_zone)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Scale(_Strict):
    """How the answers of one question are coded.

    CSAT: 1–5 (default), 1–3, 1–4 (no neutral middle) or 1–7 points; on 4 and 5 points a
    built-in label set (`auto` picks the one matching the answers), on any size a custom mapping
    of labels to points, and numbers. `higher_is_better: false` for a file numbered from best
    (1) to worst; left out, answers that give a number and its label ("1 - Très satisfait")
    decide, and a declared direction they contradict is an error. `satisfied_from` is the
    lowest answer counted as satisfied (CSAT_SATISFIED_FROM by default). NPS: 0–10 or 1–10.
    CES: a numeric range and which end is good (higher, unless declared otherwise); reports
    always show CES oriented so that higher is better. NPS and CES answers written as labels
    need a custom mapping of label to number on their scale.
    """

    min: int | None = None
    max: int | None = None
    higher_is_better: bool | None = None  # None: not declared (CSAT: the labels decide)
    labels: str | dict[str, int] = "auto"
    satisfied_from: int | None = None  # CSAT only

    @field_validator("labels")
    @classmethod
    def _known_label_set(
        cls, value: str | dict[str, int], info: ValidationInfo
    ) -> str | dict[str, int]:
        """A built-in set name stays a name; a set declared under `label_sets` becomes its
        mapping."""
        custom = (info.context or {}).get("label_sets") or {}
        chosen = custom.get(value) if isinstance(value, str) else None
        if isinstance(chosen, dict) and all(isinstance(v, int) for v in chosen.values()):
            return chosen
        if isinstance(value, str) and value != "auto" and value not in BUILT_IN:
            known = ", ".join(["auto", *BUILT_IN, *custom])
            raise ValueError(f"one of {known}, or a mapping of label to points (got {value!r})")
        return value

    @model_validator(mode="after")
    def _ordered_range(self) -> Scale:
        if self.min is not None and self.max is not None and self.min >= self.max:
            raise ValueError(f"min below max (got min={self.min}, max={self.max})")
        return self

    @property
    def custom_labels(self) -> bool:
        return isinstance(self.labels, dict)

    @property
    def label(self) -> str:
        """The range as shown in tables, e.g. `1-7`."""
        return f"{self.min}-{self.max}"

    @property
    def ces_version(self) -> str:
        """Which CES this scale is: `CES 1.0` (1-5 effort, lower is better), `CES 2.0` (1-7
        agreement that it was easy), or `custom 1-10` (and `lower is better` when so)."""
        lower = self.higher_is_better is False
        if (self.min, self.max, lower) == (1, 5, True):
            return "CES 1.0"
        if (self.min, self.max, lower) == (1, 7, False):
            return "CES 2.0"
        return f"custom {self.label}" + (", lower is better" if lower else "")


class Question(_Strict):
    column: str
    metric: Metric
    scale: Scale = Scale()
    # Several questions of one metric (a "satisfaction with …" battery): each has an id and a
    # label; the `headline` one (else the first) is the metric's score, the others are items
    # scored apart (marts.weekly_item_scores)
    id: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]*$")
    label: str | None = None
    headline: bool = False
    # answers that mean "no answer" here, beyond the built-in ones ("N/A", "ne sais pas"…):
    # left out of the score, never rejected
    no_answer: list[Annotated[str, Field(min_length=1)]] = []

    @model_validator(mode="after")
    def _scale_fits_metric(self) -> Question:
        s = self.scale
        if self.metric != "csat" and s.satisfied_from is not None:
            raise ValueError("satisfied_from only on a CSAT question")
        if self.metric == "csat":
            s = self._csat_scale(s)
        elif self.metric == "nps":
            rng = (s.min if s.min is not None else 0, s.max if s.max is not None else 10)
            if rng not in {(0, 10), (1, 10)}:
                raise ValueError(f"an NPS scale of 0-10 or 1-10 (got {rng[0]}-{rng[1]})")
            s = s.model_copy(update={"min": rng[0], "max": 10})
        elif self.metric == "ces" and (s.min is None or s.max is None):
            raise ValueError("a CES scale with min and max, e.g. {min: 1, max: 7}")
        if isinstance(s.labels, dict) and s.min is not None and s.max is not None:
            # custom labels: points within the question's scale
            bad = {k: v for k, v in s.labels.items() if not s.min <= v <= s.max}
            if bad:
                raise ValueError(f"label points between {s.min} and {s.max} (got {bad})")
        return self.model_copy(update={"scale": s})

    @staticmethod
    def _csat_scale(s: Scale) -> Scale:
        rng = (s.min if s.min is not None else 1, s.max if s.max is not None else 5)
        label = f"{rng[0]}-{rng[1]}"
        if label not in CSAT_SATISFIED_FROM:
            raise ValueError(f"a CSAT scale of 1-3, 1-4, 1-5 or 1-7 (got {label})")
        fitting = SETS_BY_POINTS.get(rng[1], {})
        if isinstance(s.labels, str) and s.labels != "auto" and s.labels not in fitting:
            sizes = " and ".join(str(n) for n in sorted(SETS_BY_POINTS))
            choices = (
                f"one of the {rng[1]}-point label sets ({', '.join(fitting)}), or "
                if fitting
                else f"(the built-in label sets are for {sizes} points) "
            )
            raise ValueError(
                f"{choices}a {label} scale's labels as a mapping of label to points "
                f"(got {s.labels!r})"
            )
        satisfied_from = s.satisfied_from or CSAT_SATISFIED_FROM[label]
        if not rng[0] < satisfied_from <= rng[1]:
            raise ValueError(
                f"satisfied_from between {rng[0] + 1} and {rng[1]} (got {satisfied_from})"
            )
        return s.model_copy(update={"min": rng[0], "max": rng[1], "satisfied_from": satisfied_from})


class Constant(_Strict):
    """A segment value that is the same for every row of a source (e.g. touchpoint: purchase)."""

    value: str


class Columns(_Strict):
    # None: the export has no id; each row gets one from its mapped cells (ingest.mapping)
    response_id: str | None = None
    submitted_at: str
    customer_ref: str | None = None
    customer_email: str | None = None


class Source(_Strict):
    name: str
    pattern: str
    format: Literal[
        "auto", "csv", "xlsx", "json", "jsonl", "qualtrics", "surveymonkey", "google_forms",
        "typeform",
    ] = "auto"  # fmt: skip
    encoding: str = "auto"
    delimiter: str | None = Field(default=None, min_length=1, max_length=1)  # e.g. ";" or "\t"
    sheet: str | None = None
    timezone: TimeZone | None = None
    date_format: str | None = None  # strftime layout, or day_first / month_first
    duplicates: Literal["keep_first", "keep_latest"] = "keep_first"
    # Qualtrics responses closed before the end (Finished = 0): kept, as Qualtrics' own
    # reports count them, or excluded (and counted as such in ops.files)
    unfinished: Literal["keep", "exclude"] = "keep"
    # Invitations sent, for the response rate: `unanswered_rows` when the export lists every
    # invitation (a row with no answer at all is one nobody answered, as Zendesk's "Offered":
    # counted, not rejected), or a number sent each week; none: no response rate
    invitations: Literal["unanswered_rows"] | Annotated[int, Field(ge=1)] | None = None
    # An export other sources read too, each its own columns (e.g. one survey file, two teams'
    # questions): allowed only where every source matching the file says so, since an overlap
    # by mistake would count its responses twice
    shares_files: bool = False
    columns: Columns
    # "no answer" words of every question of this source, beyond the built-in ones
    no_answer: list[Annotated[str, Field(min_length=1)]] = []
    segments: dict[str, str | Constant] = {}
    questions: list[Question] = Field(min_length=1)

    @field_validator("name")
    @classmethod
    def _snake_case_name(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", value):
            raise ValueError(f"a name in lower_snake_case, e.g. support_fr (got {value!r})")
        return value

    @field_validator("segments", mode="before")
    @classmethod
    def _segments(cls, value: Any) -> dict[str, str | Constant]:
        """Each segment is a column name, or `{value: text}` for a constant; names snake_case."""
        if value is None:  # `segments:` left empty
            return {}
        if not isinstance(value, dict):
            raise ValueError(f"a mapping of segment name to column (got {value!r})")
        segments: dict[str, str | Constant] = {}
        for name, mapping in value.items():
            if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", name):
                raise ValueError(f"segment names in lower_snake_case (got {name!r})")
            if isinstance(mapping, str) and mapping:
                segments[name] = mapping
            elif isinstance(mapping, dict) and set(mapping) == {"value"}:
                segments[name] = Constant(value=str(mapping["value"]))
            else:
                raise ValueError(
                    f"a column name or {{value: text}} for segment {name!r} (got {mapping!r})"
                )
        return segments

    @model_validator(mode="after")
    def _an_id_where_answers_change(self) -> Source:
        """Without an id column, a row is known by what it says: an edited answer is another
        response, so neither replacing a response nor matching an invitation to its answer can
        work."""
        if self.columns.response_id:
            return self
        if self.duplicates == "keep_latest":
            raise ValueError(
                "columns.response_id with duplicates: keep_latest (without an id, an edited "
                "response cannot be told from a new one)"
            )
        if self.invitations == "unanswered_rows":
            raise ValueError(
                "columns.response_id with invitations: unanswered_rows (without an id, an "
                "answered invitation cannot be told from the unanswered one)"
            )
        return self

    @model_validator(mode="after")
    def _items(self) -> Source:
        """Several questions of a metric: each with its own id, at most one headline."""
        for metric in SCORED_METRICS:
            asked = [q for q in self.questions if q.metric == metric]
            if len(asked) < 2:
                continue
            unnamed = [q.column for q in asked if not q.id]
            if unnamed:
                raise ValueError(
                    f"an id for each of several {metric} questions, e.g. {{column: ..., metric: "
                    f"{metric}, id: response_time, label: Satisfaction with response time}} "
                    f"(none for columns {unnamed})"
                )
            ids = [q.id for q in self.questions if q.id]
            if len(ids) != len(set(ids)):
                raise ValueError(f"question ids unique within a source (got {ids})")
            headlines = [q.column for q in asked if q.headline]
            if len(headlines) > 1:
                raise ValueError(f"one headline {metric} question (got columns {headlines})")
        return self

    def question(self, metric: str) -> Question | None:
        """The source's headline question for a scored metric — the one marked `headline`,
        else the first —, if it has one."""
        asked = [q for q in self.questions if q.metric == metric]
        return next((q for q in asked if q.headline), asked[0] if asked else None)

    def items(self) -> list[Question]:
        """The scored questions that are not their metric's headline: the battery's items."""
        headlines = {id(self.question(m)) for m in SCORED_METRICS}
        return [q for q in self.questions if q.metric in SCORED_METRICS and id(q) not in headlines]


EMAIL_ADDRESS = r"[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+"


def _addresses(value: list[str]) -> list[str]:
    bad = [a for a in value if not re.fullmatch(EMAIL_ADDRESS, a)]
    if bad:
        raise ValueError(f"e-mail addresses such as direction@example.com (got {bad})")
    return value


Addresses = Annotated[list[str], AfterValidator(_addresses)]


class Recipients(_Strict):
    to: Addresses = []
    cc: Addresses = []
    operations: Addresses = []  # told when the weekly run fails


class Report(_Strict):
    # any language with a catalog under satisfaction_pipeline/locales (en, fr, de)
    language: str = "en"
    title: str | None = None
    verbatims: int = Field(default=6, ge=0, le=50)
    # follow_up.csv names customers: attached to the e-mail only when this says so
    email_follow_up: bool = False
    # Monday's report is due by this time (the configured time zone): later, the weekly_report
    # asset shows as overdue in the UI and recipients.operations gets an e-mail
    deadline: dt.time = dt.time(9, 0)
    # segment dimensions the segment table leaves out (every other one is shown, configured
    # extras included); agents by default: naming a person is a management decision
    hidden_segments: list[str] = ["agent"]

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        if value not in languages():
            raise ValueError(f"one of {', '.join(sorted(languages()))} (got {value!r})")
        return value


class Standouts(_Strict):
    """Which segments the report highlights (docs/methodology.md, "Standouts").

    Consistent: the segment's 95 % interval lies wholly above (or below) the overall score in at
    least `min_weeks` of the last `window_weeks` weeks, and its score still does this week.
    Diverging levels: in the week, one of its questions is above the overall that way while
    another is below. Diverging changes: one of its
    questions rose significantly while another fell significantly, against the previous week or
    the four weeks before (`trailing_weeks`). Small samples never count."""

    window_weeks: int = Field(default=4, ge=1, le=12)
    min_weeks: int = Field(default=3, ge=1, le=12)
    diverging_levels: bool = True
    diverging_changes: Literal["previous_week", "trailing_weeks", "off"] = "previous_week"
    # Dimensions never highlighted. Agents by default: their weekly samples are small, so chance
    # findings pile up across many of them, and naming one person is a management decision.
    skip_dimensions: list[str] = ["agent"]

    @model_validator(mode="after")
    def _fits_window(self) -> Standouts:
        if self.min_weeks > self.window_weeks:
            raise ValueError(
                f"min_weeks at most window_weeks (got {self.min_weeks} > {self.window_weeks})"
            )
        return self


class Actions(_Strict):
    """How the action list ranks complaint themes (docs/methodology.md, "Action list")."""

    min_mentions: int = Field(default=10, ge=1)  # fewer: never ranked as clear
    # a theme named by this share of unhappy commenters is ranked (as "likely") at any volume
    min_share: float = Field(default=0.2, gt=0, le=1)
    # a week with fewer unhappy commenters than min_low_comments pools the weeks before it:
    # each window of `windows` weeks is tried in turn
    windows: list[int] = Field(default=[1, 4, 13], min_length=1)
    min_low_comments: int = Field(default=30, ge=1)
    # priority = Σ weight × the low end of the points at stake; NPS weighs less by default:
    # its points are a difference of two shares, and service controls less of it
    weights: dict[Literal["csat", "nps", "ces"], float] = {"csat": 1.0, "ces": 1.0, "nps": 0.5}
    resamples: int = Field(default=2000, ge=200, le=100_000)  # bootstrap

    @field_validator("windows")
    @classmethod
    def _increasing(cls, value: list[int]) -> list[int]:
        if any(w < 1 for w in value) or value != sorted(set(value)):
            raise ValueError(f"weeks of 1 or more, in increasing order (got {value})")
        return value

    @field_validator("weights")
    @classmethod
    def _non_negative(cls, value: dict[str, float]) -> dict[str, float]:
        if any(w < 0 for w in value.values()):
            raise ValueError(f"weights of 0 or more (got {value})")
        return {"csat": 1.0, "ces": 1.0, "nps": 0.5} | value  # a metric left out keeps its own


class Privacy(_Strict):
    """Minimum counts per segment and week (docs/survey-semantics.md): below them, the report
    shows no score for the segment, and quotes no comment from it, so that a small team's
    verbatims never identify a person."""

    min_responses_for_score: int = Field(default=30, ge=1)
    min_responses_for_comments: int = Field(default=5, ge=1)


class Inbox(_Strict):
    """The inbox sensor (docs/operations.md): new or changed exports start an
    ingestion run without waiting for Monday. Off unless turned on here."""

    watch: bool = False
    interval_seconds: int = Field(default=30, ge=5, le=3600)  # how often it looks
    # A file is read once it has not changed for this long: an export still being copied in
    # is left alone (by the sensor, and by runs other than those started from the CLI).
    settle_seconds: int = Field(default=10, ge=0, le=3600)
    # Exports ingested this many days ago move to the archive folder (SATISFACTION_ARCHIVE,
    # default ./archive), keeping their path; none if unset. A failed or changed file stays.
    archive_after_days: int | None = Field(default=None, ge=0)


class ThemeModelSettings(_Strict):
    # `default`: the model shipped in the package (12 default themes, FR / EN, ~10,000
    # comments/s); `default-encoder`: the same blended with the sentence encoder (~2 points of
    # F1 better, ~200 comments/s); else a file written by `satisfaction-pipeline themes train`,
    # relative to the config's folder
    file: str = "default"
    # the themes it assigns (default: every theme it knows)
    themes: list[str] | None = Field(default=None, min_length=1)
    # the comments it reads, by language (default: those it was trained on, and `other`: the
    # comments too short for the language to show, "Colis perdu")
    languages: list[Literal["fr", "en", "other"]] | None = Field(default=None, min_length=1)


class Settings(_Strict):
    timezone: TimeZone = "Europe/Paris"
    # the first weekly partition (a Monday); none: the week of the earliest response loaded
    # (config/first_week.py)
    first_week: dt.date | None = None
    report: Report = Report()
    recipients: Recipients = Recipients()
    min_sample_size: int = Field(default=30, ge=1)
    # A customer who answers one survey several times in a week counts once, by their last
    # answer (or first); `all` counts every response. The customer is the customer reference,
    # else the e-mail address; responses with neither always count (docs/survey-semantics.md).
    votes_per_customer: Literal["last_in_week", "first_in_week", "all"] = "last_in_week"
    standouts: Standouts = Standouts()
    actions: Actions = Actions()
    privacy: Privacy = Privacy()
    inbox: Inbox = Inbox()
    # default (packaged), none (only `themes`), or a taxonomy YAML file, relative to this file
    taxonomy: str = "default"
    themes: list[Theme] = []  # added, or replacing the taxonomy's theme of the same id
    # themes learned from labelled comments: the packaged default model, a team's own, or null
    # (the taxonomy's patterns alone)
    theme_model: ThemeModelSettings | None = ThemeModelSettings()
    # Named label sets of your own (label → points), usable as `scale: {labels: name}`.
    label_sets: dict[str, dict[str, int]] = {}
    sources: list[Source] = Field(min_length=1)

    @field_validator("first_week")
    @classmethod
    def _monday(cls, value: dt.date | None) -> dt.date | None:
        if value is not None and value.weekday() != 0:
            monday = value - dt.timedelta(days=value.weekday())
            raise ValueError(f"a Monday, since weeks start on Monday (got {value}; use {monday})")
        return value

    @model_validator(mode="after")
    def _consistent_sources(self) -> Settings:
        names = [s.name for s in self.sources]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"unique source names (got {duplicates} more than once)")
        rules: dict[str, dict[int, list[str]]] = {}
        for source in self.sources:
            if question := source.question("csat"):
                scale = question.scale
                rules.setdefault(scale.label, {}).setdefault(scale.satisfied_from, [])
                rules[scale.label][scale.satisfied_from].append(source.name)
        ways: dict[str, dict[str, list[str]]] = {}
        for source in self.sources:
            if question := source.question("ces"):
                way = "lower is better" if question.scale.higher_is_better is False else "higher"
                ways.setdefault(question.scale.label, {}).setdefault(way, []).append(source.name)
        for label, by_way in ways.items():
            if len(by_way) > 1:  # CES of one range is one figure: its versions must not mix
                listing = "; ".join(f"{k} in {', '.join(v)}" for k, v in sorted(by_way.items()))
                raise ValueError(
                    f"CES questions of one range ({label}) all scored the same way, so that "
                    f"different CES versions are never averaged together (got {listing})"
                )
        for label, by_rule in rules.items():
            if len(by_rule) > 1:  # one CSAT figure per scale must mean one thing
                listing = "; ".join(f"{k} in {', '.join(v)}" for k, v in sorted(by_rule.items()))
                raise ValueError(
                    f"one satisfied_from for every {label} CSAT question (got {listing})"
                )
        return self

    def csat_satisfied_from(self) -> dict[str, int]:
        """The lowest satisfied answer on each CSAT scale (configured, else the default)."""
        configured = {
            q.scale.label: q.scale.satisfied_from
            for s in self.sources
            if (q := s.question("csat")) is not None
        }
        return CSAT_SATISFIED_FROM | configured

    def theme_taxonomy(self, config_dir: Path | None = None) -> Taxonomy:
        """The taxonomy to tag comments with (taxonomy.build_taxonomy)."""
        return build_taxonomy(self.taxonomy, self.themes, config_dir)

    def extra_segments(self) -> list[str]:
        """Segment dimensions beyond the five standard ones, in the order they are configured."""
        seen: dict[str, None] = {}
        for source in self.sources:
            for name in source.segments:
                if name not in SEGMENT_DIMENSIONS:
                    seen[name] = None
        return list(seen)


def _key_path(loc: tuple[Any, ...], data: Any) -> str:
    """A readable key path: `('sources', 0, 'columns', 'response_id')` becomes
    `sources[0] (support_fr).columns.response_id`."""
    parts: list[str] = []
    node = data
    for item in loc:
        if isinstance(item, int):
            label = f"[{item}]"
            if isinstance(node, list) and item < len(node) and isinstance(node[item], dict):
                name = node[item].get("name") or node[item].get("column") or node[item].get("id")
                label += f" ({name})" if name else ""
            parts.append(label)
        elif not str(item).startswith(("function-", "constrained-")) and item not in {
            "str",
            "dict[str,int]",
        }:
            parts.append(f".{item}" if parts else str(item))
        node = node[item] if isinstance(node, dict | list) and _has(node, item) else None
    return "".join(parts) or "(top level)"


def _has(node: dict | list, item: Any) -> bool:
    if isinstance(node, dict):
        return item in node
    return isinstance(item, int) and item < len(node)


def _message(error: dict[str, Any], data: Any) -> str:
    loc = error["loc"]
    where = _key_path(loc, data)
    kind = error["type"]
    if kind == "extra_forbidden":
        model_fields = _fields_at(loc[:-1])
        hint = difflib.get_close_matches(str(loc[-1]), model_fields, n=1)
        known = (
            f"; did you mean {hint[0]!r}?" if hint else f"; known keys: {', '.join(model_fields)}"
        )
        return f"{where}: unknown key{known}"
    if kind == "missing":
        return f"{where}: required key is missing"
    got = error.get("input")
    if kind == "too_short":
        ctx = error.get("ctx", {})
        return f"{where}: expected at least {ctx.get('min_length')} item(s) (got none)"
    text = error["msg"].removeprefix("Value error, ").removeprefix("Input should be ")
    if error["msg"].startswith("Input should be "):
        text = f"expected {text} (got {got!r})"
    elif error["msg"].startswith("Value error, "):
        text = f"expected {text}"
    return f"{where}: {text}"


_MODEL_AT: dict[str, type[BaseModel]] = {
    "sources": Source,
    "questions": Question,
    "scale": Scale,
    "columns": Columns,
    "report": Report,
    "recipients": Recipients,
    "standouts": Standouts,
    "actions": Actions,
    "privacy": Privacy,
    "inbox": Inbox,
    "themes": Theme,
    "theme_model": ThemeModelSettings,
}


def _fields_at(loc: tuple[Any, ...]) -> list[str]:
    model: type[BaseModel] = Settings
    for item in reversed(loc):
        if isinstance(item, str) and item in _MODEL_AT:
            model = _MODEL_AT[item]
            break
    return list(model.model_fields)


def parse_settings(data: Any, path: Path | str = "<config>") -> Settings:
    """Validate already-parsed YAML; raise ConfigError with one line per problem."""
    if not isinstance(data, dict):
        raise ConfigError(path, ["(top level): expected a mapping of keys such as 'sources'"])
    try:
        return Settings.model_validate(data, context={"label_sets": data.get("label_sets")})
    except ValidationError as exc:
        problems = [_message(e, data) for e in exc.errors(include_url=False)]
        raise ConfigError(path, list(dict.fromkeys(problems))) from None


def load_settings(path: Path | str) -> Settings:
    """Read and validate a `satisfaction.yaml` file."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(path, ["file not found (set --config or SATISFACTION_CONFIG)"])
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ConfigError(
            path, [f"{where}not valid YAML ({getattr(exc, 'problem', exc)})"]
        ) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(path, [f"not UTF-8 text ({exc.reason} at byte {exc.start})"]) from None
    return parse_settings(data, path)
