-- The Monday of the earliest response loaded: where the weeks start when first_week is not set.
SELECT min(week) AS week FROM raw.responses
