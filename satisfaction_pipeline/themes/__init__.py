"""Themes: what each comment talks about, in French and English, each mention a complaint,
praise or neutral, with the sentence or phrase that says it.

- `model`: a theme model (TF-IDF, optionally the sentence encoder), with polarity leaning to the
  respondent's score and a tone gate; `corpus`: the project's labelled corpus and the packaged
  default models built from it;
- `examples`, `evaluation`: a team's hand-coded comments to train its own model on, and
  precision / recall against a gold file;
- `tagger`: the taxonomy's patterns (`config.taxonomy`) found in comments, with polarity;
- `fewshot`: themes given by a handful of example comments;
- `emerging`: low scorers' complaints that no theme names yet, grouped;
- `detect`: all of it for a run's comments — the model, the patterns it does not replace, themes
  by examples, emerging groups, and the week's coverage.

May import: `config`, `warehouse`, `ingest` (its readers), `scoring`. Reads the scored
responses. Writes: `marts.comment_themes`, `marts.emerging_themes`, `marts.theme_coverage`,
`marts.comment_readings`.
"""
