-- The hashes a week's report went out with (sent, or written to the outbox).
SELECT DISTINCT report_sha256 FROM ops.email_log
WHERE week = $week AND status IN ('sent', 'written')
ORDER BY report_sha256
