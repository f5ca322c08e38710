-- What customers appreciated, most praised first.
SELECT * FROM marts.praise WHERE week = $week
ORDER BY dimension DESC, mentions DESC, segment, theme
