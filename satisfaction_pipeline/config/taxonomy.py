"""The theme taxonomy: what customers talk about, who owns it, what to do, and the phrases that
find it. The packaged default (`taxonomies/default.yaml`) works with no configuration; a
`satisfaction.yaml` can point to a file of its own (`taxonomy:`) and add or override themes by id
(`themes:`). Problems are reported with the theme and the key, e.g.
`themes[3] (delivery).owner: expected one of customer_service, product, …`.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

PACKAGED = Path(__file__).resolve().parents[1] / "taxonomies"
LANGUAGES = ("fr", "en")
Owner = Literal["customer_service", "product", "billing", "logistics", "sales", "digital"]
Group = Literal["complaint", "praise", "topic", "target"]
GROUPS = ("complaint", "praise", "topic", "target")


class TaxonomyError(Exception):
    """A taxonomy that cannot be used; `problems` lists each one in plain words."""

    def __init__(self, source: str, problems: list[str]):
        self.problems = problems
        listing = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{source}: invalid taxonomy\n{listing}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Wording(BaseModel):
    """A theme's label, description or action in French and English (the languages comments are
    read in), and in any other report language by its code (`de: Wartezeit`)."""

    model_config = ConfigDict(extra="allow", frozen=True)
    fr: str = Field(min_length=1)
    en: str = Field(min_length=1)

    @model_validator(mode="after")
    def _other_languages(self) -> Wording:
        for code, text in (self.model_extra or {}).items():
            if not re.fullmatch(r"[a-z]{2,3}", code):
                raise ValueError(f"{code!r}: expected a language code such as de or es")
            if not isinstance(text, str) or not text.strip():
                raise ValueError(f"{code}: expected a non-empty text")
        return self

    def in_language(self, language: str) -> str:
        """The text in `language`, in English where the taxonomy has none in it."""
        return getattr(self, language, None) or self.en


class Patterns(_Strict):
    complaint: list[str] = []
    praise: list[str] = []
    topic: list[str] = []
    target: list[str] = []  # counted only where the clause praises or criticises it

    @field_validator("complaint", "praise", "topic", "target")
    @classmethod
    def _phrases(cls, value: list[str]) -> list[str]:
        empty = [p for p in value if not isinstance(p, str) or not re.search(r"\w", p)]
        if empty:
            raise ValueError(f"phrases with at least one word (got {empty})")
        return value


class Theme(_Strict):
    id: str
    owner: Owner
    label: Wording
    description: Wording
    action: Wording
    # None: the theme is learned, assigned only by a trained theme model (`theme_model:`), or
    # found by its examples
    patterns: dict[Literal["fr", "en"], Patterns] | None = None
    # a handful of comments that raise it, in any language: the theme is found where a
    # sentence reads like one of them (themes/fewshot.py)
    examples: list[str] = []

    @field_validator("examples")
    @classmethod
    def _enough_examples(cls, value: list[str]) -> list[str]:
        empty = [e for e in value if not isinstance(e, str) or not re.search(r"\w", e)]
        if empty:
            raise ValueError(f"example comments with at least one word (got {empty})")
        if 0 < len(value) < 3:
            raise ValueError(
                f"at least 3 example comments, to find the theme by (got {len(value)})"
            )
        return value

    @field_validator("id")
    @classmethod
    def _snake_case(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", value):
            raise ValueError(f"an id in lower_snake_case, e.g. wait_time (got {value!r})")
        return value

    @model_validator(mode="after")
    def _some_pattern(self) -> Theme:
        if self.patterns is not None and not any(
            p.complaint or p.praise or p.topic or p.target for p in self.patterns.values()
        ):
            raise ValueError("at least one pattern, under patterns.fr or patterns.en")
        return self

    def phrases(self) -> list[tuple[str, str, str]]:
        """(language, group, phrase) for every pattern."""
        return [
            (language, group, phrase)
            for language, groups in (self.patterns or {}).items()
            for group in GROUPS
            for phrase in getattr(groups, group)
        ]


class Taxonomy(_Strict):
    version: int = 1
    themes: list[Theme]

    @model_validator(mode="after")
    def _unique_ids(self) -> Taxonomy:
        ids = [t.id for t in self.themes]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"unique theme ids (got {twice} more than once)")
        return self

    def theme(self, theme_id: str) -> Theme:
        return next(t for t in self.themes if t.id == theme_id)


def _problems(exc: ValidationError, data: dict) -> list[str]:
    problems = []
    for error in exc.errors(include_url=False):
        loc = list(error["loc"])
        where = ""
        if len(loc) >= 2 and loc[0] == "themes" and isinstance(loc[1], int):
            themes = data.get("themes") or []
            theme = themes[loc[1]] if loc[1] < len(themes) else {}
            name = theme.get("id") if isinstance(theme, dict) else None
            where = f"themes[{loc[1]}]" + (f" ({name})" if name else "")
            loc = loc[2:]
        rest = ".".join(str(p) for p in loc if not str(p).startswith(("function-", "literal")))
        where = ".".join(w for w in (where, rest) if w) or "(top level)"
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown key"
        elif error["type"] == "missing":
            message = "required key is missing"
        problems.append(f"{where}: {message}")
    return list(dict.fromkeys(problems))


def parse_taxonomy(data: object, source: str = "<taxonomy>") -> Taxonomy:
    if not isinstance(data, dict):
        raise TaxonomyError(source, ["(top level): expected a mapping with a 'themes' list"])
    try:
        return Taxonomy.model_validate(data)
    except ValidationError as exc:
        raise TaxonomyError(source, _problems(exc, data)) from None


def read_taxonomy(path: Path | str) -> Taxonomy:
    path = Path(path)
    if not path.is_file():
        raise TaxonomyError(str(path), ["file not found"])
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise TaxonomyError(str(path), [f"not valid YAML ({exc})"]) from None
    return parse_taxonomy(data, str(path))


@cache
def default_taxonomy() -> Taxonomy:
    return read_taxonomy(PACKAGED / "default.yaml")


def build_taxonomy(name: str, extra: list[Theme], base_dir: Path | None = None) -> Taxonomy:
    """The taxonomy a configuration asks for: `default`, `none` (only its own themes) or a YAML
    file (relative to the config's folder), then each of `extra` replacing the theme of the same
    id or added at the end."""
    if name == "default":
        base = list(default_taxonomy().themes)
    elif name == "none":
        base = []
    else:
        path = Path(name)
        base = list(
            read_taxonomy(path if path.is_absolute() else (base_dir or Path()) / path).themes
        )
    by_id = {t.id: t for t in base}
    for theme in extra:
        by_id[theme.id] = theme
    return Taxonomy(themes=list(by_id.values()))
