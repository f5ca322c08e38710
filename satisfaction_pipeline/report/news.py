"""The week's news: every significant change of a headline score, against last week and against
the four weeks before, the most important first — said the same way in "In short", in the
e-mail's body and in its subject, since most managers read no further than the e-mail."""

from __future__ import annotations

from dataclasses import dataclass

from satisfaction_pipeline.formats import format_change, format_number, format_score, metric_name
from satisfaction_pipeline.i18n import N_, translations
from satisfaction_pipeline.report.scores import Score

PREVIOUS_WEEK, TRAIL = "previous_week", "trail"
AGAINST = {PREVIOUS_WEEK: N_("vs last week"), TRAIL: N_("vs the 4 weeks before")}


@dataclass(frozen=True)
class Change:
    """One significant change of one headline score against one comparison."""

    score: Score
    against: str  # PREVIOUS_WEEK or TRAIL
    value: float
    p: float | None

    @property
    def relative_size(self) -> float:
        """The change as a share of the scale's range (CSAT 100 points, NPS 200, CES its
        span), so that changes of different scores can be ordered by size."""
        if self.score.metric == "csat":
            span = 100.0
        elif self.score.metric == "nps":
            span = 200.0
        else:
            low, high = (int(b) for b in self.score.scale.split("-"))
            span = float(high - low)
        return abs(self.value) / span

    @property
    def arrow(self) -> str:
        return "▲" if self.value > 0 else "▼"


def significant_changes(headline: list[Score]) -> list[list[Change]]:
    """Per headline score that moved significantly, its significant changes — against last
    week first — and the scores in order of importance: the strongest evidence (smallest
    p-value) first, then the largest change for its scale."""
    moved = []
    for s in headline:
        changes = []
        if s.significant_prev and s.delta is not None:
            changes.append(Change(s, PREVIOUS_WEEK, s.delta, s.p_prev))
        if s.significant_trail and s.change_trail is not None:
            changes.append(Change(s, TRAIL, s.change_trail, s.p_trail))
        if changes:
            moved.append(changes)

    def importance(changes: list[Change]) -> tuple[float, float]:
        p = min((c.p for c in changes if c.p is not None), default=1.0)
        return p, -max(c.relative_size for c in changes)

    return sorted(moved, key=importance)


def change_sentences(headline: list[Score], language: str) -> list[str]:
    """One sentence per score that moved significantly, in order of importance — "CSAT fell by
    8.4 points vs last week (−8.8 pts vs the 4 weeks before): both significant." —, or one
    sentence saying that none did."""
    _ = translations(language).gettext
    moved = significant_changes(headline)
    if not moved:
        return [_("No headline score changed significantly, against last week or the 4 weeks "
                  "before.")]  # fmt: skip
    sentences = []
    for first, *other in moved:
        said = (
            _("{metric} rose by {size} {against}")
            if first.value > 0
            else _("{metric} fell by {size} {against}")
        ).format(
            metric=metric_name(first.score.metric, first.score.scale),
            size=format_change(first.score.metric, first.value, language),
            against=_(AGAINST[first.against]),
        )
        if other:
            second = other[0]
            change = signed(second.score.metric, second.value, language)
            said += f" ({change} {_(AGAINST[second.against])})"
            sentences.append(_("{changes}: both significant.").format(changes=said))
        else:
            sentences.append(_("{change}: a significant change.").format(change=said))
    return sentences


def signed(metric: str, value: float, language: str, part: bool = False) -> str:
    """A change with its sign and unit: CSAT `−8.4 pts`, NPS `−13 pts`, CES `−0.34`. A `part`
    of one (why a score moved) keeps a decimal on NPS, so that parts of a few points do not all
    print as 0."""
    if metric == "ces":
        return format_number(value, language, 2, sign=True)
    decimals = 1 if metric == "csat" or part else 0
    return f"{format_number(value, language, decimals, sign=True)} pts"


def subject_scores(headline: list[Score], language: str) -> str:
    """The headline scores for a subject line, the ones that moved significantly first with
    their arrow and change, then the comparison, then the others: "CSAT 68.9% (▼ −8.4 pts),
    NPS +26 (▼ −13 pts) vs last week; CES 1-7 5.94" — the comparison named once when the
    changes share it; "no significant change" after the scores when none moved."""
    _ = translations(language).gettext
    moved = [changes[0] for changes in significant_changes(headline)]
    shared = len({c.against for c in moved}) == 1

    def score(s: Score) -> str:
        return f"{metric_name(s.metric, s.scale)} {format_score(s.metric, s.score, language)}"

    news = [
        f"{score(c.score)} ({c.arrow} {signed(c.score.metric, c.value, language)}"
        + ("" if shared else f" {_(AGAINST[c.against])}")
        + ")"
        for c in moved
    ]
    said = ", ".join(news) + (f" {_(AGAINST[moved[0].against])}" if moved and shared else "")
    movers = {(c.score.metric, c.score.scale) for c in moved}
    rest = ", ".join(
        score(s) for s in headline if s.score is not None and (s.metric, s.scale) not in movers
    )
    if not moved:
        return _("{scores} (no significant change)").format(scores=rest) if rest else ""
    return _("{changes}; {others}").format(changes=said, others=rest) if rest else said
