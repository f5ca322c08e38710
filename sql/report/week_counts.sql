-- How many responses count in the week, how many carry a comment, how many were set aside
-- because the same customer answered again that week (votes_per_customer), and per question
-- how many counted responses were asked it and answered it (the rest: N/A, dismissed, skipped);
-- and how many low scorers' comments the themes explain (marts.theme_coverage); how many
-- comments complain of something, this week and last (a source without scores shows those); how
-- many low scorers' comments the privacy threshold keeps out of the quotes.
WITH complaining AS (
    SELECT week, count(DISTINCT response_key) AS comments
    FROM marts.comment_themes
    WHERE polarity = 'complaint' AND week IN ($week, $week - INTERVAL 7 DAY)
    GROUP BY week
), last_week AS (
    SELECT count(*) AS comments FROM marts.responses
    WHERE week = $week - INTERVAL 7 DAY AND counted AND has_comment
)
SELECT count(*) FILTER (WHERE counted) AS responses,
       count(*) FILTER (WHERE counted AND has_comment) AS comments,
       count(*) FILTER (WHERE NOT counted) AS superseded,
       count(*) FILTER (WHERE counted AND csat_scale IS NOT NULL) AS csat_asked,
       count(csat) FILTER (WHERE counted) AS csat_answered,
       count(*) FILTER (WHERE counted AND nps_scale IS NOT NULL) AS nps_asked,
       count(nps) FILTER (WHERE counted) AS nps_answered,
       count(*) FILTER (WHERE counted AND ces_scale IS NOT NULL) AS ces_asked,
       count(ces) FILTER (WHERE counted) AS ces_answered,
       any_value(c.low_comments) AS low_comments,
       any_value(c.explained) AS low_explained,
       any_value(c.emerging) AS low_emerging,
       any_value(c.engine) AS theme_engine,  -- what tagged the week, e.g. "default model 4c1f…"
       -- unhappy customers' comments the privacy threshold keeps out of the quotes
       count(*) FILTER (WHERE counted AND has_comment AND low_score AND NOT quotable)
         AS low_unquotable,
       coalesce((SELECT comments FROM complaining WHERE week = $week), 0) AS complaining,
       (SELECT nullif(comments, 0) FROM last_week) AS comments_prev,  -- none: no comparison
       coalesce((SELECT comments FROM complaining WHERE week = $week - INTERVAL 7 DAY), 0)
         AS complaining_prev
FROM marts.responses
LEFT JOIN marts.theme_coverage c USING (week)
WHERE week = $week
