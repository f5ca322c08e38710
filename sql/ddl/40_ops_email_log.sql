-- One row per attempt to deliver a week's report e-mail (delivery/exactly_once.py). A week whose report was
-- sent or written to the outbox with the same hash is not sent again.
CREATE TABLE IF NOT EXISTS ops.email_log (
    week           DATE      NOT NULL,
    report_sha256  VARCHAR   NOT NULL,  -- report.html and the CSVs beside it
    recipients     VARCHAR   NOT NULL,  -- To and Cc, comma-separated
    message_id     VARCHAR   NOT NULL,
    status         VARCHAR   NOT NULL,  -- sending (logged first), then sent, written (to the
                                        --   outbox) or failed; a 'sending' left by a crash
                                        --   blocks re-sending until --resend, which marks it
                                        --   interrupted and reuses its message_id
    detail         VARCHAR,             -- the outbox file, or why it failed
    logged_at      TIMESTAMP NOT NULL   -- UTC
);
