INSERT INTO ops.email_log VALUES ($week, $report_sha256, $recipients, $message_id, $status, $detail, $logged_at)
