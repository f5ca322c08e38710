"""Ingestion: survey exports from the inbox into the warehouse's `raw.responses` and `ops.*`
tables, every row accounted for.

- `readers`: a file of any supported format and encoding → a table of text cells;
- `mapping` (with `dates`, `scales`, `qualtrics`): that table → normalised responses,
  rejected, excluded and duplicate rows, per the source's mapping;
- `inbox`: every new or changed file read, mapped and stored in one transaction;
- `watch` and `archive`: which files are new and finished (the inbox sensor), and moving
  ingested ones out of the inbox.

May import: `config`, `warehouse`. Writes: `raw.responses`, `ops.files`, `ops.rejected_rows`,
`ops.excluded_rows`, `ops.findings`.
"""
