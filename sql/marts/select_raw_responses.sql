-- The responses of a run's weeks from raw.responses (earlier weeks may never have been built),
-- each with `counted`: whether it counts under $votes (settings `votes_per_customer`). With
-- `last_in_week` (or `first_in_week`) a customer who answered one survey several times in a
-- week counts once, by the response they sent last (or first), as most survey tools do; `all`
-- counts every response. The customer is the customer reference, else the e-mail address;
-- a response with neither always counts.
SELECT * EXCLUDE (voter, vote),
       $votes = 'all' OR voter IS NULL OR vote = 1 AS counted
FROM (
    SELECT *,
           coalesce(customer_ref, lower(trim(customer_email))) AS voter,
           row_number() OVER (
               PARTITION BY source, voter, week
               ORDER BY CASE WHEN $votes = 'first_in_week' THEN submitted_at END ASC,
                        CASE WHEN $votes = 'first_in_week' THEN response_key END ASC,
                        submitted_at DESC, response_key DESC
           ) AS vote
    FROM raw.responses
    WHERE week >= $week_start AND week < $week_end
)
ORDER BY response_key
