-- How many responses the week has, and how many of them carry a comment.
SELECT count(*) AS responses, count(*) FILTER (WHERE has_comment) AS comments
FROM marts.responses WHERE week = $week
