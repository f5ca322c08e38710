-- comment_themes rows whose evidence is not the text at their span of the comment.
SELECT t.week, t.response_key, t.theme, t.evidence, t.span_start, t.span_end
FROM marts.comment_themes t
JOIN marts.responses r USING (response_key)
WHERE substring(r.comment, t.span_start + 1, t.span_end - t.span_start) IS DISTINCT FROM t.evidence
