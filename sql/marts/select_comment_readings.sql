-- The cached readings of the comments in `wanted` (engine, band, text_hash).
SELECT r.band, r.text_hash, r.found, r.tone, r.tone_start, r.tone_end
FROM marts.comment_readings r
JOIN wanted w USING (engine, band, text_hash)
