"""A theme classifier learned from a team's own hand-coded comments.

What it is: TF-IDF features of words (1–2 grams) and of characters inside words (2–5 grams,
which absorb typos, plurals and French inflection without a lemmatiser), then one logistic
regression per theme (multi-label: a text may have several). Each theme's decision threshold
is tuned on out-of-fold predictions of the training data, so rare themes are not drowned by the
default 0.5. A second, multinomial regression gives the polarity (complaint / praise /
neutral) of each theme found, from the text's features and the theme.

The model file is a NumPy `.npz` archive read with `allow_pickle=False`: vocabularies, weights,
thresholds and a JSON header (format version, themes, training data hash, library versions,
cross-validated scores). Loading it runs no code from the file and needs no network.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from satisfaction_pipeline.lib.theme_examples import Example, Examples

FORMAT = "satisfaction-pipeline theme model"
FORMAT_VERSION = 1
POLARITIES = ("complaint", "praise", "neutral")
THRESHOLDS = np.round(np.arange(0.10, 0.91, 0.05), 2)  # the candidates tried per theme
SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")


class ModelError(Exception):
    """A model file that cannot be used, or training data that cannot train one."""


@dataclass(frozen=True)
class Recipe:
    """How features are made and weights fitted; stored in the model file."""

    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (2, 5)
    min_df: int = 2
    c: float = 10.0
    class_weight: str | None = "balanced"
    folds: int = 5  # inner folds for the thresholds
    seed: int = 0


@dataclass(frozen=True)
class Found:
    theme: str
    polarity: str
    start: int  # the evidence's character span in the text
    end: int
    mentions: int  # sentences that mention it (1 for a single sentence)
    probability: float


@dataclass
class ThemeModel:
    themes: list[str]
    names: dict[str, str]  # theme id → name in the training file
    vectorizers: list[TfidfVectorizer]
    weights: np.ndarray  # themes × features
    bias: np.ndarray  # themes
    thresholds: np.ndarray  # themes
    polarity_weights: np.ndarray | None  # polarities × (features + themes)
    polarity_bias: np.ndarray | None
    recipe: Recipe
    header: dict = field(default_factory=dict)

    # -- prediction ------------------------------------------------------------------------

    def features(self, texts: list[str]) -> sp.csr_matrix:
        clean = [normalise(t) for t in texts]
        return sp.hstack([v.transform(clean) for v in self.vectorizers], format="csr")

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """texts × themes: the probability that each text mentions each theme."""
        if not texts:
            return np.zeros((0, len(self.themes)))
        return _sigmoid(self.features(texts) @ self.weights.T + self.bias)

    def predict(self, texts: list[str]) -> list[dict[str, str]]:
        """Per text, theme → polarity (see `find`)."""
        return [{f.theme: f.polarity for f in found} for found in self.find(texts)]

    def find(self, texts: list[str]) -> list[list[Found]]:
        """Per text, the themes whose probability passes their threshold in the whole text or
        in one of its sentences. The evidence is the sentence most likely to mention the theme
        (the whole text when it is one sentence, or when only the whole passes), and the
        polarity is read in the evidence."""
        units, owner = [], []  # the texts, then their sentences when they have several
        for i, text in enumerate(texts):
            spans = split_sentences(text)
            pieces = [(0, len(text))] + (spans if len(spans) > 1 else [])
            units += [(i, start, end) for start, end in pieces]
            owner.append(len(pieces))
        if not units:
            return [[] for _ in texts]
        features = self.features([texts[i][start:end] for i, start, end in units])
        probability = _sigmoid(features @ self.weights.T + self.bias)
        passed = probability >= self.thresholds
        text_of = np.array([u[0] for u in units])
        first_unit = np.concatenate([[0], np.cumsum(owner)[:-1]])
        is_whole = np.zeros(len(units), dtype=bool)
        is_whole[first_unit] = True
        hits: dict[tuple[int, int], list[int]] = {}
        for unit, theme in zip(*np.nonzero(passed), strict=True):
            hits.setdefault((int(text_of[unit]), int(theme)), []).append(int(unit))
        chosen = []
        for (text, theme), found_in in hits.items():
            sentences = [u for u in found_in if not is_whole[u]]
            best = max(sentences or found_in, key=lambda u: probability[u, theme])
            chosen.append((text, theme, best, max(len(sentences), 1)))
        rows = np.array([c[2] for c in chosen], dtype=int)
        themes = np.array([c[1] for c in chosen], dtype=int)
        polarities = self.polarities(features[rows], themes) if chosen else []
        result: list[list[Found]] = [[] for _ in texts]
        for (text, theme, unit, mentions), polarity in zip(chosen, polarities, strict=True):
            _, start, end = units[unit]
            result[text].append(
                Found(
                    self.themes[theme],
                    polarity,
                    start,
                    end,
                    mentions,
                    float(probability[unit, theme]),
                )
            )
        return [sorted(found, key=lambda f: f.theme) for found in result]

    def polarities(self, features: sp.csr_matrix, themes: np.ndarray) -> list[str]:
        """The polarity of theme `themes[i]` in the text of row i of `features`."""
        if self.polarity_weights is None:
            return ["neutral"] * len(themes)
        scores = _with_theme(features, themes, len(self.themes)) @ self.polarity_weights.T
        return [POLARITIES[i] for i in np.argmax(scores + self.polarity_bias, axis=1)]

    # -- storage ---------------------------------------------------------------------------

    def save(self, path: Path | str) -> None:
        arrays = {
            "weights": self.weights.astype(np.float32),
            "bias": self.bias.astype(np.float64),
            "thresholds": self.thresholds.astype(np.float64),
        }
        for i, vectorizer in enumerate(self.vectorizers):
            arrays[f"terms_{i}"] = np.array(vectorizer.get_feature_names_out(), dtype=str)
            arrays[f"idf_{i}"] = vectorizer.idf_.astype(np.float64)
        if self.polarity_weights is not None:
            arrays["polarity_weights"] = self.polarity_weights.astype(np.float32)
            arrays["polarity_bias"] = self.polarity_bias.astype(np.float64)
        header = {
            **self.header,
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "themes": self.themes,
            "names": self.names,
            "recipe": {**self.recipe.__dict__},
            "vectorizers": [_vectorizer_settings(v) for v in self.vectorizers],
        }
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            np.savez_compressed(handle, header=np.array(json.dumps(header)), **arrays)


def load_model(path: Path | str) -> ThemeModel:
    """Read a model file written by `ThemeModel.save`; never unpickles anything."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
        header = json.loads(str(arrays["header"]))
    except FileNotFoundError:
        raise ModelError(f"{path}: no such model file") from None
    except (OSError, ValueError, KeyError) as exc:
        raise ModelError(f"{path}: not a theme model file ({exc})") from None
    if header.get("format") != FORMAT:
        raise ModelError(f"{path}: not a theme model file (no '{FORMAT}' header)")
    if header.get("format_version") != FORMAT_VERSION:
        raise ModelError(
            f"{path}: model format {header.get('format_version')}, this release reads "
            f"{FORMAT_VERSION}; train it again with `satisfaction-pipeline themes train`"
        )
    recipe = header["recipe"]
    recipe = Recipe(**{k: tuple(v) if isinstance(v, list) else v for k, v in recipe.items()})
    vectorizers = []
    for i, settings in enumerate(header["vectorizers"]):
        terms = arrays[f"terms_{i}"].tolist()
        vectorizer = TfidfVectorizer(**settings, vocabulary={t: j for j, t in enumerate(terms)})
        vectorizer.idf_ = arrays[f"idf_{i}"]
        vectorizers.append(vectorizer)
    return ThemeModel(
        themes=header["themes"],
        names=header["names"],
        vectorizers=vectorizers,
        weights=arrays["weights"].astype(np.float64),
        bias=arrays["bias"],
        thresholds=arrays["thresholds"],
        polarity_weights=arrays.get("polarity_weights"),
        polarity_bias=arrays.get("polarity_bias"),
        recipe=recipe,
        header={k: v for k, v in header.items() if k not in ("vectorizers",)},
    )


# -- training ------------------------------------------------------------------------------


def train(examples: Examples | list[Example], recipe: Recipe = Recipe()) -> ThemeModel:
    """Fit a model on all `examples` (thresholds from inner cross-validation)."""
    items = examples.items if isinstance(examples, Examples) else examples
    themes = sorted({t for e in items for t in e.labels})
    if not themes:
        raise ModelError("the examples have no theme label to learn from")
    labels = _label_matrix(items, themes)
    rare = [t for t, n in zip(themes, labels.sum(axis=0), strict=True) if n < 2]
    if rare:
        raise ModelError(
            f"theme(s) {rare} have fewer than 2 labelled examples: label more, or drop them"
        )
    thresholds = _tuned_thresholds(items, labels, recipe)
    vectorizers = _fit_vectorizers([normalise(e.text) for e in items], recipe)
    features = sp.hstack([v.transform([normalise(e.text) for e in items]) for v in vectorizers])
    weights, bias = _fit_themes(features.tocsr(), labels, recipe)
    polarity_weights, polarity_bias = _fit_polarity(features.tocsr(), items, themes, recipe)
    names = examples.names if isinstance(examples, Examples) else {}
    return ThemeModel(
        themes=themes,
        names={t: names.get(t, t) for t in themes},
        vectorizers=vectorizers,
        weights=weights,
        bias=bias,
        thresholds=thresholds,
        polarity_weights=polarity_weights,
        polarity_bias=polarity_bias,
        recipe=recipe,
    )


def describe(model: ThemeModel, examples: Examples, cross_validation: dict | None) -> None:
    """Record where the model comes from in its header: data hash, counts, library versions."""
    digest = hashlib.sha256()
    for e in examples.items:
        digest.update(json.dumps([e.text, sorted(e.labels.items(), key=str)]).encode())
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
                for name in ("satisfaction_pipeline", "scikit-learn", "numpy", "scipy")
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


def _fit_vectorizers(texts: list[str], recipe: Recipe) -> list[TfidfVectorizer]:
    words = TfidfVectorizer(
        analyzer="word",
        ngram_range=recipe.word_ngrams,
        token_pattern=r"(?u)\b\w+\b|#",
        sublinear_tf=True,
        min_df=recipe.min_df if len(texts) >= 50 else 1,
        lowercase=False,
        strip_accents="unicode",
        dtype=np.float64,
    )
    characters = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=recipe.char_ngrams,
        sublinear_tf=True,
        min_df=recipe.min_df if len(texts) >= 50 else 1,
        lowercase=False,
        strip_accents="unicode",
        dtype=np.float64,
    )
    return [words.fit(texts), characters.fit(texts)]


def _vectorizer_settings(vectorizer: TfidfVectorizer) -> dict:
    keep = ("analyzer", "ngram_range", "token_pattern", "sublinear_tf", "lowercase")
    settings = {k: getattr(vectorizer, k) for k in (*keep, "strip_accents")}
    settings["ngram_range"] = list(settings["ngram_range"])
    return settings


def _label_matrix(items: list[Example], themes: list[str]) -> np.ndarray:
    column = {t: i for i, t in enumerate(themes)}
    labels = np.zeros((len(items), len(themes)), dtype=np.int8)
    for row, example in enumerate(items):
        for theme in example.labels:
            if theme in column:
                labels[row, column[theme]] = 1
    return labels


def _fit_themes(
    features: sp.csr_matrix, labels: np.ndarray, recipe: Recipe
) -> tuple[np.ndarray, np.ndarray]:
    weights = np.zeros((labels.shape[1], features.shape[1]))
    bias = np.zeros(labels.shape[1])
    for j in range(labels.shape[1]):
        y = labels[:, j]
        if y.min() == y.max():  # every text has it, or none (possible inside a fold)
            bias[j] = 20.0 if y[0] else -20.0
            continue
        fitted = LogisticRegression(
            C=recipe.c, class_weight=recipe.class_weight, solver="liblinear", max_iter=1000
        ).fit(features, y)
        weights[j], bias[j] = fitted.coef_[0], fitted.intercept_[0]
    return weights, bias


def _fit_polarity(
    features: sp.csr_matrix, items: list[Example], themes: list[str], recipe: Recipe
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """One row per labelled (text, theme) with a polarity: the text's features plus the theme."""
    column = {t: i for i, t in enumerate(themes)}
    rows, theme_columns, targets = [], [], []
    for row, example in enumerate(items):
        for theme, polarity in example.labels.items():
            if polarity is not None:
                rows.append(row)
                theme_columns.append(column[theme])
                targets.append(POLARITIES.index(polarity))
    if len(set(targets)) < 2:
        return None, None  # no polarity in the training data: themes are reported neutral
    x = _with_theme(features[rows], np.array(theme_columns), len(themes))
    fitted = LogisticRegression(C=recipe.c, max_iter=2000).fit(x, targets)
    weights = np.zeros((len(POLARITIES), x.shape[1]))
    bias = np.full(len(POLARITIES), -1e9)  # a polarity never seen in training is never given
    if len(fitted.classes_) == 2:  # one score: the second class against the first (at 0)
        bias[fitted.classes_[0]] = 0.0
        weights[fitted.classes_[1]], bias[fitted.classes_[1]] = (
            fitted.coef_[0],
            fitted.intercept_[0],
        )
    else:
        weights[fitted.classes_], bias[fitted.classes_] = fitted.coef_, fitted.intercept_
    return weights, bias


def _with_theme(features: sp.csr_matrix, themes: np.ndarray, n_themes: int) -> sp.csr_matrix:
    one_hot = sp.csr_matrix(
        (np.ones(len(themes)), (np.arange(len(themes)), themes)), shape=(len(themes), n_themes)
    )
    return sp.hstack([features, one_hot], format="csr")


def _tuned_thresholds(items: list[Example], labels: np.ndarray, recipe: Recipe) -> np.ndarray:
    """Per theme, the threshold that maximises F1 on out-of-fold probabilities."""
    folds = group_folds([e.group for e in items], recipe.folds, recipe.seed)
    if len(set(folds)) < 2:
        return np.full(labels.shape[1], 0.5)
    probabilities = np.zeros(labels.shape, dtype=np.float64)
    texts = [normalise(e.text) for e in items]
    for fold in range(recipe.folds):
        train_rows = np.flatnonzero(folds != fold)
        test_rows = np.flatnonzero(folds == fold)
        if not len(test_rows):
            continue
        vectorizers = _fit_vectorizers([texts[i] for i in train_rows], recipe)
        x = sp.hstack([v.transform(texts) for v in vectorizers], format="csr")
        weights, bias = _fit_themes(x[train_rows], labels[train_rows], recipe)
        probabilities[test_rows] = _sigmoid(x[test_rows] @ weights.T + bias)
    best = np.full(labels.shape[1], 0.5)
    for j in range(labels.shape[1]):
        predicted = probabilities[:, j, None] >= THRESHOLDS
        tp = (predicted & (labels[:, j, None] == 1)).sum(axis=0)
        f1 = 2 * tp / np.maximum(predicted.sum(axis=0) + labels[:, j].sum(), 1)
        best[j] = THRESHOLDS[int(np.argmax(f1))]
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

    def means(self) -> dict[str, float]:
        """precision, recall, f1, polarity_accuracy: the mean over the folds."""
        return {k: float(np.mean([f[k] for f in self.folds])) for k in self.folds[0]}

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
    fold_of = group_folds([e.group for e in items], folds, recipe.seed + 1)
    results, per_theme = [], {t: {"gold": 0, "predicted": 0, "tp": 0} for t in examples.themes}
    train_time = predict_time = 0.0
    for fold in range(folds):
        train_items = [e for e, f in zip(items, fold_of, strict=True) if f != fold]
        test_items = [e for e, f in zip(items, fold_of, strict=True) if f == fold]
        started = time.perf_counter()
        model = train(train_items, recipe)
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
