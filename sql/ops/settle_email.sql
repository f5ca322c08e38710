-- The outcome of an attempt logged as 'sending' before the message left.
UPDATE ops.email_log SET status = $status, detail = $detail WHERE message_id = $message_id
