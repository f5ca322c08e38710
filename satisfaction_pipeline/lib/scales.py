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
    "fr_accord": [
        ("tout à fait d'accord",),
        ("plutôt d'accord", "d'accord"),
        ("ni d'accord ni pas d'accord", "ni d'accord ni en désaccord", "neutre"),
        ("plutôt pas d'accord", "pas d'accord", "plutôt en désaccord"),
        ("pas du tout d'accord", "tout à fait en désaccord"),
    ],
    "en_agree": [
        ("strongly agree",),
        ("agree", "somewhat agree"),
        ("neither agree nor disagree", "neutral"),
        ("disagree", "somewhat disagree"),
        ("strongly disagree",),
    ],
    # Binary CSAT (Zendesk and the like): good counts as satisfied (5), bad as not (1), so the
    # top-2-box share is the share of good ratings. Chosen automatically only when the answers
    # say more than good / bad (which en_good reads with the same top-2-box share).
    "binary": [
        ("good", "good, i'm satisfied", "oui", "yes", "👍"),
        (),
        (),
        (),
        ("bad", "bad, i'm unsatisfied", "non", "no", "👎"),
    ],
}

# Answers that mean "no answer": treated like an empty cell (never as 0, never as an error).
NO_ANSWER = frozenset(
    {
        "n/a", "na", "n.a.", "-", "--", "nsp", "ne sais pas", "je ne sais pas",
        "ne se prononce pas",
        "sans objet", "non applicable", "non concerne", "pas d'avis", "sans avis",
        "don't know", "dont know", "do not know", "i don't know", "not applicable",
        "prefer not to say", "no opinion", "skipped", "null", "none",
        "offered", "not offered", "unoffered",  # Zendesk: a survey sent, never answered
    }
)  # fmt: skip

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
        key=lambda name: (
            len(folded & FOLDED_SETS[name].keys()),
            # on a tie a five-point set wins, so that "good" means the same in every file
            sum(bool(group) for group in LABEL_SETS[name]),
            -len(FOLDED_SETS[name]),
        ),
    )
    return best if folded & FOLDED_SETS[best].keys() else None


def _label_sets_for(values: list[str]) -> list[str]:
    """The built-in sets that together explain the answers, best first: one for most files, one
    per language for a bilingual survey ("Très satisfait" and "Very satisfied" in one column)."""
    remaining = {fold_label(v) for v in values if v and not _is_number(v)}
    names: list[str] = []
    while remaining and (name := choose_label_set(remaining)) is not None:
        names.append(name)
        remaining -= FOLDED_SETS[name].keys()
    return names


def csat_mapping(
    values: Iterable[str], labels: str | dict[str, int], points: int = 5
) -> tuple[dict[str, int], str]:
    """Map each distinct raw CSAT answer to its points on a 1–`points` scale.

    Built-in label sets are 5-point: they are used only on a 5-point scale. Returns the mapping
    (raw text → points; answers it cannot read are absent) and a description of the accepted
    answers for error messages.
    """
    values = list(values)
    known: dict[str, int] = {}
    description = ""
    if isinstance(labels, dict):
        known = {fold_label(k): v for k, v in labels.items()}
        description = ", ".join(labels)
    elif points == 5:
        names = _label_sets_for(values) if labels == "auto" else [labels]
        for name in reversed(names):  # the first set wins where two share a label
            known |= FOLDED_SETS[name]
        description = (
            " ; ".join(
                " / ".join(group[0].capitalize() for group in LABEL_SETS[name] if group)
                for name in names
            )
            or "labels"
        )
    mapping: dict[str, int] = {}
    for raw in values:
        point = known.get(fold_label(raw))
        number = parse_number(raw)
        if point is None and number is not None and number in range(1, points + 1):
            point = int(number)
        if point is not None:
            mapping[raw] = point
    numbers = f"1-{points}"
    return mapping, f"{description}, or {numbers}" if description else numbers


# `7`, `7.0`, `7,0`, and a number followed by its label: `10 - Strongly agree`, `5 (Excellent)`.
_NUMBER = re.compile(r"\s*([+-]?\d+(?:[.,]\d+)?)\s*(?:(?:[-–—:=.)]|\s)\s*\D.*|\(.*\))?", re.DOTALL)


def parse_number(text: str) -> float | None:
    """The number an answer gives, or None if it is not one (see _NUMBER for the forms read)."""
    match = _NUMBER.fullmatch(text)
    return float(match.group(1).replace(",", ".")) if match else None


def is_no_answer(text: str) -> bool:
    """True for an empty answer or one of the NO_ANSWER phrases."""
    return not text.strip() or fold_label(text) in NO_ANSWER


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
