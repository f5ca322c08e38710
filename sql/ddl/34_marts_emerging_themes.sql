-- Emerging themes (themes/emerging.py): groups of low scorers' complaints that no theme of the
-- taxonomy explains, per week and language, found over that week and the four before.
-- Their members are in marts.comment_themes with method 'discovery' and theme = `theme`.
CREATE TABLE IF NOT EXISTS marts.emerging_themes (
    week           DATE    NOT NULL,
    language       VARCHAR NOT NULL,  -- fr or en
    group_id       INTEGER NOT NULL,
    theme          VARCHAR NOT NULL,  -- emerging_<language>_<week>_<group>
    label          VARCHAR NOT NULL,  -- its most typical sentence (as written, not redacted)
    terms          VARCHAR NOT NULL,  -- JSON [[term, weight], ...]
    comments       INTEGER NOT NULL,  -- this week
    trailing_mean  DOUBLE  NOT NULL,  -- comments per week over the four weeks before
    examples       VARCHAR NOT NULL,  -- JSON list of the most typical comments' response keys
    PRIMARY KEY (week, language, group_id)
);
