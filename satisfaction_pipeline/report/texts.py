"""Every sentence of ours the report and its e-mail print, in English and French (French with its
typography: `formats.french_typography`), and the taxonomy's labels in the report's language.
Templates take their words from `t`, the chosen language's table; customers' words are never
touched."""

from __future__ import annotations

from satisfaction_pipeline.actions.movement import NO_COMMENT, NO_THEME
from satisfaction_pipeline.config.taxonomy import Taxonomy
from satisfaction_pipeline.formats import (
    DIMENSION_LABELS,
    OWNER_LABELS,
    french_typography,
)

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "Customer satisfaction — weekly report",
        "week_of": "Week of",
        "to": "to",
        "csat": "CSAT",
        "nps": "NPS",
        "ces": "CES",
        "csat_hint": "% satisfied ({satisfied} of {top})",
        "nps_hint": "% promoters − % detractors",
        "ces_hint": "mean ease, scale {scale}, higher is better",
        "easy": "easy answers",
        "answers": "answers",
        "vs_last_week": "vs last week",
        "no_data": "no answers",
        "comments_card": "Comments",
        "complaining_card": "Complaining",
        "comments_word": "comments",
        "last_week_was": "last week: {n}",
        "summary_comments": "This source has no score: {comments} comments this week, {share} of "
        "them complaining of something (last week: {before}).",
        "small_sample": "small sample",
        "segments": "Scores by segment",
        "themes": "What customers talk about",
        "theme": "Theme",
        "owner": "Owner",
        "complaints": "complaints",
        "praise": "praise",
        "emerging": "Emerging: complaints no theme names yet",
        "emerging_hint": "{n} this week, {mean} a week before",
        "owners": OWNER_LABELS["en"],
        "segment": "Segment",
        "verbatims": "What customers said",
        "unquotable": "Not quoted, for privacy: {n} comments of unhappy customers, from segments "
        "with fewer than {min} responses this week (the quotes below may therefore look kinder "
        "than the week was).",
        "data_quality": "Data quality",
        "since_start": "Since the first export:",
        "files_read": "files read",
        "rows_loaded": "responses loaded",
        "rows_rejected": "rows rejected",
        "rows_duplicate": "duplicates",
        "unreadable": "Could not be read (see ops.files):",
        "responses_week": "responses this week",
        "comments_week": "with a comment",
        **DIMENSION_LABELS["en"],
        "greyed": "Greyed: fewer than {n} answers, not reliable enough to compare.",
        "hidden": "–: fewer than {n} answers, not shown so that no one can be singled out.",
        "page": "page",
        "actions": "What to fix first",
        "actions_hint": "Points at stake: what the week's score would gain if the customers "
        "complaining of the theme scored like everyone else (95% interval in brackets). "
        "Ranked on CSAT and CES, then NPS at half weight.",
        "rank": "#",
        "points": "{metric} points",
        "rising": "rising for 2 weeks",
        "recommended": "Recommended action:",
        "no_ranked": "No complaint theme stands out clearly {window}: see the watch list.",
        "window": "over the last {weeks} weeks",
        "this_week": "this week",
        "lead_clear": "clearly first",
        "lead_likely": "likely first, to confirm",
        "likely": "likely",
        "low_share": "of the unhappy",
        "complaint_share": "of the complaints",
        "summary_action_mentions": "First to fix: {theme} ({owner}), named in {share} of the "
        "complaining comments {window}{lead}.",
        "low_share_hint": "Of the unhappy: share of the low scorers' comments naming the theme.",
        "actions_hint_share": "Everyone or nearly everyone was unhappy, so points at stake cannot "
        "separate the themes: ranked on the share of the unhappy commenters naming each one "
        "(95% interval in brackets).",
        "actions_hint_mentions": "This source has no score: themes ranked on their share of the "
        "complaining comments (95% interval in brackets).",
        "pooled": "Too few answers to rank the week alone: the list pools the last {weeks} weeks.",
        "responsibility_text": "Of the {n} low scorers who commented, {service_only} point to "
        "customer service alone, {both} to service and another team, {others_only} to other "
        "teams only (product, billing, logistics…), and {none} name no theme.",
        "appreciated": "What customers appreciated",
        "trends": "The last weeks",
        "summary": "In short",
        "summary_mover": "{metric} {direction} by {size} since last week: a significant change.",
        "up": "rose",
        "down": "fell",
        "summary_steady": "No headline score changed significantly since last week.",
        "summary_action": "First to fix: {theme} ({owner}), {points} {metric} points at stake "
        "{window}{lead}.",
        "summary_action_share": "First to fix: {theme} ({owner}), named by {share} of the unhappy "
        "commenters {window}{lead}.",
        "summary_lead_likely": " (likely first, to confirm)",
        "summary_responsibility": "{share} of the low scorers who commented point to customer "
        "service alone, {others} to other teams only, and {none} name no theme.",
        "vs_trend": "vs the 4 weeks before",
        "interval": "95% interval:",
        "call_backs": "Customers to call back",
        "call_backs_text": "{n} low scorers left a comment: follow_up.csv, beside this report, "
        "lists them by their main complaint, with how to reach them.",
        "no_theme": "no theme",
        "no_comment": "responses without a comment",
        "response_rate": "Response rate: {rate} ({responses} responses to {invitations} "
        "invitations).",
        "unanswered": "Not answered (N/A, dismissed or skipped), so left out of the score: "
        "{rates}.",
        "superseded": "Set aside because their customer answered the same survey again that "
        "week, the {which} answer counting: {n}.",
        "coverage": "Unhappy customers' comments explained by a theme: {share} of {n}; "
        "{unexplained} left without one{emerging}. A low share is the signal to code more "
        "comments.",
        "coverage_emerging": " ({share} in an emerging group)",
        "which_last_in_week": "last",
        "which_first_in_week": "first",
        "rows_excluded": "excluded",
        "excluded_survey_preview": "survey previews",
        "excluded_survey_test": "survey tests",
        "excluded_spam": "spam",
        "excluded_unfinished": "unfinished",
        "excluded_unanswered": "invitations not answered",
        "findings": "Rows where the export contradicts itself (its NPS group against the NPS "
        "answer; the answer counts): {n}, see ops.findings.",
        "votes_last_in_week": "A customer who answered the same survey several times in a "
        "week counts once, by their last answer, as most survey tools count; customers are "
        "known by their customer reference, else their e-mail address.",
        "votes_first_in_week": "A customer who answered the same survey several times in a "
        "week counts once, by their first answer; customers are known by their customer "
        "reference, else their e-mail address.",
        "votes_all": "Every response counts, even several from one customer in a week.",
        "why": "Why the scores moved",
        "why_hint": "Each score's change since last week, split by what the responses' comments "
        "are mainly about: a larger or smaller share of such responses (volume), and their "
        "scoring higher or lower (score). The parts add up to the change.",
        "why_other": "other themes",
        "why_total": "change since last week",
        "volume_effect": "volume",
        "score_effect": "score",
        "contribution": "effect",
        "responses_then_now": "responses (last week → this)",
        "score_then_now": "their score",
        "summary_why": "What moved {metric} ({change}): {first}{second}.",
        "summary_why_second": " and {contributor}",
        "share_up": "a larger share",
        "share_down": "a smaller share",
        "scored_up": "scoring higher",
        "scored_down": "scoring lower",
        "spikes": "Unusual this week",
        "spikes_hint": "Themes beyond two standard deviations of their last {weeks} weeks, "
        "however small.",
        "spike_share": "{value} of responses mention it (usually {mean} ± {sd})",
        "spike_score": "{metric} among them {value} (usually {mean} ± {sd})",
        "top_rejections": "Most frequent reasons for rejected rows:",
        "comment_rate": "comment rate",
        "methodology": "Methodology",
        "significant": "significant change",
        "priorities": "First to fix",
        "segments_hint": "Under each score: its 95% interval and the change since last week, "
        "with ▲ or ▼ when the change is significant. Marked ● and explained below their row: "
        "the segments that stand out.",
        "share": "share",
        "share_hint": "Share: responses complaining of the theme this week (in brackets, over "
        "the 4 weeks before).",
        "most_in": "Most over-represented: {dimension} {segment}, {rate} of its commenters vs "
        "{rest} elsewhere.",
        "who": "Who is responsible",
        "watch_title": "To watch",
        "watch_hint": "Too few complaints to rank, or no clear cost yet.",
        "no_emerging": "No new kind of complaint this week.",
        "other_standouts": "Other segments that stand out:",
        "examples": "In their words:",
        "for_example": "e.g.",
        "range_to": "to",
        "row": "row",
        "rows": "rows",
    },
    "fr": {
        "title": "Satisfaction client — rapport hebdomadaire",
        "week_of": "Semaine du",
        "to": "au",
        "csat": "CSAT",
        "nps": "NPS",
        "ces": "CES",
        "csat_hint": "% de satisfaits ({satisfied} sur {top})",
        "nps_hint": "% promoteurs − % détracteurs",
        "ces_hint": "facilité moyenne, échelle {scale}, plus haut = mieux",
        "easy": "de réponses faciles",
        "answers": "réponses",
        "vs_last_week": "vs semaine précédente",
        "no_data": "aucune réponse",
        "comments_card": "Commentaires",
        "complaining_card": "Qui se plaignent",
        "comments_word": "commentaires",
        "last_week_was": "semaine précédente\u202f: {n}",
        "summary_comments": "Cette source n'a pas de note\u202f: {comments} commentaires cette "
        "semaine, dont {share} se plaignent de quelque chose (semaine précédente\u202f: {before}).",
        "small_sample": "petit échantillon",
        "segments": "Scores par segment",
        "themes": "De quoi parlent les clients",
        "theme": "Thème",
        "owner": "Responsable",
        "complaints": "plaintes",
        "praise": "éloges",
        "emerging": "Émergents : plaintes qu'aucun thème ne nomme encore",
        "emerging_hint": "{n} cette semaine, {mean} par semaine avant",
        "owners": OWNER_LABELS["fr"],
        "segment": "Segment",
        "verbatims": "Ce que disent les clients",
        "unquotable": "Non cités, par confidentialité\u202f: {n} commentaires de clients "
        "insatisfaits, de segments qui ont reçu moins de {min} réponses cette semaine (les "
        "citations ci-dessous peuvent donc paraître plus aimables que la semaine).",
        "data_quality": "Qualité des données",
        "since_start": "Depuis le premier export\u202f:",
        "files_read": "fichiers lus",
        "rows_loaded": "réponses chargées",
        "rows_rejected": "lignes rejetées",
        "rows_duplicate": "doublons",
        "unreadable": "Illisibles (voir ops.files) :",
        "responses_week": "réponses cette semaine",
        "comments_week": "avec commentaire",
        **DIMENSION_LABELS["fr"],
        "greyed": "En gris : moins de {n} réponses, trop peu pour comparer.",
        "hidden": "– : moins de {n} réponses, non affiché pour que personne ne soit "
        "reconnaissable.",
        "page": "page",
        "actions": "À traiter en priorité",
        "actions_hint": "Points en jeu : ce que le score de la semaine gagnerait si les clients "
        "qui se plaignent du thème notaient comme les autres (intervalle à 95\u202f% entre "
        "parenthèses). Classement sur le CSAT et le CES, puis le NPS à demi-poids.",
        "rank": "n°",
        "points": "points de {metric}",
        "rising": "en hausse depuis 2 semaines",
        "recommended": "Action recommandée\u202f:",
        "no_ranked": "Aucun thème de plainte ne ressort encore nettement {window}\u202f: voir la "
        "liste à surveiller.",
        "window": "sur les {weeks} dernières semaines",
        "this_week": "cette semaine",
        "lead_clear": "nettement en tête",
        "lead_likely": "probablement en tête, à confirmer",
        "likely": "probable",
        "low_share": "des insatisfaits",
        "complaint_share": "des plaintes",
        "summary_action_mentions": "À traiter d'abord\u202f: {theme} ({owner}), cité dans {share} "
        "des commentaires qui se plaignent {window}{lead}.",
        "low_share_hint": "Des insatisfaits : part des commentaires des clients insatisfaits qui "
        "citent le thème.",
        "actions_hint_share": "Tous les clients ou presque étaient insatisfaits\u202f: les points "
        "en jeu ne départagent pas les thèmes, classés sur la part des insatisfaits qui les "
        "citent (intervalle à 95\u202f% entre parenthèses).",
        "actions_hint_mentions": "Cette source n'a pas de note\u202f: thèmes classés sur leur part "
        "des commentaires qui se plaignent (intervalle à 95\u202f% entre parenthèses).",
        "pooled": "Trop peu de réponses pour classer la semaine seule\u202f: la liste porte sur "
        "les {weeks} dernières semaines.",
        "responsibility_text": "Sur les {n} clients insatisfaits qui ont commenté, {service_only} "
        "mettent en cause le seul service client, {both} le service et une autre équipe, "
        "{others_only} d'autres équipes seulement (produit, facturation, logistique…) et "
        "{none} aucun thème.",
        "appreciated": "Ce que les clients ont apprécié",
        "trends": "Les dernières semaines",
        "summary": "En bref",
        "summary_mover": "Le {metric} a {direction} de {size} depuis la semaine dernière\u202f: "
        "un changement significatif.",
        "up": "progressé",
        "down": "reculé",
        "summary_steady": "Aucun score principal n'a changé significativement depuis la semaine "
        "dernière.",
        "summary_action": "À traiter d'abord\u202f: {theme} ({owner}), {points} points de {metric} "
        "en jeu {window}{lead}.",
        "summary_action_share": "À traiter d'abord\u202f: {theme} ({owner}), cité par {share} des "
        "insatisfaits qui ont commenté {window}{lead}.",
        "summary_lead_likely": " (probablement en tête, à confirmer)",
        "summary_responsibility": "{share} des clients insatisfaits qui ont commenté mettent en "
        "cause le seul service client, {others} seulement d'autres équipes et {none} aucun "
        "thème.",
        "vs_trend": "vs les 4 semaines précédentes",
        "interval": "intervalle à 95\u202f%\u202f:",
        "call_backs": "Clients à rappeler",
        "call_backs_text": "{n} clients insatisfaits ont laissé un commentaire\u202f: "
        "follow_up.csv, à côté de ce rapport, les liste par motif principal, avec de quoi les "
        "joindre.",
        "no_theme": "aucun thème",
        "no_comment": "réponses sans commentaire",
        "response_rate": "Taux de réponse : {rate} ({responses} réponses pour {invitations} "
        "invitations).",
        "unanswered": "Sans réponse (NSP, ignorée ou sautée), donc hors du score : {rates}.",
        "superseded": "Écartées parce que leur client a répondu de nouveau à la même enquête "
        "dans la semaine, sa {which} réponse comptant : {n}.",
        "coverage": "Commentaires d'insatisfaits expliqués par un thème : {share} sur {n} ; "
        "{unexplained} sans thème{emerging}. Une part faible invite à coder plus de "
        "commentaires.",
        "coverage_emerging": " (dont {share} dans un groupe émergent)",
        "which_last_in_week": "dernière",
        "which_first_in_week": "première",
        "rows_excluded": "exclues",
        "excluded_survey_preview": "aperçus d'enquête",
        "excluded_survey_test": "tests d'enquête",
        "excluded_spam": "spam",
        "excluded_unfinished": "inachevées",
        "excluded_unanswered": "invitations sans réponse",
        "findings": "Lignes où l'export se contredit (son groupe NPS contre la réponse NPS ; "
        "la réponse compte) : {n}, voir ops.findings.",
        "votes_last_in_week": "Un client qui a répondu plusieurs fois à la même enquête dans "
        "la semaine compte une fois, par sa dernière réponse, comme le font la plupart des "
        "outils d'enquête ; le client est reconnu à sa référence client, à défaut à son "
        "adresse e-mail.",
        "votes_first_in_week": "Un client qui a répondu plusieurs fois à la même enquête dans "
        "la semaine compte une fois, par sa première réponse ; le client est reconnu à sa "
        "référence client, à défaut à son adresse e-mail.",
        "votes_all": "Chaque réponse compte, même plusieurs d'un client dans la semaine.",
        "why": "Pourquoi les scores ont bougé",
        "why_hint": "La variation de chaque score depuis la semaine dernière, répartie selon le "
        "sujet principal du commentaire des réponses : une part plus ou moins grande de ces "
        "réponses (volume), et des notes plus hautes ou plus basses (note). Les parts font la "
        "variation.",
        "why_other": "autres thèmes",
        "why_total": "variation depuis la semaine dernière",
        "volume_effect": "volume",
        "score_effect": "note",
        "contribution": "effet",
        "responses_then_now": "réponses (semaine dernière → cette semaine)",
        "score_then_now": "leur score",
        "summary_why": "Ce qui a fait bouger le {metric} ({change}) : {first}{second}.",
        "summary_why_second": " et {contributor}",
        "share_up": "part en hausse",
        "share_down": "part en baisse",
        "scored_up": "notes en hausse",
        "scored_down": "notes en baisse",
        "spikes": "Inhabituel cette semaine",
        "spikes_hint": "Les thèmes au-delà de deux écarts-types de leurs {weeks} dernières "
        "semaines, même petits.",
        "spike_share": "{value} des réponses en parlent (d'habitude {mean} ± {sd})",
        "spike_score": "{metric} parmi elles {value} (d'habitude {mean} ± {sd})",
        "top_rejections": "Motifs de rejet les plus fréquents\u202f:",
        "comment_rate": "taux de commentaire",
        "methodology": "Méthodologie",
        "significant": "changement significatif",
        "priorities": "À traiter d'abord",
        "segments_hint": "Sous chaque score : son intervalle à 95\u202f% et l'évolution depuis la "
        "semaine précédente, avec ▲ ou ▼ quand elle est significative. Marqués ● et expliqués "
        "sous leur ligne : les segments qui ressortent.",
        "share": "part",
        "share_hint": "Part : réponses qui se plaignent du thème cette semaine (entre parenthèses, "
        "sur les 4 semaines précédentes).",
        "most_in": "Le plus surreprésenté : {dimension} {segment}, {rate} de ses commentateurs "
        "contre {rest} ailleurs.",
        "who": "Qui est en cause",
        "watch_title": "À surveiller",
        "watch_hint": "Trop peu de plaintes pour classer, ou coût pas encore net.",
        "no_emerging": "Aucun nouveau type de plainte cette semaine.",
        "other_standouts": "Autres segments qui ressortent :",
        "examples": "Dans leurs mots :",
        "for_example": "p. ex.",
        "range_to": "à",
        "row": "ligne",
        "rows": "lignes",
    },
}

# Every French sentence of ours with its typography (verbatims are never touched).
TEXT["fr"] = {k: french_typography(v) if isinstance(v, str) else v for k, v in TEXT["fr"].items()}


def theme_labels(taxonomy: Taxonomy | None, language: str) -> dict[str, dict[str, str]]:
    """Theme id → its label, action and owner in the report's language (French typography on
    French ones); `no_theme` for responses no theme explains. A theme since removed from the
    taxonomy keeps its id as label."""
    polish = french_typography if language == "fr" else str
    known = {
        t.id: {
            "label": polish(getattr(t.label, language)),
            "action": polish(getattr(t.action, language)),
            "owner": t.owner,
        }
        for t in (taxonomy.themes if taxonomy else [])
    }
    for group in (NO_THEME, NO_COMMENT):
        known[group] = {"label": TEXT[language][group], "action": "", "owner": ""}
    return known


def theme_label(labels: dict[str, dict[str, str]], theme: str) -> str:
    return labels.get(theme, {}).get("label", theme)
