-- The themes of each comment (themes/tagger.py): one row per response x theme x polarity, with the
-- first mention's evidence. The raw comment stays in marts.responses; `evidence` is the exact
-- text at [span_start, span_end) of it (0-based character offsets), and is not PII-redacted.
CREATE TABLE IF NOT EXISTS marts.comment_themes (
    response_key  VARCHAR NOT NULL,
    week          DATE    NOT NULL,
    theme         VARCHAR NOT NULL,  -- a theme id of the taxonomy, e.g. wait_time
    polarity      VARCHAR NOT NULL,  -- complaint, praise or neutral
    evidence      VARCHAR NOT NULL,  -- the phrase found (model: the sentence), as written
    span_start    INTEGER NOT NULL,
    span_end      INTEGER NOT NULL,
    mentions      INTEGER NOT NULL,  -- times the comment says it with this polarity (model: sentences)
    language      VARCHAR NOT NULL,  -- the comment's: fr, en or other
    method        VARCHAR NOT NULL,  -- what assigned it: pattern, model, examples or discovery
    PRIMARY KEY (response_key, theme, polarity)
);
-- Which engine and version assigned the row (themes/detect.py, _engines): 'default model <hex>',
-- 'taxonomy <hex>' (patterns), 'examples <hex>', 'emerging'. NULL in rows from before it was kept.
ALTER TABLE marts.comment_themes ADD COLUMN IF NOT EXISTS engine VARCHAR;
