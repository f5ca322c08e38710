-- The stored battery items' answers of the responses of a new batch (compared with the batch's).
SELECT i.* FROM raw.item_answers AS i SEMI JOIN new_responses AS n USING (response_key)
