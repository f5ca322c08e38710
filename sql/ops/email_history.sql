-- A week's earlier attempts to e-mail its report, oldest first.
SELECT report_sha256, status FROM ops.email_log WHERE week = $week ORDER BY logged_at, message_id
