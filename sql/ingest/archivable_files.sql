-- Files read without failure, with the first time each content was ingested: the inbox's
-- copies of them may be archived once old enough (ingest/archive.py) — not while a source that
-- shares the file still fails to read it.
SELECT file_name, file_sha256, min(ingested_at) AS ingested_at
FROM ops.files
WHERE status <> 'failed'
  AND file_name NOT IN (SELECT file_name FROM ops.unreadable_files)
GROUP BY file_name, file_sha256
