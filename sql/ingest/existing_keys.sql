-- Response keys of a new batch that the warehouse already holds (they are duplicates).
SELECT r.response_key FROM raw.responses AS r SEMI JOIN new_responses AS n USING (response_key)
