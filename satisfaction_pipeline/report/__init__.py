"""The weekly report: a context computed from the warehouse, then HTML (Jinja2) and PDF
(WeasyPrint), in English or French.

- `context`: everything the templates show for one week, from the queries of `sql/report/`,
  built from `scores` (headline and segments), `summary` (the news and why the scores
  moved), `actions` (what to fix first, praise, call backs), `quality` (data quality) and
  `charts` (SVG);
- `texts`: every sentence of ours, in both languages;
- `render` and `pdf`: HTML from the templates of `report_templates/`, then PDF, written
  all at once.

May import: `config`, `warehouse`, `formats`, `redact`, and earlier stages' types and constants.
Reads the `marts.*` and `ops.*` tables. Writes: `<reports>/<week>/report.html`, `report.pdf`.
"""
