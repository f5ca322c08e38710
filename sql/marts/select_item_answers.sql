-- The battery items' answers of the responses of these weeks (the caller keeps those that count).
SELECT r.week, i.*
FROM raw.item_answers AS i
JOIN raw.responses AS r USING (response_key)
WHERE r.week >= $week_start AND r.week < $week_end
