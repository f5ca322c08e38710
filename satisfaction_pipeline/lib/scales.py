"""Answer scales: CSAT label sets (French and English), NPS categories, CES orientation.

Labels are matched after folding case, accents, apostrophes and spacing, so that `TRÈS SATISFAIT`,
`tres satisfait` and `Très  satisfait` are the same answer. Label sets are kept whole rather than
merged into one dictionary because the same words mean different points in different sets:
"Plutôt satisfait" is 3 of 5 next to "Satisfait", but 4 of 5 next to "Tout à fait satisfait".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import TypeVar

T = TypeVar("T")

# Each set lists its labels from 5 points (best) down to 1 point; a position may have synonyms.
LABEL_SETS: dict[str, list[tuple[str, ...]]] = {
    "fr_satisfait": [
        ("très satisfait",),
        ("satisfait",),
        ("plutôt satisfait", "moyennement satisfait"),
        ("insatisfait", "pas satisfait"),
        ("très insatisfait",),
    ],
    "fr_tout_a_fait": [
        ("tout à fait satisfait",),
        ("plutôt satisfait",),
        ("ni satisfait ni insatisfait",),
        ("peu satisfait", "plutôt insatisfait", "plutôt pas satisfait"),
        ("pas du tout satisfait",),
    ],
    "fr_bon": [
        ("très bon",),
        ("bon",),
        ("adéquat", "correct", "moyen"),
        ("pas bon",),
        ("mauvais",),
    ],
    "fr_excellent": [
        ("excellent",),
        ("bon", "très bien"),
        ("d'accord", "bien", "correct"),
        ("pas génial", "bof"),
        ("terrible", "nul"),
    ],
    "en_satisfied": [
        ("very satisfied", "extremely satisfied"),
        ("satisfied", "somewhat satisfied"),
        ("neutral", "neither satisfied nor dissatisfied"),
        ("dissatisfied", "somewhat dissatisfied"),
        ("very dissatisfied", "extremely dissatisfied"),
    ],
    "en_good": [
        ("very good",),
        ("good",),
        ("fair", "adequate", "average", "okay", "ok"),
        ("poor", "not good"),
        ("very poor", "bad", "very bad"),
    ],
    "en_excellent": [
        ("excellent",),
        ("good", "great"),
        ("okay", "ok", "fine"),
        ("not great",),
        ("terrible", "awful"),
    ],
}

NPS_CATEGORIES = ("detractor", "passive", "promoter")


def fold_label(text: str) -> str:
    """Case-, accent-, apostrophe- and space-insensitive key for a label."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("\u2019", "'").replace("`", "'").replace("\u00a0", " ")
    return re.sub(r"\s+", " ", text).strip().casefold()


def _folded_set(name: str) -> dict[str, int]:
    return {
        fold_label(label): 5 - position
        for position, synonyms in enumerate(LABEL_SETS[name])
        for label in synonyms
    }


FOLDED_SETS: dict[str, dict[str, int]] = {name: _folded_set(name) for name in LABEL_SETS}


def choose_label_set(values: Iterable[str]) -> str | None:
    """The built-in label set that explains the most of these answers (ties: fewest labels).

    Numbers are ignored here: they are read as points directly.
    """
    folded = {fold_label(v) for v in values if v and not _is_number(v)}
    if not folded:
        return None
    best = max(
        LABEL_SETS,
        key=lambda name: (len(folded & FOLDED_SETS[name].keys()), -len(FOLDED_SETS[name])),
    )
    return best if folded & FOLDED_SETS[best].keys() else None


def csat_mapping(values: Iterable[str], labels: str | dict[str, int]) -> tuple[dict[str, int], str]:
    """Map each distinct raw CSAT answer to 1–5 points.

    Returns the mapping (raw text → points; answers it cannot read are absent) and a description of
    the accepted answers for error messages.
    """
    values = list(values)
    if isinstance(labels, dict):
        known = {fold_label(k): v for k, v in labels.items()}
        description = ", ".join(labels)
    else:
        name = choose_label_set(values) if labels == "auto" else labels
        known = FOLDED_SETS[name] if name else {}
        description = (
            " / ".join(group[0].capitalize() for group in LABEL_SETS[name]) if name else "labels"
        )
    mapping: dict[str, int] = {}
    for raw in values:
        points = known.get(fold_label(raw))
        number = parse_number(raw)
        if points is None and number is not None and number in range(1, 6):
            points = int(number)
        if points is not None:
            mapping[raw] = points
    return mapping, f"{description}, or 1-5"


def parse_number(text: str) -> float | None:
    """`7`, `7.0` or the French `7,0` as a float; None for anything else."""
    try:
        return float(text.strip().replace(",", "."))
    except ValueError:
        return None


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
