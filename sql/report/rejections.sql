-- The most frequent reasons rows, or single answers of loaded rows, were rejected, over all files:
-- the column and the first problem.
-- The column, shown apart, is taken out of the reason and the quoted values (Python's repr:
-- 'x', or "x" when x holds an apostrophe) are replaced by `…` so that equal problems group
-- together; one of those values is kept as an example (the report redacts it).
WITH reasons AS (
    SELECT coalesce(column_name, '') AS column_name,
           regexp_replace(split_part(reason, ' | ', 1),
                          ' ?\(?(in )?column (''[^'']*''|"[^"]*")\)?', '', 'g') AS reason
    FROM ops.rejected_rows
    UNION ALL
    SELECT column_name, regexp_replace(reason, ' ?\(?(in )?column (''[^'']*''|"[^"]*")\)?', '', 'g')
    FROM ops.rejected_answers
)
SELECT column_name,
       regexp_replace(reason, '''[^'']*''|"[^"]*"', '…', 'g') AS reason,
       min(coalesce(nullif(regexp_extract(reason, '''([^'']*)''', 1), ''),
                    nullif(regexp_extract(reason, '"([^"]*)"', 1), ''))) AS example,
       count(*) AS rows
FROM reasons
GROUP BY ALL
ORDER BY rows DESC, column_name, reason
LIMIT 3
