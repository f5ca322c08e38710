"""TF-IDF by a fitted scikit-learn `TfidfVectorizer`: the matrix of its `transform`, counted
faster where its n-grams stay inside words.

scikit-learn builds every text's n-grams in Python, one slice at a time: 85 % of the theme
model's reading time, nearly all of it the character n-grams. Those never cross a word
(`analyzer="char_wb"` pads each word with spaces), so a word's terms are the same in every text:
here they are worked out once per distinct word (words repeat: most of a week's are known after
a few hundred comments) and counted per text. Word n-grams (bigrams cross words) keep
scikit-learn's analyzer. The weighting is `TfidfTransformer.transform`'s (sublinear tf, idf, l2
norm) on the same counts, so every figure is bit-identical; tests compare the two.
"""

from __future__ import annotations

import weakref
from array import array

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

MAX_WORDS = 100_000  # distinct words remembered per vectorizer (about 25 MB); then forgotten

_terms_of_word: weakref.WeakKeyDictionary[TfidfVectorizer, dict[str, array]] = (
    weakref.WeakKeyDictionary()
)


def tfidf(vectorizer: TfidfVectorizer, texts: list[str]) -> sp.csr_matrix:
    """`vectorizer.transform(texts)`, bit for bit."""
    if vectorizer.binary or callable(vectorizer.analyzer):  # not counted here: as it does
        return sp.csr_matrix(vectorizer.transform(texts))
    vocabulary = getattr(vectorizer, "vocabulary_", None) or vectorizer.vocabulary
    if vectorizer.analyzer == "char_wb":
        indices, indptr = _char_wb_columns(vectorizer, vocabulary, texts)
    else:
        indices, indptr = _columns(vectorizer, vocabulary, texts)
    index = np.int32 if len(indices) < 2**31 else np.int64  # scikit-learn's choice
    counts = sp.csr_matrix(
        (
            np.ones(len(indices)),
            np.frombuffer(indices, dtype=np.int32).astype(index),
            np.frombuffer(indptr, dtype=np.int64).astype(index),
        ),
        shape=(len(texts), len(vocabulary)),
    )
    counts.sum_duplicates()  # sums a text's occurrences of a term, sorts its columns
    return _weighted(vectorizer, counts)


def _columns(
    vectorizer: TfidfVectorizer, vocabulary: dict[str, int], texts: list[str]
) -> tuple[array, array]:
    """The columns of each text's terms, once per occurrence, end to end, and where each
    text's start (a CSR matrix's indices and indptr)."""
    analyze = vectorizer.build_analyzer()
    indices, indptr = array("i"), array("q", [0])
    for text in texts:
        indices.extend([vocabulary[t] for t in analyze(text) if t in vocabulary])
        indptr.append(len(indices))
    return indices, indptr


def _char_wb_columns(
    vectorizer: TfidfVectorizer, vocabulary: dict[str, int], texts: list[str]
) -> tuple[array, array]:
    """`_columns` of character n-grams, each distinct word analysed once. The analyzer strips
    accents character by character (NFKD, marks dropped), which keeps every whitespace a
    whitespace, and splits what it is given at whitespace: the words of a text, analysed one by
    one, give the n-grams of the whole text, even where stripping makes a space inside a word
    (a spacing diaeresis)."""
    analyze = vectorizer.build_analyzer()
    known = _terms_of_word.setdefault(vectorizer, {})
    if len(known) > MAX_WORDS:
        known.clear()
    indices, indptr = array("i"), array("q", [0])
    for text in texts:
        for word in text.split():
            terms = known.get(word)
            if terms is None:
                terms = known[word] = array(
                    "i", [vocabulary[t] for t in analyze(word) if t in vocabulary]
                )
            indices.extend(terms)
        indptr.append(len(indices))
    return indices, indptr


def _weighted(vectorizer: TfidfVectorizer, counts: sp.csr_matrix) -> sp.csr_matrix:
    """`TfidfTransformer.transform` of the counts, in place, in its order of operations."""
    if vectorizer.sublinear_tf:
        np.log(counts.data, counts.data)
        counts.data += 1.0
    if vectorizer.use_idf:
        counts.data *= vectorizer.idf_[counts.indices]
    return normalize(counts, norm=vectorizer.norm, copy=False) if vectorizer.norm else counts
