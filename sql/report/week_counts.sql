-- How many responses count in the week, how many of them carry a comment, and how many were
-- set aside because the same customer answered again that week (votes_per_customer).
SELECT count(*) FILTER (WHERE counted) AS responses,
       count(*) FILTER (WHERE counted AND has_comment) AS comments,
       count(*) FILTER (WHERE NOT counted) AS superseded
FROM marts.responses WHERE week = $week
