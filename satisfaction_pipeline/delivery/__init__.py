"""Delivery: the weekly report e-mailed to management exactly once, and the operations messages.

- `message`: the e-mails themselves, in the report's language;
- `exactly_once`: whether a week's report goes out, from `ops.email_log`;
- `smtp`: sending by SMTP, or to an outbox of `.eml` files.

May import: `config`, `formats`. Writes: `ops.email_log` (through the
`report_email` asset), the outbox.
"""
