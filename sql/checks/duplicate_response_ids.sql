-- Responses whose (source, response id) appears more than once in marts.responses, in each week
-- where a copy is.
SELECT week, source, response_id, copies
FROM (
    SELECT week, source, response_id, count(*) OVER (PARTITION BY source, response_id) AS copies
    FROM marts.responses
)
WHERE copies > 1
ORDER BY week, copies DESC, source, response_id
