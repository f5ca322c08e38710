"""Tag open-text comments with the taxonomy's themes, each mention a complaint, praise or neutral,
with its evidence (the phrase and its character span in the comment).

Every step is a Polars expression or join over all comments at once; Python only runs once per
distinct word (lemmatisation) and once per pattern (compilation):

1. Pieces. Each comment is cut into pieces that cover it exactly: URLs, HTML tags, numbers,
   words, and the gaps between them, so a word's character span is the sum of the lengths
   before it. French elisions (`l'`, `n'`, `qu'`) and English `n't` become words (`le`, `ne`,
   `not`); numbers become `#`, so `attendu 45 minutes` matches `attendu # minutes`.
2. Clauses. Punctuation, line-breaking tags and words such as `mais` / `but` start a new
   clause: a cue only colours the themes of its own clause ("agent charmant mais 40 minutes
   d'attente").
3. Language: French or English by frequent words, `other` when neither shows.
4. Lemmas. Each distinct word is lemmatised (simplemma) in the comment's language, then folded
   (case, accents); a long word that no dictionary knows is corrected to the closest word of
   the patterns or cues within one or two edits ("atente", "remboursemnt").
5. Matching. Patterns (theme phrases, negators, positive and negative words) are lemmatised the
   same way, each word with its inflections, and found by a join on their first word and a
   check of the next ones. A phrase inside a longer phrase of another theme is dropped ("dû
   rappeler" is not a follow-up).
6. Polarity. A negator up to three words before a phrase flips it ("pas impoli", "no wait"); a
   negated topic is a complaint ("pas de chat"). A mention's score is its own sign (complaint
   −1, praise +1, topic 0) plus twice the sum of the positive and negative words of its clause
   that are not part of a theme's phrase: below zero a complaint, above praise, else neutral.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache

import polars as pl
import simplemma
import yaml
from rapidfuzz import process
from rapidfuzz.distance import OSA

from satisfaction_pipeline.config.taxonomy import LANGUAGES, PACKAGED, Taxonomy, TaxonomyError

# A phrase's own sign: complaint −1, praise +1; topics and targets take their clause's.
VALENCE: dict[str, int] = {"complaint": -1, "topic": 0, "target": 0, "praise": 1}


@cache
def cues() -> dict[str, dict[str, list[str]]]:
    """Negators, positive / negative words, clause boundaries and language words, per language
    (`taxonomies/cues.yaml`)."""
    data = yaml.safe_load((PACKAGED / "cues.yaml").read_text(encoding="utf-8"))
    for language, lists in data.items():
        for name, words in lists.items():
            odd = [w for w in words if not isinstance(w, str)]
            if odd:  # YAML reads a bare no / on as a boolean: quote it
                raise TaxonomyError("cues.yaml", [f"{language}.{name}: not text: {odd}"])
        long = [w for w in lists["boundaries"] if len(w.split()) > 2]
        if long:  # the tokenizer looks one word back, no further
            raise TaxonomyError("cues.yaml", [f"{language}.boundaries: 1 or 2 words ({long})"])
    return data


# URLs, HTML tags, numbers (29,99 and 1.5 are one), words, and whatever lies between them
PIECE = (
    r"(?:https?://|www\.)[^\s<>\"]+|<[^<>]{0,300}>|\p{N}+(?:[.,]\p{N}+)*|\p{L}[\p{L}\p{M}]*"
    r"|[^\p{L}\p{N}<]+|<"
)
# tags that break a line or a block; inline ones (<b>, <a>) leave the clause whole
BLOCK_TAG = r"(?i)^</?(?:br|p|div|li|ul|ol|tr|td|table|h[1-6]|hr|blockquote)\b"
URL_OR_TAG = r"^(?:https?://|www\.|<.)"
BOUNDARY_GAP = r"[.!?;:,()\[\]\n\r…•|]|—|–| - "
APOSTROPHES = ["'", "’", "‘", "`", "´"]
FR_ELISIONS = {
    "l": "le", "d": "de", "j": "je", "n": "ne", "s": "se", "c": "ce", "m": "me", "t": "te",
    "qu": "que", "jusqu": "jusque", "lorsqu": "lorsque", "puisqu": "puisque",
}  # fmt: skip
EN_NOT = {
    "didn": "did", "doesn": "does", "don": "do", "isn": "is", "aren": "are", "wasn": "was",
    "weren": "were", "hasn": "has", "haven": "have", "hadn": "had", "couldn": "could",
    "wouldn": "would", "shouldn": "should", "won": "will", "can": "can", "ain": "is",
    "mustn": "must", "needn": "need",
}  # fmt: skip
BATCH = 50_000  # comments tagged at a time
NEGATION_WINDOW = 3  # words between a negator and what it negates, at most, plus one
MAX_PATTERN_WORDS = 6
POLARITY = {-1: "complaint", 0: "neutral", 1: "praise"}
ACCENTED = r"[àâçéèêëîïôûùüÿœÀÂÇÉÈÊËÎÏÔÛÙÜŸŒ]"


def fold(text: str) -> str:
    """Lower case without accents: `Très` → `tres`."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass(frozen=True)
class Tagged:
    """Mentions (one row per theme phrase found, with polarity and span) and each comment's
    language."""

    mentions: pl.DataFrame
    languages: pl.DataFrame


def _words(texts: pl.DataFrame) -> pl.DataFrame:
    """One row per word of `texts` (`id`, `text`): its normalised form, clause and span.

    What needs the gaps (spans, punctuation, apostrophes) is read on all pieces; the rest only
    on the words, about half of them."""
    piece = pl.col("piece")
    same_next = pl.col("id") == pl.col("id").shift(-1)
    same_prev = pl.col("id") == pl.col("id").shift(1)
    is_word = piece.str.contains(r"^[\p{L}\p{N}]") & ~piece.str.contains(URL_OR_TAG)
    gap_boundary = ~is_word & (piece.str.contains(BOUNDARY_GAP) | piece.str.contains(BLOCK_TAG))
    pieces = (
        texts.lazy()
        .select("id", piece=pl.col("text").str.extract_all(PIECE))
        .explode("piece")
        .drop_nulls("piece")
        .with_columns(length=piece.str.len_chars().cast(pl.Int64))
        .with_columns(
            first=(pl.col("id") != pl.col("id").shift(1)).fill_null(True),
            offset=pl.col("length").cum_sum() - pl.col("length"),
        )
        .with_columns(
            is_word=is_word,
            start=pl.col("offset") - pl.when(pl.col("first")).then(pl.col("offset")).forward_fill(),
            gaps=(pl.col("first") | gap_boundary).cast(pl.Int64).cum_sum(),
            apostrophe_after=same_next & piece.shift(-1).is_in(APOSTROPHES),
            apostrophe_before=same_prev & piece.shift(1).is_in(APOSTROPHES),
            word_after=piece.shift(-2),  # past the apostrophe: the `t` of `didn't`
            word_before=piece.shift(2),
        )
        .filter(pl.col("is_word"))
    )
    low = piece.str.to_lowercase()
    norm = (
        pl.when(piece.str.contains(r"^\p{N}"))
        .then(pl.lit("#"))
        .when(pl.col("apostrophe_after") & low.is_in(list(FR_ELISIONS)))
        .then(low.replace_strict(FR_ELISIONS, default=low))
        .when(
            pl.col("apostrophe_after")
            & low.is_in(list(EN_NOT))
            & pl.col("word_after").is_in(["t", "T"])
        )
        .then(low.replace_strict(EN_NOT, default=low))
        .when(
            pl.col("apostrophe_before")
            & (low == "t")
            & pl.col("word_before").str.contains("(?i)n$")
        )
        .then(pl.lit("not"))
        .otherwise(low)
    )
    # boundary words as written and without accents, so that no piece needs folding here
    written = [w.lower() for lang in LANGUAGES for w in cues()[lang]["boundaries"]]
    boundary_words = set(written) | {fold(w) for w in written}
    single = [w for w in boundary_words if " " not in w]
    pairs = [w for w in boundary_words if w.count(" ") == 1]
    # a two-word boundary ("par contre"): the word before and this one
    two_words = pl.concat_str(pl.col("norm").shift(1), pl.col("norm"), separator=" ")
    word_boundary = pl.col("norm").is_in(single) | two_words.is_in(pairs).fill_null(False)
    return (
        pieces.with_columns(norm=norm)
        .select(
            "id",
            # `l'`, `qu'`, `n'`: French, whatever the words around say
            elided=pl.col("apostrophe_after") & low.is_in(list(FR_ELISIONS)),
            # each punctuation gap or boundary word starts a clause: two counts that only grow
            clause=pl.col("gaps") + word_boundary.cast(pl.Int64).cum_sum(),
            norm="norm",
            start="start",
            end=pl.col("start") + pl.col("length"),
            idx=pl.int_range(pl.len(), dtype=pl.Int64),
        )
        .collect()
    )


# -- lemmas -------------------------------------------------------------------------------------


@cache
def _lemma(word: str, language: str) -> str:
    if word == "#":
        return word
    other = "en" if language == "fr" else "fr"
    return fold(simplemma.lemmatize(word, lang=(language, other)))


def _inflections(word: str, language: str) -> set[str]:
    """A pattern word and the forms a comment may use, so that `livré` finds `livrée`: simplemma
    leaves some French feminines and participles as they are. (English lemmas are reliable, and
    English endings would invent words: fee + d is feed.)"""
    forms = {word}
    if language == "fr":
        forms |= {word + "e", word + "s", word + "es"}
        if word.endswith("er"):
            forms |= {word[:-2] + ending for ending in ("é", "ée", "és", "ées")}
        for masculine, feminine in (("eux", "euse"), ("if", "ive"), ("el", "elle"), ("on", "onne")):
            if word.endswith(masculine):
                forms.add(word[: -len(masculine)] + feminine)
    return {fold(word)} | {_lemma(form, language) for form in forms}


@dataclass(frozen=True)
class _Compiled:
    """Patterns as integer tables: each pattern's facts, its first word's keys, and the keys
    allowed at each later position; the key of every lemma a pattern can match; and the words
    of the lexicon that typos are corrected to."""

    patterns: pl.DataFrame  # pattern, language, kind, theme, valence, self_negated, length
    first: pl.DataFrame  # key, pattern
    follow: dict[int, pl.Series]  # position → pattern · 2³² + a key allowed there
    key_ids: dict[str, int]  # lemma key → its id (0: no pattern has it)
    lexicon: dict[str, str]  # folded word → its lemma key


def _compile(taxonomy: Taxonomy) -> _Compiled:
    return _compile_json(taxonomy.model_dump_json())


def check_taxonomy(taxonomy: Taxonomy) -> None:
    """Raise TaxonomyError for patterns the tagger cannot use (too long, no word in them)."""
    _compile(taxonomy)


@cache  # keyed by the taxonomy's JSON: the models hold lists, so they are not hashable
def _compile_json(taxonomy_json: str) -> _Compiled:
    taxonomy = Taxonomy.model_validate_json(taxonomy_json)
    rows = []
    for theme in taxonomy.themes:
        for language, group, phrase in theme.phrases():
            kind = "target" if group == "target" else "theme"
            rows.append((language, kind, theme.id, VALENCE[group], phrase))
    for language in LANGUAGES:
        lexicon = cues()[language]
        rows += [(language, "negator", None, -1, w) for w in lexicon["negators"]]
        rows += [(language, "cue", None, 1, w) for w in lexicon["positive"]]
        rows += [(language, "cue", None, -1, w) for w in lexicon["negative"]]
    phrases = pl.DataFrame(
        rows, schema=["language", "kind", "theme", "valence", "text"], orient="row"
    ).with_row_index("id")
    # `#` in a pattern is any number: written as one so that the tokenizer reads it as one
    phrases = phrases.with_columns(text=pl.col("text").str.replace_all("#", " 0 ", literal=True))
    words = _words(phrases.select("id", "text"))
    keys: dict[tuple[str, str], list[str]] = {}
    lexicon: dict[str, str] = {}
    language_of = dict(zip(phrases["id"], phrases["language"], strict=True))
    tokens: dict[int, list[list[str]]] = {}
    for pattern_id, norm in words.select("id", "norm").iter_rows():
        language = language_of[pattern_id]
        if (language, norm) not in keys:
            keys[(language, norm)] = sorted(_inflections(norm, language))
            lexicon.setdefault(fold(norm), _lemma(norm, language))
        tokens.setdefault(pattern_id, []).append(keys[(language, norm)])
    problems = [
        f"{row['theme'] or row['kind']}: {row['text']!r} has no word the tagger reads "
        "(URLs and tags are not)"
        for row in phrases.filter(~pl.col("id").is_in(list(tokens))).iter_rows(named=True)
    ] + [
        f"{row['theme'] or row['kind']}: {row['text']!r} has more than {MAX_PATTERN_WORDS} words"
        for row in phrases.iter_rows(named=True)
        if len(tokens.get(row["id"], [])) > MAX_PATTERN_WORDS
    ]
    if problems:
        raise TaxonomyError("taxonomy patterns", problems)
    key_ids: dict[str, int] = {}
    for key_sets in tokens.values():
        for key_set in key_sets:
            for key in key_set:
                key_ids.setdefault(key, len(key_ids) + 1)
    negator_ids = {i for i in tokens if language_of[i] and phrases["kind"][i] == "negator"}
    negator_keys = {k for i in negator_ids for key_set in tokens[i] for k in key_set}
    # a phrase that holds its own negation ("jamais reçu") is not flipped by another ("ne")
    patterns = phrases.filter(pl.col("id").is_in(list(tokens))).select(
        pattern=pl.col("id").cast(pl.Int64),
        pattern_language="language",
        kind="kind",
        theme="theme",
        valence="valence",
        self_negated=pl.col("id").replace_strict(
            {i: i not in negator_ids and any(negator_keys & set(k) for k in t)
             for i, t in tokens.items()},
            return_dtype=pl.Boolean,
        ),
        length=pl.col("id").replace_strict({i: len(t) for i, t in tokens.items()}),
    )  # fmt: skip
    first = pl.DataFrame(
        [(key_ids[k], i) for i, t in tokens.items() for k in t[0]],
        schema={"key": pl.Int64, "pattern": pl.Int64},
        orient="row",
    )
    follow = {
        j: pl.Series(
            [i * 2**32 + key_ids[k] for i, t in tokens.items() if len(t) > j for k in t[j]],
            dtype=pl.Int64,
        )
        for j in range(1, MAX_PATTERN_WORDS)
    }
    return _Compiled(patterns, first, follow, key_ids, lexicon)


@cache
def _language_words() -> dict[str, frozenset[str]]:
    return {lang: frozenset(fold(w) for w in cues()[lang]["language"]) for lang in LANGUAGES}


def _vocabulary(norms: pl.Series, compiled: _Compiled) -> pl.DataFrame:
    """Per distinct word: whether it is a frequent French / English word, and the id of its
    lemma key in each language (0 when no pattern has it; typos of lexicon words corrected)."""
    language_words = _language_words()
    lexicon = list(compiled.lexicon)
    key_ids = compiled.key_ids
    rows = []
    for norm in norms.unique().drop_nulls().to_list():
        folded = fold(norm)
        lemma_fr, lemma_en = _lemma(norm, "fr"), _lemma(norm, "en")
        if (
            len(folded) >= 5
            and folded not in compiled.lexicon
            and not simplemma.is_known(norm, lang="fr")
            and not simplemma.is_known(norm, lang="en")
        ):
            close = process.extractOne(
                folded, lexicon, scorer=OSA.distance, score_cutoff=1 if len(folded) < 9 else 2
            )
            if close is not None:
                lemma_fr = lemma_en = compiled.lexicon[close[0]]
        rows.append(
            (
                norm,
                folded in language_words["fr"],
                folded in language_words["en"],
                key_ids.get(lemma_fr, 0),
                key_ids.get(lemma_en, 0),
            )
        )
    return pl.DataFrame(
        rows,
        schema={
            "norm": pl.String,
            "fr_word": pl.Boolean,
            "en_word": pl.Boolean,
            "key_fr": pl.Int64,
            "key_en": pl.Int64,
        },
        orient="row",
    )


# -- tagging ------------------------------------------------------------------------------------


def tag_comments(texts: pl.DataFrame, taxonomy: Taxonomy, batch: int = BATCH) -> Tagged:
    """Theme mentions in `texts` (columns `id`, `text`): columns id, theme, polarity, start, end
    (character span of the evidence); and each id's language (fr, en or other).

    Comments are tagged `batch` at a time: the word tables of a million comments would not fit
    in memory at once, and smaller ones keep the time per comment flat."""
    compiled = _compile(taxonomy)
    texts = texts.select("id", "text").filter(pl.col("text").is_not_null())
    parts = [_tag_batch(part, compiled) for part in texts.iter_slices(batch)] or [
        _tag_batch(texts, compiled)
    ]
    return Tagged(pl.concat([p.mentions for p in parts]), pl.concat([p.languages for p in parts]))


def _tag_batch(texts: pl.DataFrame, compiled: _Compiled) -> Tagged:
    words = _words(texts)
    vocabulary = _vocabulary(words["norm"], compiled)
    # joins keep the words in text order: matching reads the next words by position
    words = words.join(vocabulary, on="norm", how="left", maintain_order="left")
    counts = words.group_by("id").agg(
        fr=pl.col("fr_word").sum() + pl.col("elided").sum(), en=pl.col("en_word").sum()
    )
    languages = (
        texts.select("id", accented=pl.col("text").str.contains(ACCENTED))
        .join(counts, on="id", how="left")
        .select(
            "id",
            language=pl.when(pl.col("fr") > pl.col("en"))
            .then(pl.lit("fr"))
            .when(pl.col("en") > pl.col("fr"))
            .then(pl.lit("en"))
            .when(pl.col("accented"))  # a tie, or no frequent word: accents say French
            .then(pl.lit("fr"))
            .when(pl.col("fr") > 0)
            .then(pl.lit("en"))
            .otherwise(pl.lit("other")),
        )
    )
    words = words.join(languages, on="id", maintain_order="left").select(
        "id",
        "clause",
        "idx",
        "start",
        "end",
        "language",
        key=pl.when(pl.col("language") == "en").then(pl.col("key_en")).otherwise(pl.col("key_fr")),
    )
    matches = _match(words, compiled)
    return Tagged(_polarity(matches), languages)


def _match(words: pl.DataFrame, compiled: _Compiled) -> pl.DataFrame:
    """Every pattern occurrence: id, clause, idx (first word), last (last word), span, kind,
    theme, valence, self_negated. `words` is in text order, `idx` its row number, so the word
    at idx + j is found by position."""
    size = words.height
    key_at, clause_at = words["key"], words["clause"]
    candidates = (
        words.filter(pl.col("key") > 0)
        .select("id", "clause", "idx", "language", "key")
        .join(compiled.first, on="key")
        .join(compiled.patterns.select("pattern", "pattern_language", "length"), on="pattern")
        .filter(
            (pl.col("pattern_language") == pl.col("language")) | (pl.col("language") == "other")
        )
        .select("id", "clause", "idx", "pattern", "length")
    )
    for j in range(1, MAX_PATTERN_WORDS):
        longer = candidates.filter(pl.col("length") > j)
        if longer.is_empty():
            break
        position = (longer["idx"] + j).clip(upper_bound=size - 1)
        nxt = longer.with_columns(
            next_key=key_at.gather(position), next_clause=clause_at.gather(position)
        )
        fits = (
            (pl.col("idx") + j < size)
            & (pl.col("next_clause") == pl.col("clause"))
            & (pl.col("pattern") * 2**32 + pl.col("next_key")).is_in(compiled.follow[j].implode())
        )
        candidates = pl.concat(
            [
                candidates.filter(pl.col("length") <= j),
                nxt.filter(fits).drop("next_key", "next_clause"),
            ]
        )
    found = candidates.with_columns(last=pl.col("idx") + pl.col("length") - 1)
    return (
        found.with_columns(
            start=words["start"].gather(found["idx"]), end=words["end"].gather(found["last"])
        )
        .join(
            compiled.patterns.select("pattern", "kind", "theme", "valence", "self_negated"),
            on="pattern",
        )
        .unique(["idx", "last", "kind", "theme", "valence"])
        .drop("pattern", "length")
    )


def _polarity(matches: pl.DataFrame) -> pl.DataFrame:
    themes = matches.filter(pl.col("kind").is_in(["theme", "target"])).with_row_index("mention")
    # a phrase inside a longer one of another theme, or a longer one of the same theme, goes
    others = themes.select(
        "clause", o_idx="idx", o_last="last", o_theme="theme", o_mention="mention"
    )
    covered = (
        themes.join(others, on="clause")
        .filter(
            (pl.col("o_mention") != pl.col("mention"))
            & (pl.col("o_idx") <= pl.col("idx"))
            & (pl.col("o_last") >= pl.col("last"))
            & ((pl.col("o_last") - pl.col("o_idx")) > (pl.col("last") - pl.col("idx")))
        )
        .select("mention")
        .unique()
    )
    # the same words found by a topic and by a complaint / praise phrase: the latter says more
    themes = (
        themes.join(covered, on="mention", how="anti")
        .sort("mention")
        .with_columns(strongest=pl.col("valence").abs().max().over("theme", "idx", "last"))
        .filter(pl.col("valence").abs() == pl.col("strongest"))
        .drop("strongest")
    )
    negators = matches.filter(pl.col("kind") == "negator").select("clause", n_last="last")

    def negated(frame: pl.DataFrame, key: str) -> pl.DataFrame:
        hits = (
            frame.select(key, "clause", "idx")
            .join(negators, on="clause")
            .filter(pl.col("n_last").is_between(pl.col("idx") - NEGATION_WINDOW, pl.col("idx") - 1))
            .select(key)
            .unique()
            .with_columns(negated=pl.lit(True))
        )
        return frame.join(hits, on=key, how="left").with_columns(
            negated=pl.col("negated").fill_null(False) & ~pl.col("self_negated")
        )

    cue_rows = negated(
        matches.filter(pl.col("kind") == "cue").with_row_index("cue"), "cue"
    ).with_columns(sign=pl.when(pl.col("negated")).then(-pl.col("valence")).otherwise("valence"))
    # a cue word inside a theme's phrase is part of it ("problem" in "problem solved")
    used = (
        themes.select("clause", "idx", "last")
        .join(cue_rows.select("cue", "clause", c_idx="idx", c_last="last"), on="clause")
        .filter((pl.col("c_idx") >= pl.col("idx")) & (pl.col("c_last") <= pl.col("last")))
        .select("cue")
    )
    clause_sum = (
        cue_rows.join(used, on="cue", how="anti")
        .group_by("clause")
        .agg(clause_cues=pl.col("sign").sum())
    )
    own = (
        pl.when(pl.col("negated") & (pl.col("valence") == 0))
        .then(-1)
        .when(pl.col("negated"))
        .then(-pl.col("valence"))
        .otherwise(pl.col("valence"))
    )
    context = pl.col("clause_cues").fill_null(0)
    return (
        negated(themes, "mention")
        .join(clause_sum, on="clause", how="left")
        .with_columns(score=own + 2 * context)
        .filter((pl.col("kind") != "target") | (pl.col("score") != 0))
        .select(
            "id",
            "theme",
            polarity=pl.col("score").sign().cast(pl.Int64).replace_strict(POLARITY),
            start="start",
            end="end",
            clause="clause",
        )
        # a topic beside a complaint or praise of the same theme in its clause says nothing more
        .filter(
            (pl.col("polarity") != "neutral")
            | (pl.col("polarity") == "neutral").all().over("clause", "theme")
        )
        .drop("clause")
        .sort("id", "start", "theme")
    )


def comment_themes(texts: pl.DataFrame, tagged: Tagged) -> pl.DataFrame:
    """One row per comment × theme × polarity: the first mention's evidence and span, how many
    mentions, and the comment's language."""
    return (
        tagged.mentions.group_by("id", "theme", "polarity")
        .agg(
            pl.col("start").first(),
            pl.col("end").first(),
            mentions=pl.len().cast(pl.Int32),
        )
        .join(texts.select("id", "text"), on="id")
        .join(tagged.languages, on="id")
        .select(
            "id",
            "theme",
            "polarity",
            evidence=pl.col("text").str.slice(pl.col("start"), pl.col("end") - pl.col("start")),
            span_start=pl.col("start").cast(pl.Int32),
            span_end=pl.col("end").cast(pl.Int32),
            mentions="mentions",
            language="language",
            method=pl.lit("pattern"),
        )
        .sort("id", "theme", "polarity")
    )


AUXILIARIES = (
    "etre", "avoir", "faire", "aller", "pouvoir", "devoir", "vouloir", "falloir",
    "be", "have", "do", "get", "make", "can", "will", "would", "could", "should",
)  # fmt: skip


@cache
def _function_words() -> frozenset[str]:
    """Words that say how, not what: frequent words, auxiliaries, negators and judgements."""
    words = set(AUXILIARIES)
    for language in LANGUAGES:
        for name in ("language", "negators", "positive", "negative"):
            words |= {fold(w) for w in cues()[language][name]}
    return frozenset(words)


def content_words(texts: pl.DataFrame, languages: pl.DataFrame) -> pl.DataFrame:
    """The words of `texts` (`id`, `text`) that carry a subject: id, lemma (folded, in the
    comment's language), start, end; frequent, negating and judging words, numbers and words
    under three letters left out. What emerging themes are made of."""
    words = _words(texts).join(languages, on="id", maintain_order="left")
    distinct = words.select("norm", "language").unique()
    lemmas = [
        _lemma(norm, "en" if language == "en" else "fr") for norm, language in distinct.iter_rows()
    ]
    stop = _function_words()
    distinct = distinct.with_columns(lemma=pl.Series(lemmas, dtype=pl.String)).filter(
        ~pl.col("lemma").is_in(list(stop)) & (pl.col("lemma").str.len_chars() >= 3)
    )
    return words.join(distinct, on=["norm", "language"], maintain_order="left").select(
        "id", "lemma", "start", "end"
    )
