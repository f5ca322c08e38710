"""Answer scales: CSAT labels read against the built-in label sets (config.label_sets) or a
custom mapping, NPS categories, CES orientation.

Labels are matched after folding case, accents, apostrophes and spacing, so that `TRÈS SATISFAIT`,
`tres satisfait` and `Très  satisfait` are the same answer.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import TypeVar

from satisfaction_pipeline.config.label_sets import LABEL_SETS, LABEL_SETS_4, SETS_BY_POINTS

T = TypeVar("T")

# Answers that mean "no answer": treated like an empty cell (never as 0, never as an error).
NO_ANSWER = frozenset(
    {
        "n/a", "na", "n.a.", "-", "--", "nsp", "ne sais pas", "je ne sais pas",
        "ne se prononce pas",
        "sans objet", "non applicable", "non concerne", "pas d'avis", "sans avis",
        "don't know", "dont know", "do not know", "i don't know", "not applicable",
        "prefer not to say", "no opinion", "skipped", "null", "none",
        "offered", "not offered", "unoffered",  # Zendesk: a survey sent, never answered
        # what real tools and forms export (Google Forms grids, SurveyMonkey "N/A" columns)
        "n/a do not use", "na or do not use", "n/a - not applicable", "does not apply",
        "not relevant", "no answer", "rather not say", "prefer not to answer",
        "pas de reponse", "sans reponse", "ne s'applique pas", "je prefere ne pas repondre",
        "non concernee", "non renseigne",
    }
)  # fmt: skip

NPS_CATEGORIES = ("detractor", "passive", "promoter")


def fold_label(text: str) -> str:
    """Case-, accent-, apostrophe- and space-insensitive key for a label."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("\u2019", "'").replace("`", "'").replace("\u00a0", " ")
    return re.sub(r"\s+", " ", text).strip().casefold()


def _folded_set(groups: list[tuple[str, ...]]) -> dict[str, int]:
    return {
        fold_label(label): len(groups) - position
        for position, synonyms in enumerate(groups)
        for label in synonyms
    }


FOLDED_SETS: dict[str, dict[str, int]] = {
    name: _folded_set(groups) for sets in SETS_BY_POINTS.values() for name, groups in sets.items()
}


def choose_label_set(values: Iterable[str], points: int = 5) -> str | None:
    """The built-in label set of a `points`-point scale that explains the most of these answers
    (ties: fewest labels).

    Numbers are ignored here: they are read as points directly.
    """
    folded = {fold_label(v) for v in values if v and not _is_number(v)}
    sets = SETS_BY_POINTS[points]
    if not folded:
        return None
    best = max(
        sets,
        key=lambda name: (
            len(folded & FOLDED_SETS[name].keys()),
            # on a tie a five-point set wins, so that "good" means the same in every file
            sum(bool(group) for group in sets[name]),
            -len(FOLDED_SETS[name]),
        ),
    )
    return best if folded & FOLDED_SETS[best].keys() else None


def _label_sets_for(values: list[str], points: int) -> list[str]:
    """The built-in sets that together explain the answers, best first: one for most files, one
    per language for a bilingual survey ("Très satisfait" and "Very satisfied" in one column).
    An answer written as a number and its label ("1 - Très satisfait") counts by its label."""
    remaining = {fold_label(split_label(v)[1] or v) for v in values if v}
    remaining = {v for v in remaining if not _is_number(v)}
    names: list[str] = []
    while remaining and (name := choose_label_set(remaining, points)) is not None:
        names.append(name)
        remaining -= FOLDED_SETS[name].keys()
    return names


class ScaleDirectionError(ValueError):
    """The answers' labels say which end of the scale is best, and that contradicts what the
    configuration declares (or the answers contradict one another)."""


def csat_mapping(
    values: Iterable[str],
    labels: str | dict[str, int],
    points: int = 5,
    higher_is_better: bool | None = None,
) -> tuple[dict[str, int], str]:
    """Map each distinct raw CSAT answer to its points on a 1–`points` scale, highest best.

    Labels are read by what they say, never by their position or number: on 4 and 5 points a
    built-in label set (`auto` picks the ones matching the answers), on any size a custom
    mapping. Numbers are points; an answer giving both ("1 - Très satisfait") shows which way
    the file numbers its scale, and files where 1 is best are read the right way round.
    `higher_is_better`: what the configuration declares (None: not declared, then the labels
    decide, and without labels higher is better); raise ScaleDirectionError when the labels
    contradict it. Returns the mapping (raw text → points; answers it cannot read are absent)
    and a description of the accepted answers for error messages.
    """
    values = list(values)
    known: dict[str, int] = {}
    description = ""
    if isinstance(labels, dict):
        known = {fold_label(k): v for k, v in labels.items()}
        description = ", ".join(labels)
    elif points in SETS_BY_POINTS:
        names = _label_sets_for(values, points) if labels == "auto" else [labels]
        for name in reversed(names):  # the first set wins where two share a label
            known |= FOLDED_SETS[name]
        sets = {**LABEL_SETS, **LABEL_SETS_4}
        description = (
            " ; ".join(
                " / ".join(group[0].capitalize() for group in sets[name] if group) for name in names
            )
            or "labels"
        )
    reversed_ = _reversed(values, known, points, higher_is_better)
    mapping: dict[str, int] = {}
    for raw in values:
        number, label = split_label(raw)
        number = parse_number(raw) if number is None else number
        point = known.get(fold_label(raw))
        if point is None and label is not None:
            point = known.get(fold_label(label))
        if point is None and number is not None and number in range(1, points + 1):
            point = int(points + 1 - number if reversed_ else number)
        if point is not None:
            mapping[raw] = point
    numbers = f"1-{points}" + (" (1 best)" if reversed_ else "")
    return mapping, f"{description}, or {numbers}" if description else numbers


def _reversed(
    values: list[str], known: dict[str, int], points: int, higher_is_better: bool | None
) -> bool:
    """Whether the file's numbers run from best (1) to worst: from answers that give a number
    and a label, checked against the declared direction."""
    straight, mirrored = [], []
    for raw in values:
        number, label = split_label(raw)
        point = known.get(fold_label(label)) if label is not None else None
        if number is None or point is None or number == (points + 1) / 2:
            continue  # the middle of the scale reads the same both ways
        if number == point:
            straight.append(raw)
        elif number == points + 1 - point:
            mirrored.append(raw)
    if straight and mirrored:
        raise ScaleDirectionError(
            f"the answers number their labels both ways: {min(straight)!r} and {min(mirrored)!r}"
        )
    if not straight and not mirrored:
        return higher_is_better is False
    found_reversed = bool(mirrored)
    if higher_is_better is not None and higher_is_better == found_reversed:
        # the answer that shows it best: the one numbered 1 (reversed), or the top one
        example = min(mirrored) if mirrored else max(straight, key=lambda v: split_label(v)[0])
        said = "1 is the best answer" if found_reversed else f"{points} is the best answer"
        declared = "higher_is_better: true" if higher_is_better else "higher_is_better: false"
        raise ScaleDirectionError(
            f"the answers' labels say {said} ({example!r}), but the configuration declares "
            f"{declared}; remove higher_is_better to follow the labels, or correct it"
        )
    return found_reversed


# A number and its label: `1 - Très satisfait`, `5 (Pas du tout satisfait)`, `1 = Very good`.
_NUMBER_AND_LABEL = re.compile(
    r"\s*([+-]?\d+(?:[.,]\d+)?)\s*(?:[-–—:=.)]\s*|\(\s*|\s+)(\D.*?)\s*\)?\s*", re.DOTALL
)


def split_label(text: str) -> tuple[float | None, str | None]:
    """(number, label) of an answer written as both; (None, None) for any other answer."""
    match = _NUMBER_AND_LABEL.fullmatch(text)
    if not match:
        return None, None
    return float(match.group(1).replace(",", ".")), match.group(2)


# `7`, `7.0`, `7,0`, and a number followed by its label: `10 - Strongly agree`, `5 (Excellent)`.
_NUMBER = re.compile(r"\s*([+-]?\d+(?:[.,]\d+)?)\s*(?:(?:[-–—:=.)]|\s)\s*\D.*|\(.*\))?", re.DOTALL)


def parse_number(text: str) -> float | None:
    """The number an answer gives, or None if it is not one (see _NUMBER for the forms read)."""
    match = _NUMBER.fullmatch(text)
    return float(match.group(1).replace(",", ".")) if match else None


def is_no_answer(text: str, also: frozenset[str] = frozenset()) -> bool:
    """True for an empty answer or one of the NO_ANSWER phrases, or of `also` (folded: a
    source's or question's own `no_answer` words)."""
    return not text.strip() or fold_label(text) in NO_ANSWER or fold_label(text) in also


def _is_number(text: str) -> bool:
    return parse_number(text) is not None


def nps_category(score: int) -> str:
    """0–6 detractor, 7–8 passive, 9–10 promoter (the same for 1–10 scales)."""
    if score >= 9:
        return "promoter"
    return "passive" if score >= 7 else "detractor"


def orient(value: T, low: int, high: int, higher_is_better: bool) -> T:
    """A CES answer (a number or a Polars expression) on its own scale, flipped if needed so that
    a higher number is better."""
    return value if higher_is_better else low + high - value
