"""Scoring: CSAT, NPS and CES per response, then per week × segment, with their intervals,
changes and significance, and the segments that stand out.

- `responses`: the responses a week's figures count (one vote per customer, quotable or not);
- `scores`: each response's categories, and the weekly scores with intervals and changes;
- `standouts`: segments consistently above or below, or whose questions diverge;
- `privacy`: which segments' scores are shown and whose comments may be quoted.

May import: `config`, `warehouse`, `formats`, `ingest` (its scales). Reads `raw.responses`.
Writes: `marts.responses`, `marts.weekly_scores`, `marts.standouts`.
"""
