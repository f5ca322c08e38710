-- Files whose latest attempt failed and that no later version replaced.
SELECT file_name, source, detail, ingested_at
FROM ops.files AS f
WHERE status = 'failed'
  AND NOT EXISTS (
      SELECT 1 FROM ops.files AS later
      WHERE later.file_name = f.file_name AND later.status <> 'failed'
        AND later.ingested_at >= f.ingested_at
  )
ORDER BY file_name
