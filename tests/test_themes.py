"""Comment themes: per-theme cases in French and English (negation, praise vs complaint, clauses,
sentences that must not match), evidence spans, robustness to what customers really type, the
taxonomy's validation and extension, and the figures on the hand-labelled gold set."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import duckdb
import polars as pl
import pytest
import yaml

from satisfaction_pipeline.cli import main
from satisfaction_pipeline.config.paths import Paths
from satisfaction_pipeline.config.settings import ConfigError, parse_settings
from satisfaction_pipeline.config.taxonomy import (
    TaxonomyError,
    default_taxonomy,
    parse_taxonomy,
    read_taxonomy,
)
from satisfaction_pipeline.themes.evaluation import (
    GoldError,
    evaluate,
    read_gold,
    taxonomy_predictor,
    unknown_themes,
)
from satisfaction_pipeline.themes.tagger import comment_themes, tag_comments

from .conftest import EXAMPLE_CONFIG, LAST_WEEK

GOLD = Path(__file__).parent / "data" / "themes_gold.csv"


def _themes(*texts: str, taxonomy=None) -> list[set[tuple[str, str]]]:
    frame = pl.DataFrame({"id": range(len(texts)), "text": list(texts)})
    found = comment_themes(frame, tag_comments(frame, taxonomy or default_taxonomy()))
    result: list[set[tuple[str, str]]] = [set() for _ in texts]
    for row in found.iter_rows(named=True):
        result[row["id"]].add((row["theme"], row["polarity"]))
    return result


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # every theme, complaint and praise, in both languages
        ("J'ai attendu 45 minutes au téléphone.", {("wait_time", "complaint")}),
        ("On hold for ages before anyone answered.", {("wait_time", "complaint")}),
        ("Mis en relation avec un conseiller en moins de 2 minutes.", {("wait_time", "praise")}),
        ("Conseillère très aimable et souriante.", {("staff_attitude", "praise")}),
        ("The agent was rude and hung up on me.", {("staff_attitude", "complaint")}),
        ("Le conseiller ne savait pas répondre à ma question.", {("agent_knowledge", "complaint")}),
        ("The advisor was very knowledgeable.", {("agent_knowledge", "praise")}),
        ("Problème toujours pas résolu après trois appels.", {("unresolved", "complaint")}),
        ("Problem solved on the first call, thanks!", {("unresolved", "praise")}),
        ("Personne ne m'a rappelé depuis 2 semaines.", {("follow_up", "complaint")}),
        ("They never called me back.", {("follow_up", "complaint")}),
        ("Transféré 4 fois d'un service à l'autre.", {("procedures_transfers", "complaint")}),
        ("I was passed around between three departments.", {("procedures_transfers", "complaint")}),
        ("Impossible de joindre le service, pas de chat.", {("contact_channels", "complaint")}),
        ("No live chat and the phone line is always busy.", {("contact_channels", "complaint")}),
        ("La box est en panne depuis une semaine.", {("product_quality", "complaint")}),
        ("Fast delivery but the product is defective.",
         {("delivery", "praise"), ("product_quality", "complaint")}),
        ("LIVRAISON EN RETARD ET COLIS ABÎMÉ !!!", {("delivery", "complaint")}),
        ("J'ai été facturé deux fois, toujours pas remboursé.", {("billing", "complaint")}),
        ("I was charged twice and still no refund.", {("billing", "complaint")}),
        ("Le site plante au moment du paiement.", {("website_app", "complaint")}),
        ("The app is easy to use.", {("website_app", "praise")}),
        ("Impossible de résilier mon abonnement.", {("contract_cancellation", "complaint")}),
        ("I couldn't cancel my subscription online.", {("contract_cancellation", "complaint")}),
        # negation cancels or flips the cue before which it stands
        ("Le conseiller n'était pas impoli.", {("staff_attitude", "praise")}),
        ("The agent was not rude at all.", {("staff_attitude", "praise")}),
        ("Le conseiller n'était pas aimable.", {("staff_attitude", "complaint")}),
        ("The agent was not helpful.", {("staff_attitude", "complaint")}),
        ("Pas mal du tout, conseillère très agréable.", {("staff_attitude", "praise")}),
        ("Je n'ai jamais reçu mon colis.", {("delivery", "complaint")}),
        # must not be a complaint: the absence of the problem is praise
        ("No wait at all.", {("wait_time", "praise")}),
        ("Aucune attente, rien à redire.", {("wait_time", "praise")}),
        # praise words in the clause make a topic praise, complaint words a complaint
        ("Livraison rapide et soignée.", {("delivery", "praise")}),
        ("Very helpful agent.", {("staff_attitude", "praise")}),
        ("Facture incorrecte, on m'a prélevé 29,99 € de trop.", {("billing", "complaint")}),
        # one comment, several clauses, several themes with their own polarity
        ("Agent charmant mais 40 minutes d'attente",
         {("staff_attitude", "praise"), ("wait_time", "complaint")}),
        ("No wait at all, very helpful agent. Didn't call back though.",
         {("wait_time", "praise"), ("staff_attitude", "praise"), ("follow_up", "complaint")}),
        # a phrase inside a longer one of another theme belongs to the longer one
        ("J'ai dû rappeler trois fois.", {("unresolved", "complaint")}),
        ("The driver was rude and threw the parcel over the fence.", {("delivery", "complaint")}),
        # no theme at all
        ("Merci.", set()),
        ("RAS", set()),
        ("J'ai appelé hier soir pour mon dossier.", set()),
    ],
)  # fmt: skip
def test_themes_and_polarity(text: str, expected: set[tuple[str, str]]) -> None:
    assert _themes(text)[0] == expected


def test_robust_to_what_customers_type() -> None:
    long_text = "Bonjour. " + "Le service est correct. " * 450 + "Mais 2 heures d'attente !!!"
    texts = [
        "atente interminable au telephone",  # typo and missing accents
        "remboursemnt toujours pas fait",
        "I havent recieved my refund",
        "THE APP KEEPS CRASHING",
        "Le technicien était top, really professional 👍 <br> https://example.com/wait-time",
        '<script>alert("x")</script> <b>Livraison</b> en retard',
        long_text,
        "",
        "😡😡😡",
    ]
    found = _themes(*texts)
    assert ("wait_time", "complaint") in found[0]
    assert ("billing", "complaint") in found[1]
    assert "billing" in {t for t, _ in found[2]}
    assert ("website_app", "complaint") in found[3]
    # the URL's words are no evidence; emoji and tags are no words
    assert found[4] == {("staff_attitude", "praise")}
    assert found[5] == {("delivery", "complaint")}
    assert ("wait_time", "complaint") in found[6] and len(long_text) > 10_000
    assert found[7] == found[8] == set()


def test_evidence_is_the_text_at_its_span() -> None:
    texts = [
        "Très bien 👍 mais l’attente était interminable… et le conseiller IMPOLI",
        "Colis jamais reçu 📦, https://suivi.example.fr/123 — remboursement en attente",
        "The refund took forever. <br>Agent was lovely though!",
    ]
    frame = pl.DataFrame({"id": range(3), "text": texts})
    found = comment_themes(frame, tag_comments(frame, default_taxonomy()))
    assert found.height >= 6
    for row in found.iter_rows(named=True):
        assert texts[row["id"]][row["span_start"] : row["span_end"]] == row["evidence"]
    evidence = set(found["evidence"])
    # accents, emoji, a URL and a tag before them do not shift the spans
    assert {"attente", "IMPOLI", "jamais reçu", "took forever", "Agent"} <= evidence


def test_language_per_comment() -> None:
    frame = pl.DataFrame(
        {
            "id": range(7),
            "text": [
                "Le conseiller était très aimable",
                "The agent was very kind",
                "Sehr gut, danke schön",
                "Conseillère au top",  # accents decide a tie
                "The conseiller was nice but I waited 30 min, c'est long",
                "On m'a raccroché au nez",  # elisions are French
                "Gaz coupé par erreur pendant 2 jours",  # no frequent word, but accents
            ],
        }
    )
    languages = dict(tag_comments(frame, default_taxonomy()).languages.iter_rows())
    assert languages == {0: "fr", 1: "en", 2: "other", 3: "fr", 4: "en", 5: "fr", 6: "fr"}


def test_results_do_not_depend_on_batches() -> None:
    texts = [f"Attente de {k} minutes, conseiller aimable. Refund never came." for k in range(50)]
    frame = pl.DataFrame({"id": range(50), "text": texts})
    whole = tag_comments(frame, default_taxonomy())
    batched = tag_comments(frame, default_taxonomy(), batch=7)
    assert whole.mentions.sort("id", "start", "theme").equals(
        batched.mentions.sort("id", "start", "theme")
    )
    assert whole.languages.sort("id").equals(batched.languages.sort("id"))


def _theme(**changes) -> dict:
    theme = {
        "id": "parking",
        "owner": "logistics",
        "label": {"fr": "Stationnement", "en": "Parking"},
        "description": {"fr": "Se garer au magasin.", "en": "Parking at the store."},
        "action": {"fr": "Agrandir le parking.", "en": "Extend the car park."},
        "patterns": {"fr": {"complaint": ["pas de place pour se garer"], "topic": ["parking"]},
                     "en": {"topic": ["car park", "parking"]}},
    }  # fmt: skip
    return theme | changes


def test_the_default_taxonomy_covers_the_required_themes() -> None:
    taxonomy = default_taxonomy()
    assert {t.id for t in taxonomy.themes} >= {
        "wait_time", "staff_attitude", "agent_knowledge", "unresolved", "follow_up",
        "procedures_transfers", "contact_channels", "product_quality", "delivery", "billing",
        "website_app", "contract_cancellation",
    }  # fmt: skip
    for theme in taxonomy.themes:
        assert theme.label.fr and theme.label.en and theme.action.fr and theme.action.en
        assert set(theme.patterns) == {"fr", "en"}


def test_invalid_taxonomies_name_the_theme_and_the_problem(tmp_path: Path) -> None:
    bad = {
        "themes": [
            _theme(owner="marketing"),
            _theme(id="Wait Time"),
            _theme(id="empty", patterns={"fr": {}}),
            {k: v for k, v in _theme(id="no_action").items() if k != "action"},
            _theme(id="parking"),
        ]
    }
    with pytest.raises(TaxonomyError) as caught:
        parse_taxonomy(bad, "mine.yaml")
    problems = caught.value.problems
    assert any(p.startswith("themes[0] (parking).owner: Input should be 'customer_service'")
               for p in problems), problems  # fmt: skip
    assert any(
        p.startswith("themes[1] (Wait Time).id: an id in lower_snake_case") for p in problems
    )
    assert "themes[2] (empty): at least one pattern, under patterns.fr or patterns.en" in problems
    assert "themes[3] (no_action).action: required key is missing" in problems
    path = tmp_path / "taxonomy.yaml"
    path.write_text(yaml.safe_dump({"themes": [_theme(), _theme()]}))
    with pytest.raises(TaxonomyError, match="unique theme ids"):
        read_taxonomy(path)


def test_patterns_the_tagger_cannot_read_are_reported() -> None:
    long = _theme(patterns={"fr": {"complaint": ["un deux trois quatre cinq six sept"]}})
    empty = _theme(id="links", patterns={"en": {"topic": ["www.example.com"]}})
    taxonomy = parse_taxonomy({"themes": [long, empty]})
    with pytest.raises(TaxonomyError) as caught:
        tag_comments(pl.DataFrame({"id": [0], "text": ["x"]}), taxonomy)
    assert set(caught.value.problems) == {
        "parking: 'un deux trois quatre cinq six sept' has more than 6 words",
        "links: 'www.example.com' has no word the tagger reads (URLs and tags are not)",
    }


def test_validate_config_reads_the_patterns_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = yaml.safe_load(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    long = _theme(patterns={"en": {"complaint": ["one two three four five six seven"]}})
    config = tmp_path / "satisfaction.yaml"
    config.write_text(yaml.safe_dump(data | {"themes": [long]}, allow_unicode=True))
    assert main(["validate-config", "--config", str(config)]) == 2
    assert "'one two three four five six seven' has more than 6 words" in capsys.readouterr().err


def test_the_config_extends_or_replaces_the_taxonomy(tmp_path: Path) -> None:
    data = yaml.safe_load(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    own_wait = _theme(
        id="wait_time", owner="customer_service", patterns={"en": {"complaint": ["till queue"]}}
    )
    settings = parse_settings(data | {"themes": [_theme(), own_wait]})
    taxonomy = settings.theme_taxonomy()
    ids = [t.id for t in taxonomy.themes]
    assert "parking" in ids and len(ids) == len(default_taxonomy().themes) + 1
    assert taxonomy.theme("wait_time").label.en == "Parking"  # replaced by id
    found = _themes("Pas de place pour se garer au parking.", "Long till queue", taxonomy=taxonomy)
    assert found == [{("parking", "complaint")}, {("wait_time", "complaint")}]
    # a file of one's own, beside the config, and nothing else
    (tmp_path / "mine.yaml").write_text(yaml.safe_dump({"themes": [_theme()]}))
    own = parse_settings(data | {"taxonomy": "mine.yaml"}).theme_taxonomy(tmp_path)
    assert [t.id for t in own.themes] == ["parking"]
    assert parse_settings(data | {"taxonomy": "none"}).theme_taxonomy().themes == []
    with pytest.raises(ConfigError, match=r"themes\[0\] \(parking\)\.owner"):
        parse_settings(data | {"themes": [_theme(owner="nobody")]})


def test_gold_set_figures_hold_on_the_held_out_half() -> None:
    """The patterns were tuned on the even ids; the odd ids measure them (README figures)."""
    taxonomy = default_taxonomy()
    gold = read_gold(GOLD)
    assert len(gold.items) >= 300
    held_out = replace(gold, items=[e for e in gold.items if int(e.id[1:]) % 2 == 1])
    scores = evaluate(held_out, taxonomy_predictor(taxonomy), [t.id for t in taxonomy.themes])
    assert scores.micro["f1"] >= 0.75, scores.per_theme
    assert scores.micro["precision"] >= 0.80
    assert scores.micro["polarity_accuracy"] >= 0.65


def test_gold_files_are_checked(tmp_path: Path) -> None:
    known = {t.id for t in default_taxonomy().themes}
    path = tmp_path / "gold.csv"
    path.write_text("comment,labels\nok,wait_time:complaint\nbad,waiting:complaint\n")
    # a theme the engine cannot find is a warning, and counts as missed: never an abort
    warning = unknown_themes(read_gold(path), known, "the taxonomy")
    assert "theme(s) 'waiting' (first in 3) are not in the taxonomy, so every one counts" in warning
    path.write_text("comment,labels\nok,wait_time:angry\n")
    with pytest.raises(GoldError, match=r"row 2, column 'labels': polarity 'angry' is not one"):
        read_gold(path)
    path.write_text("remark,labels\nok,\n")
    with pytest.raises(GoldError, match=r"no text column .*found \['remark', 'labels'\]"):
        read_gold(path)


def test_themes_evaluate_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["themes", "evaluate", "--gold", str(GOLD), "--config", str(EXAMPLE_CONFIG)]) == 0
    out = capsys.readouterr().out
    assert "wait_time" in out and "micro-average" in out and "polarity accuracy" in out
    assert (
        main(["themes", "evaluate", "--gold", "missing.csv", "--config", str(EXAMPLE_CONFIG)]) == 1
    )


def test_the_pipeline_stores_themes_with_their_evidence(pipeline_env: Paths) -> None:
    assert main(["run", "--week", LAST_WEEK.isoformat()]) == 0
    with duckdb.connect(str(pipeline_env.warehouse), read_only=True) as conn:
        rows = conn.execute(
            "SELECT t.theme, t.polarity, t.evidence, t.language, t.method,"
            " substring(r.comment, t.span_start + 1, t.span_end - t.span_start)"
            " FROM marts.comment_themes t JOIN marts.responses r USING (response_key)"
        ).fetchall()
        commented = conn.execute(
            "SELECT count(*) FROM marts.responses WHERE has_comment AND week = ?", [LAST_WEEK]
        ).fetchall()[0][0]
    assert rows and all(r[2] == r[5] for r in rows)
    themes = {(r[0], r[1]) for r in rows}
    # the demo's last week: a phone queue that costs a lot, and friendly agents
    assert ("wait_time", "complaint") in themes and ("staff_attitude", "praise") in themes
    assert {r[3] for r in rows} <= {"fr", "en", "other"}
    # the default model reads the default themes; the config adds no pattern of its own
    assert "model" in {r[4] for r in rows} <= {"model", "discovery"}
    with duckdb.connect(str(pipeline_env.warehouse), read_only=True) as conn:
        engines = dict(conn.execute("SELECT method, engine FROM marts.comment_themes").fetchall())
    assert re.fullmatch(r"default model [0-9a-f]{12}", engines["model"]), engines
    assert len({r[2] for r in rows}) > 5 and commented > 0
