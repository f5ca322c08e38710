"""The report e-mail's words: a digest of the week's report — its news first, the scores with
their changes, the first actions with their points at stake, what the themes leave unexplained,
what is attached — as a subject, a plain-text part and an HTML part, from the report's context
and in its language. Most managers read the e-mail, not the PDF."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from satisfaction_pipeline.i18n import translations
from satisfaction_pipeline.report.news import subject_scores
from satisfaction_pipeline.report.render import environment

TOP_ACTIONS = 3


@dataclass(frozen=True)
class EmailParts:
    subject: str
    text: str
    html: str


def email_parts(context: dict[str, Any], attachments: list[str]) -> EmailParts:
    """The e-mail of the week whose report `context` is (report.context), naming the files
    `attachments`."""
    language = context["language"]
    _ = translations(language).gettext
    subject = _("Customer satisfaction — week of {week}").format(week=context["week_label"])
    if scores := subject_scores(context["headline"], language):
        subject = _("{subject}: {scores}").format(subject=subject, scores=scores)
    values = {
        **context,
        "subject": subject,
        "attachments": attachments,
        "top_actions": context["actions"][:TOP_ACTIONS],
    }
    env = environment(language)
    return EmailParts(
        subject=subject,
        text=env.get_template("email.txt.j2").render(values).strip() + "\n",
        html=env.get_template("email.html.j2").render(values),
    )
