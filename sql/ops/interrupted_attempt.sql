-- A week's last attempt to e-mail its report if it was cut off mid-send (still 'sending'): its
-- Message-ID is reused when the report is sent again, so that a duplicate can be dropped.
SELECT message_id FROM ops.email_log
WHERE week = $week AND status = 'sending'
ORDER BY logged_at DESC
LIMIT 1
