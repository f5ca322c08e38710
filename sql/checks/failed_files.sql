-- Exports in the inbox that could not be read and are still not fixed.
SELECT * FROM ops.unreadable_files ORDER BY file_name
