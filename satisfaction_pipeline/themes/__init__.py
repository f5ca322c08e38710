"""Themes: what each comment talks about, in French and English, each mention a complaint,
praise or neutral, with the phrase that says it.

- `tagger`: the taxonomy's patterns (`config.taxonomy`) found in comments, with polarity;
- `model`, `examples`, `evaluation`: a theme model learned from a team's hand-coded comments,
  the coded files it reads, and precision / recall against a gold file;
- `emerging`: low scorers' complaints that no theme names yet, grouped;
- `detect`: all of it for a run's comments — patterns, the model where configured, emerging.

May import: `config`, `warehouse`, `ingest` (its readers), `scoring`. Reads the scored
responses. Writes: `marts.comment_themes`, `marts.emerging_themes`.
"""
