SELECT source, response_id, count(*) AS copies
FROM marts.responses GROUP BY source, response_id HAVING count(*) > 1 ORDER BY copies DESC
