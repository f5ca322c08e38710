"""The taxonomy's words in the report's language. Our own sentences are gettext messages, written
in English where they print and translated by the language's catalog (`i18n`); customers' words
are never touched."""

from __future__ import annotations

from satisfaction_pipeline.actions.movement import NO_COMMENT, NO_THEME
from satisfaction_pipeline.config.taxonomy import Taxonomy
from satisfaction_pipeline.formats import french_typography
from satisfaction_pipeline.i18n import N_, translations

GROUP_LABELS = {NO_THEME: N_("no theme"), NO_COMMENT: N_("responses without a comment")}


def theme_labels(taxonomy: Taxonomy | None, language: str) -> dict[str, dict[str, str]]:
    """Theme id → its label, action and owner in the report's language (English where the
    taxonomy has no words in it); `no_theme` for responses no theme explains. A theme since
    removed from the taxonomy keeps its id as label. French ones get French typography, as the
    French catalog's sentences have it."""
    polish = french_typography if language == "fr" else str
    known = {
        t.id: {
            "label": polish(t.label.in_language(language)),
            "action": polish(t.action.in_language(language)),
            "owner": t.owner,
        }
        for t in (taxonomy.themes if taxonomy else [])
    }
    for group, label in GROUP_LABELS.items():
        known[group] = {"label": translations(language).gettext(label), "action": "", "owner": ""}
    return known


def theme_label(labels: dict[str, dict[str, str]], theme: str) -> str:
    return labels.get(theme, {}).get("label", theme)
