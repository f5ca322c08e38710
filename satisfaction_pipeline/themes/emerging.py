"""Emerging themes: what low scorers complain about that no theme of the taxonomy names yet.

For each week and language, the complaints of low scorers (CSAT not satisfied or NPS detractor)
that no theme explains, over that week and the four before, are grouped by agglomerative
clustering (average linkage, cosine distance) of their TF-IDF vectors of lemmas, function words
left out. (Pairs of lemmas would split the rewordings of one problem apart.) The clustering has
no random start and the comments go in a fixed order, so a re-run gives the same groups; unlike
a factorisation into a set number of groups, it leaves one-off comments alone and keeps the
rewordings of one problem together. A group is named by its most weighted terms and reported
when it holds at least MIN_COMMENTS of the week's comments, with how many it held per week
before (the trend) and its most typical comments, so that an analyst can promote it into the
taxonomy.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import numpy as np
import polars as pl
import scipy.sparse as sp
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer

from satisfaction_pipeline.themes.model import split_sentences

HISTORY_WEEKS = 4
MIN_COMMENTS = 5  # in the week, for a group to be reported
MAX_GROUPS = 8  # per week and language, the largest
MAX_DISTANCE = 0.9  # cosine distance between groups (average linkage) below which they merge
MAX_WINDOW = 4000  # most recent comments per language grouped (memory grows with the square)
TOP_TERMS = 3
EXAMPLES = 3
LABEL_CHARACTERS = 90  # a longer typical sentence is cut at a word, with "…"

EMERGING_SCHEMA: dict[str, pl.DataType] = {
    "week": pl.Date(),
    "language": pl.String(),
    "group_id": pl.Int32(),
    "theme": pl.String(),  # emerging_<language>_<week>_<group>: its id in comment_themes
    "label": pl.String(),  # its most typical sentence, e.g. "Ma carte bancaire est bloquée"
    "terms": pl.String(),  # JSON list of the top terms with their weight
    "comments": pl.Int32(),  # this week
    "trailing_mean": pl.Float64(),  # per week over the four weeks before
    "examples": pl.String(),  # JSON list of the most typical comments' response keys
}
MEMBER_SCHEMA: dict[str, pl.DataType] = {
    "response_key": pl.String(),
    "week": pl.Date(),
    "theme": pl.String(),
    "language": pl.String(),
    "span_start": pl.Int32(),
    "span_end": pl.Int32(),
}


def find_emerging(
    candidates: pl.DataFrame, words: pl.DataFrame, weeks: list[dt.date]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Emerging groups of each of `weeks` (EMERGING_SCHEMA) and this week's members of each
    (MEMBER_SCHEMA, the span of their sentence that holds the first top term as evidence).

    `candidates`: the unexplained low-score complaints of `weeks` and the four weeks before, with
    columns id, response_key, week, language, text (the part of the comment grouped) and offset
    (where that part starts in the comment); `words`: their content words
    (themes.content_words of the parts: id, lemma, start, end)."""
    documents = words.group_by("id", maintain_order=True).agg("lemma", "start", "end")
    # in time order, so that the most recent comments are the last ones (MAX_WINDOW)
    table = candidates.join(documents, on="id", how="inner").sort("week", "response_key")
    groups, members = [], []
    for week in weeks:
        window = table.filter(
            pl.col("week").is_between(week - dt.timedelta(weeks=HISTORY_WEEKS), week)
        )
        for language in ("fr", "en"):
            found = _groups(window.filter(pl.col("language") == language), week, language)
            if found is not None:
                groups.append(found[0])
                members.append(found[1])
    return (
        pl.concat(groups) if groups else pl.DataFrame(schema=EMERGING_SCHEMA),
        pl.concat(members) if members else pl.DataFrame(schema=MEMBER_SCHEMA),
    )


def _groups(
    window: pl.DataFrame, week: dt.date, language: str
) -> tuple[pl.DataFrame, pl.DataFrame] | None:
    this_week = window.filter(pl.col("week") == week)
    if this_week.height < MIN_COMMENTS:
        return None
    window = window.tail(MAX_WINDOW)  # the pairwise distances grow with its square
    found = cluster(window["lemma"].to_list())
    if found is None or (found.labels >= 0).sum() < MIN_COMMENTS:
        return None
    keep = found.labels >= 0
    window, matrix = window.filter(pl.Series(keep)), found.matrix[keep]
    window = window.with_columns(group_id=pl.Series(found.labels[keep], dtype=pl.Int32))
    vocabulary = found.vocabulary
    sizes = window.filter(pl.col("week") == week).group_by("group_id").len()
    large = sizes.filter(pl.col("len") >= MIN_COMMENTS).sort("len", "group_id", descending=True)
    groups, members = [], []
    for number, group in enumerate(large["group_id"].to_list()[:MAX_GROUPS]):
        mask = (window["group_id"] == group).to_numpy()
        terms, typical = top_terms(matrix[mask], vocabulary)
        theme = f"emerging_{language}_{week:%Y%m%d}_{number}"
        in_group = window.filter(pl.col("group_id") == group)
        now = in_group.filter(pl.col("week") == week)
        examples = (
            in_group.with_columns(typical=pl.Series(typical))
            .filter(pl.col("week") == week)
            .sort(["typical", "response_key"], descending=[True, False])
            .head(EXAMPLES)["response_key"]
            .to_list()
        )
        top = top_words(terms)
        evidence = {}
        for row in now.iter_rows(named=True):
            start, end = evidence_span(row["text"], row["lemma"], row["start"], top)
            evidence[row["response_key"]] = row["text"][start:end]
            start, end = start + row["offset"], end + row["offset"]
            members.append(
                {
                    "response_key": row["response_key"],
                    "week": week,
                    "theme": theme,
                    "language": language,
                    "span_start": start,
                    "span_end": end,
                }
            )
        groups.append(
            {
                "week": week,
                "language": language,
                "group_id": number,
                "theme": theme,
                "label": shorten(evidence[examples[0]]),
                "terms": json.dumps(terms, ensure_ascii=False),
                "comments": now.height,
                "trailing_mean": (in_group.height - now.height) / HISTORY_WEEKS,
                "examples": json.dumps(examples),
            }
        )
    if not groups:
        return None
    return (
        pl.DataFrame(groups, schema=EMERGING_SCHEMA),
        pl.DataFrame(members, schema=MEMBER_SCHEMA),
    )


@dataclass(frozen=True)
class Clusters:
    labels: np.ndarray  # per document its group, -1 when it shares no term with another
    matrix: sp.csr_matrix  # documents × terms, TF-IDF
    vocabulary: np.ndarray  # the terms


def cluster(documents: list[list[str]]) -> Clusters | None:
    """Groups of documents (each a list of lemmas) that talk of the same thing: agglomerative
    clustering (average linkage, cosine distance < MAX_DISTANCE) of their TF-IDF, terms in two
    documents or more. No random start: the same documents in the same order give the same
    groups. None when no two documents share a term. The pairwise distances take memory in
    the square of the documents: a few thousand at most."""
    vectorizer = TfidfVectorizer(analyzer=list, min_df=2, sublinear_tf=True)
    try:
        matrix = vectorizer.fit_transform(documents)
    except ValueError:  # no term in two documents: nothing in common to find
        return None
    keep = np.asarray(matrix.sum(axis=1)).ravel() > 0  # documents with a shared term
    labels = np.full(len(documents), -1)
    if keep.sum() >= 2:
        clustering = AgglomerativeClustering(
            n_clusters=None, metric="cosine", linkage="average", distance_threshold=MAX_DISTANCE
        )
        labels[keep] = clustering.fit_predict(matrix[keep].toarray())
    elif keep.any():
        labels[keep] = 0
    return Clusters(labels, matrix.tocsr(), vectorizer.get_feature_names_out())


def top_terms(
    members: sp.csr_matrix, vocabulary: np.ndarray
) -> tuple[list[tuple[str, float]], np.ndarray]:
    """A group's TOP_TERMS heaviest terms with their weight at its centre, and how typical each
    member (a row of `members`, TF-IDF) is: its closeness to that centre."""
    centre = np.asarray(members.mean(axis=0)).ravel()
    order = [i for i in np.argsort(-centre, kind="stable")[:TOP_TERMS] if centre[i] > 0]
    terms = [(str(vocabulary[i]), round(float(centre[i]), 4)) for i in order]
    return terms, np.asarray(members @ centre).ravel()


def top_words(terms: list[tuple[str, float]]) -> set[str]:
    """The words of a group's top terms, for `evidence_span`."""
    return {word for term, _ in terms for word in term.split(" ")}


def evidence_span(text: str, lemmas: list[str], starts: list[int], top: set[str]) -> tuple:
    """The span of the sentence that holds the first of the group's top terms (else the first
    sentence)."""
    at = next((start for lemma, start in zip(lemmas, starts, strict=True) if lemma in top), 0)
    sentences = split_sentences(text) or [(0, len(text))]
    return next(((s, e) for s, e in sentences if s <= at < e), sentences[0])


def shorten(sentence: str) -> str:
    sentence = " ".join(sentence.split())
    if len(sentence) <= LABEL_CHARACTERS:
        return sentence
    return sentence[:LABEL_CHARACTERS].rsplit(" ", 1)[0].rstrip(",;:") + "…"
