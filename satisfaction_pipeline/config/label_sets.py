"""The built-in CSAT label sets, by scale size: the names a configuration may give as
`scale: {labels: name}`, and the answers each reads (ingest.scales matches them).

Kept whole rather than merged into one dictionary because the same words mean different points in
different sets: "Plutôt satisfait" is 3 of 5 next to "Satisfait", but 4 of 5 next to "Tout à fait
satisfait".
"""

# Each set lists its labels from 5 points (best) down to 1 point; a position may have synonyms.
LABEL_SETS: dict[str, list[tuple[str, ...]]] = {
    "fr_satisfait": [
        ("très satisfait",),
        ("satisfait",),
        ("plutôt satisfait", "moyennement satisfait"),
        ("insatisfait", "pas satisfait"),
        ("très insatisfait",),
    ],
    "fr_tout_a_fait": [
        ("tout à fait satisfait",),
        ("plutôt satisfait",),
        ("ni satisfait ni insatisfait",),
        ("peu satisfait", "plutôt insatisfait", "plutôt pas satisfait"),
        ("pas du tout satisfait",),
    ],
    "fr_bon": [
        ("très bon",),
        ("bon",),
        ("adéquat", "correct", "moyen"),
        ("pas bon",),
        ("mauvais",),
    ],
    "fr_excellent": [
        ("excellent",),
        ("bon", "très bien"),
        ("d'accord", "bien", "correct"),
        ("pas génial", "bof"),
        ("terrible", "nul"),
    ],
    "en_satisfied": [
        ("very satisfied", "extremely satisfied"),
        ("satisfied", "somewhat satisfied"),
        ("neutral", "neither satisfied nor dissatisfied"),
        ("dissatisfied", "somewhat dissatisfied"),
        ("very dissatisfied", "extremely dissatisfied"),
    ],
    "en_good": [
        ("very good",),
        ("good",),
        ("fair", "adequate", "average", "okay", "ok"),
        ("poor", "not good"),
        ("very poor", "bad", "very bad"),
    ],
    "en_excellent": [
        ("excellent",),
        ("good", "great"),
        ("okay", "ok", "fine"),
        ("not great",),
        ("terrible", "awful"),
    ],
    "fr_accord": [
        ("tout à fait d'accord",),
        ("plutôt d'accord", "d'accord"),
        ("ni d'accord ni pas d'accord", "ni d'accord ni en désaccord", "neutre"),
        ("plutôt pas d'accord", "pas d'accord", "plutôt en désaccord"),
        ("pas du tout d'accord", "tout à fait en désaccord"),
    ],
    "en_agree": [
        ("strongly agree",),
        ("agree", "somewhat agree"),
        ("neither agree nor disagree", "neutral"),
        ("disagree", "somewhat disagree"),
        ("strongly disagree",),
    ],
    # Binary CSAT (Zendesk and the like): good counts as satisfied (5), bad as not (1), so the
    # top-2-box share is the share of good ratings. Chosen automatically only when the answers
    # say more than good / bad (which en_good reads with the same top-2-box share).
    "binary": [
        ("good", "good, i'm satisfied", "oui", "yes", "👍"),
        (),
        (),
        (),
        ("bad", "bad, i'm unsatisfied", "non", "no", "👎"),
    ],
}

# Four-point sets (no neutral middle), from 4 points (best) down to 1; used on a 1-4 CSAT scale.
LABEL_SETS_4: dict[str, list[tuple[str, ...]]] = {
    "fr_tout_a_fait_4": [
        ("tout à fait satisfait",),
        ("plutôt satisfait",),
        ("plutôt pas satisfait", "peu satisfait", "plutôt insatisfait"),
        ("pas du tout satisfait",),
    ],
    "fr_satisfait_4": [
        ("très satisfait",),
        ("satisfait", "plutôt satisfait"),
        ("insatisfait", "pas satisfait", "plutôt insatisfait"),
        ("très insatisfait",),
    ],
    "en_satisfied_4": [
        ("very satisfied", "extremely satisfied"),
        ("satisfied", "somewhat satisfied"),
        ("dissatisfied", "somewhat dissatisfied"),
        ("very dissatisfied", "extremely dissatisfied"),
    ],
    "fr_accord_4": [
        ("tout à fait d'accord",),
        ("plutôt d'accord", "d'accord"),
        ("plutôt pas d'accord", "pas d'accord", "plutôt en désaccord"),
        ("pas du tout d'accord", "tout à fait en désaccord"),
    ],
    "en_agree_4": [
        ("strongly agree",),
        ("agree", "somewhat agree"),
        ("disagree", "somewhat disagree"),
        ("strongly disagree",),
    ],
}
# The built-in sets for each scale size they are written for.
SETS_BY_POINTS: dict[int, dict[str, list[tuple[str, ...]]]] = {5: LABEL_SETS, 4: LABEL_SETS_4}
