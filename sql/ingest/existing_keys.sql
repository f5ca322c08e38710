-- The stored versions of the responses of a new batch (these are duplicates or, where the source
-- keeps the latest version, candidates for replacement).
SELECT r.* FROM raw.responses AS r SEMI JOIN new_responses AS n USING (response_key)
