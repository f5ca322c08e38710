"""The project's own labelled corpus (`corpus/themes/`) and the default theme model built from it.

The corpus is one CSV row per sentence: `comment_id, sentence, language, industry, channel, csat,
nps, text, labels` (corpus/themes/README.md). The default model is trained on its `train_*.csv`
files only — `heldout.csv` is for measuring — and shipped in the package, so that every user
gets learned themes without coding a frame, in two kinds:

- `default` (`taxonomies/default_model.npz`): TF-IDF alone, ~10,000 comments/s on 2 cores;
- `default-encoder` (`taxonomies/default_encoder_model.npz`): blended with the sentence encoder,
  ~2 points of complaint F1 better, ~200 comments/s: for the tens to thousands of comments a
  week most teams have (each comment is read once, marts.comment_readings).

    make default-model        # python -m satisfaction_pipeline.themes.corpus corpus/themes
"""

from __future__ import annotations

import csv
import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path

from satisfaction_pipeline.config.taxonomy import PACKAGED
from satisfaction_pipeline.themes.examples import Example, Examples
from satisfaction_pipeline.themes.model import LOW, Recipe, ThemeModel, score_band, train

DEFAULT_MODEL = PACKAGED / "default_model.npz"
DEFAULT_RECIPE = Recipe(encoder=False)
# the packaged models, by the name `theme_model.file` gives them: file and recipe
PACKAGED_MODELS: dict[str, tuple[Path, Recipe]] = {
    "default": (DEFAULT_MODEL, DEFAULT_RECIPE),
    "default-encoder": (PACKAGED / "default_encoder_model.npz", Recipe(encoder=True)),
}
CSAT_SATISFIED_FROM = 4  # the corpus' CSAT is 1–5


OTHER = "other"  # a complaint or praise about something none of the themes covers


@dataclass(frozen=True)
class Comment:
    """A corpus comment: its sentences as the customer wrote them, their theme labels, the
    scores, and per sentence the polarity of an `other` label (None: none)."""

    id: str
    language: str
    csat: int | None
    nps: int | None
    sentences: list[Example]
    other: list[str | None]

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)

    @property
    def band(self) -> int:
        satisfied = None if self.csat is None else self.csat >= CSAT_SATISFIED_FROM
        top = None if self.csat is None else self.csat == 5
        return score_band(satisfied, None if self.nps is None else nps_category(self.nps), top)

    @property
    def labels(self) -> dict[str, set[str]]:
        """theme → the polarities its sentences give it."""
        found: dict[str, set[str]] = {}
        for sentence in self.sentences:
            for theme, polarity in sentence.labels.items():
                found.setdefault(theme, set()).add(polarity)
        return found

    @property
    def low_score(self) -> bool:
        return self.band == LOW

    def complains(self) -> list[bool]:
        """Per sentence: does it complain, about a theme or about something else?"""
        return [
            any(p == "complaint" for p in sentence.labels.values()) or other == "complaint"
            for sentence, other in zip(self.sentences, self.other, strict=True)
        ]

    @property
    def complains_elsewhere(self) -> bool:
        return "complaint" in self.other


def nps_category(nps: int) -> str:
    return "detractor" if nps <= 6 else "passive" if nps <= 8 else "promoter"


def read_corpus(path: Path) -> list[Comment]:
    """The comments of one corpus file, in file order."""
    comments: dict[str, Comment] = {}
    with path.open(encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            labels: dict[str, str | None] = {}
            for label in filter(None, row["labels"].split(";")):
                theme, _, polarity = label.partition(":")
                # a theme both praised and criticised in one sentence counts as criticised
                if labels.get(theme) != "complaint":
                    labels[theme] = polarity
            other = labels.pop(OTHER, None)
            where = f"{path.name}:{row['comment_id']}#{row['sentence']}"
            sentence = Example(
                where, row["text"], labels, row["comment_id"], row["language"], where
            )
            if row["comment_id"] not in comments:
                comments[row["comment_id"]] = Comment(
                    row["comment_id"],
                    row["language"],
                    _score(row["csat"]),
                    _score(row["nps"]),
                    [],
                    [],
                )
            comments[row["comment_id"]].sentences.append(sentence)
            comments[row["comment_id"]].other.append(other)
    return list(comments.values())


def _score(value: str) -> int | None:
    return int(value) if value.strip() else None


def training_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("train_*.csv"))


def corpus_folder() -> Path:
    """The corpus the default models were trained on: in the installed wheel
    (satisfaction_pipeline/corpus), else in the checkout (corpus/themes)."""
    package = Path(__file__).resolve().parents[1]
    for folder in (package / "corpus", package.parent / "corpus" / "themes"):
        if training_files(folder):
            return folder
    raise FileNotFoundError(
        f"the theme corpus is not installed (looked in {package / 'corpus'} and "
        f"{package.parent / 'corpus' / 'themes'}): reinstall satisfaction_pipeline"
    )


def build_default_model(
    folder: Path, recipe: Recipe = DEFAULT_RECIPE, name: str = "default"
) -> ThemeModel:
    """The default model, from the training files of `folder`; its header names them and the
    SHA-256 of their bytes (a test checks that the shipped model matches the corpus)."""
    files = training_files(folder)
    sentences, bands, complains = corpus_examples(files)
    model = train(Examples(sentences, str(folder)), recipe, bands=bands, complains=complains)
    model.header.update(
        {
            "name": name,
            "training_data": {"files": [p.name for p in files], "sha256": corpus_digest(files)},
            "texts": len(sentences),
            "languages": ["fr", "en"],
        }
    )
    return model


def corpus_examples(files: list[Path]) -> tuple[list[Example], list[int], list[bool]]:
    """The corpus files' sentences, each with its respondent's score band and whether it
    complains (about a theme or anything else): what the default models learn from."""
    if not files:
        raise FileNotFoundError("no train_*.csv corpus file")
    comments = [c for path in files for c in read_corpus(path)]
    sentences = [s for c in comments for s in c.sentences]
    bands = [c.band for c in comments for _ in c.sentences]
    complains = [flag for c in comments for flag in c.complains()]
    return sentences, bands, complains


def corpus_digest(files: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def main() -> None:
    """Build the packaged models (or those named after the folder) from the corpus folder."""
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "corpus/themes")
    for name in sys.argv[2:] or list(PACKAGED_MODELS):
        out, recipe = PACKAGED_MODELS[name]
        model = build_default_model(folder, recipe, name)
        model.save(out)
        print(
            f"{out}: {len(model.themes)} themes, {model.header['texts']:,} sentences, "
            f"threshold {model.choices.threshold}, {out.stat().st_size / 1e6:.1f} MB"
        )


if __name__ == "__main__":
    main()
