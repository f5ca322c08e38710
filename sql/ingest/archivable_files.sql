-- Files read without failure, with the first time each content was ingested: the inbox's
-- copies of them may be archived once old enough (ingest/archive.py).
SELECT file_name, file_sha256, min(ingested_at) AS ingested_at
FROM ops.files
WHERE status <> 'failed'
GROUP BY file_name, file_sha256
