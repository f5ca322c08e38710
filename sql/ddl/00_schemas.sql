-- The three layers of the warehouse: raw (as loaded), marts (what analysts and reports read),
-- ops (bookkeeping: files, rejected rows, e-mails).
CREATE SCHEMA IF NOT EXISTS raw; CREATE SCHEMA IF NOT EXISTS marts; CREATE SCHEMA IF NOT EXISTS ops;
