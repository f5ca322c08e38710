-- The outcome of an attempt logged as 'sending' before the message left (a resent message keeps
-- the Message-ID of the attempt it replaces, marked 'interrupted' first: only one row is sending).
UPDATE ops.email_log SET status = $status, detail = $detail
WHERE message_id = $message_id AND status = 'sending'
