"""Themes described by a handful of example comments instead of patterns or training (few-shot).

A team adds a domain theme (installation visits, claims handling, flight delays) with its label,
description and 3 or more example comments; each sentence of a comment is compared with them in
the multilingual sentence encoder's space (Universal Sentence Encoder, in the project already:
"le technicien n'est jamais venu" is close to "the installer didn't show up"), and the theme is
found where a sentence is at least SIMILARITY close (cosine) to one of its examples. The polarity
is read in that sentence by the theme model's tone (themes.model): complaining, praising or
neither. SIMILARITY was chosen by posing each default theme as new, with 5 examples drawn from
the corpus' training files, on those files; the held-out file measures it (bench/few_shot.py,
docs/themes.md).

The encoder reads ~200 sentences a second on 2 cores: a theme given this way costs that on every
comment tagged, so a year's backfill of a large source takes long; patterns or a trained model
do not.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from satisfaction_pipeline.themes.model import ThemeModel, embed, split_sentences

SIMILARITY = 0.3
COMPLAINT_TONE = 0.5  # a sentence's tone from which its mention is a complaint
PRAISE_TONE = 0.2  # below which, praise


@dataclass(frozen=True)
class ExampleThemes:
    themes: list[str]
    vectors: np.ndarray  # one row per example, unit length
    theme_of: np.ndarray  # per example, its theme's index

    @classmethod
    def of(cls, examples: dict[str, list[str]]) -> ExampleThemes:
        themes = sorted(examples)
        texts = [text for theme in themes for text in examples[theme]]
        theme_of = np.array([i for i, theme in enumerate(themes) for _ in examples[theme]])
        return cls(themes, embed(texts), theme_of)

    def similarities(self, texts: list[str]) -> np.ndarray:
        """texts × themes: the cosine of each text's closest example of each theme."""
        if not texts:
            return np.zeros((0, len(self.themes)))
        closeness = embed(texts) @ self.vectors.T
        best = np.full((len(texts), len(self.themes)), -1.0)
        for i in range(len(self.themes)):
            best[:, i] = closeness[:, self.theme_of == i].max(axis=1)
        return best

    def find(
        self, texts: list[str], tone_model: ThemeModel | None, threshold: float = SIMILARITY
    ) -> list[list[tuple[str, str, int, int, float]]]:
        """Per text: (theme, polarity, start, end, similarity) of each theme found, its evidence
        the closest sentence."""
        units = [
            (i, start, end) for i, text in enumerate(texts) for start, end in split_sentences(text)
        ]
        pieces = [texts[i][start:end] for i, start, end in units]
        similarity = self.similarities(pieces)
        tones = _tones(tone_model, pieces)
        found: list[dict[str, tuple]] = [{} for _ in texts]
        for unit, theme in zip(*np.nonzero(similarity >= threshold), strict=True):
            i, start, end = units[unit]
            close = float(similarity[unit, theme])
            name = self.themes[theme]
            if name not in found[i] or close > found[i][name][4]:
                found[i][name] = (name, _polarity(tones[unit]), start, end, close)
        return [sorted(themes.values()) for themes in found]


def _tones(model: ThemeModel | None, pieces: list[str]) -> np.ndarray:
    tones = model.tone(pieces) if model is not None and pieces else None
    return np.full(len(pieces), np.nan) if tones is None else tones


def _polarity(tone: float) -> str:
    if tone != tone:  # no tone model
        return "neutral"
    return "complaint" if tone >= COMPLAINT_TONE else "praise" if tone < PRAISE_TONE else "neutral"
