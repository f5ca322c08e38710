-- The comments of a range of weeks that no theme explains (themes/coding.py, `themes suggest`;
-- the report's "comments worth coding"): the counted responses' comments of 3 words or more
-- with no theme of the taxonomy, or, from an unhappy respondent (CSAT not satisfied or NPS
-- detractor: the report's coverage counts those), no complaint theme. An emerging group's
-- membership (method 'discovery') explains nothing. Each text once, at its first response; the
-- texts whose SHA-1 is in `coded` (coded before) left out.
SELECT r.*, sha1(r.comment) AS text_sha1
FROM marts.responses AS r
WHERE r.week >= $week_start AND r.week < $week_end
  AND r.counted AND r.has_comment
  AND len(regexp_extract_all(r.comment, '[\pL\pN_]+')) >= 3
  AND NOT EXISTS (
      SELECT 1 FROM marts.comment_themes AS t
      WHERE t.response_key = r.response_key
        AND t.method <> 'discovery'
        AND (t.polarity = 'complaint'
             OR NOT coalesce(r.csat_satisfied = false OR r.nps_category = 'detractor', false))
  )
  AND sha1(r.comment) NOT IN (SELECT text_sha1 FROM coded)
QUALIFY row_number() OVER (PARTITION BY sha1(r.comment) ORDER BY r.week, r.response_key) = 1
ORDER BY r.week, r.response_key
