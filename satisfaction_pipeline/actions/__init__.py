"""Actions: what the complaint themes cost, what to fix first, and why the scores moved.

- `stakes`: points at stake per theme and metric, with a bootstrap interval, and the ranking;
- `weekly`: one week's action list (shares, trend, over-represented segment, examples), with
  `owners` (per owner, and whose doing low scores are), `praise` (per team and agent) and
  `follow_up` (customers to call back);
- `movement`: each score's change split per theme, and themes that spiked;
- `quotes` and `exports`: the examples that may be quoted, and the CSV files.

May import: `config`, `warehouse`, `formats`, `redact`, `ingest`, `scoring` (their types and
functions), and reads `marts.responses` and `marts.comment_themes`. Writes:
`marts.action_list`, `marts.action_owners`, `marts.responsibility`, `marts.praise`,
`marts.call_backs`, `marts.score_movement`, `marts.theme_spikes`, and the week's
`action_list.csv` and `follow_up.csv`.
"""
