-- Per source, the week's responses (every one, counted or set aside for a later answer of the
-- same customer) and the invitations nobody answered (ops.excluded_rows, once each, and not
-- when a later export brought that invitation's answer): the response rate's two terms.
WITH responses AS (
    SELECT source, count(*) AS responses FROM marts.responses WHERE week = $week GROUP BY source
),
unanswered AS (
    SELECT e.source, count(DISTINCT e.response_id) AS unanswered
    FROM ops.excluded_rows AS e
    WHERE e.week = $week AND e.reason = 'unanswered'
      AND NOT EXISTS (
          SELECT 1 FROM raw.responses AS r
          WHERE r.source = e.source AND r.response_id = e.response_id
      )
    GROUP BY e.source
)
SELECT source, coalesce(responses, 0) AS responses, coalesce(unanswered, 0) AS unanswered
FROM responses FULL JOIN unanswered USING (source)
ORDER BY source
