-- The most frequent reasons rows were rejected, over all files: the column and the first problem,
-- with the quoted values taken out so that equal problems group together.
SELECT coalesce(column_name, '') AS column_name,
       regexp_replace(split_part(reason, ' | ', 1), '''[^'']*''', '…', 'g') AS reason,
       count(*) AS rows
FROM ops.rejected_rows
GROUP BY ALL
ORDER BY rows DESC, column_name, reason
LIMIT 3
