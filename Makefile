# `make demo` and `make test` each set up everything they need on a machine with Python >= 3.11:
# a private copy of uv in .tools/, then the locked dependencies in .venv/ (uv.lock).
PYTHON ?= python3
VENV := .venv
UV := .tools/bin/uv
UV_VERSION := 0.13.8
INSTALLED := $(VENV)/.installed

# Never download an interpreter: use the machine's Python.
export UV_PYTHON_DOWNLOADS := never
# Compile the dependencies' bytecode once, at install: where Python may not write it (a read-only
# install, PYTHONDONTWRITEBYTECODE) every run would compile spaCy, Dagster and the rest again,
# about 8 s of a weekly run.
export UV_COMPILE_BYTECODE := 1

.PHONY: setup demo test ui lint format bench bench-faults bench-ingest bench-scores bench-themes bench-theme-model bench-theme-quality bench-coding-loop bench-coding-order default-model bench-actions bench-movement bench-names bench-report bench-backfill bench-ui-path report-preview email-preview messages clean

setup: $(INSTALLED)

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(INSTALLED): pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

demo: setup ## generate demo exports and build their weeks; prints the report paths
	$(VENV)/bin/satisfaction-pipeline demo

test: setup ## lint, then the whole test suite
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/pytest

ui: setup ## the Dagster UI on http://localhost:3000 (uses ./demo unless SATISFACTION_* say otherwise)
	SATISFACTION_INBOX=$${SATISFACTION_INBOX:-demo/inbox} \
	SATISFACTION_WAREHOUSE=$${SATISFACTION_WAREHOUSE:-demo/warehouse.duckdb} \
	SATISFACTION_REPORTS=$${SATISFACTION_REPORTS:-demo/reports} \
	$(VENV)/bin/satisfaction-pipeline ui

lint: setup ## ruff, and the import contracts of docs/architecture.md
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: setup ## throughput figures (bench/)
	$(VENV)/bin/python bench/bench_pipeline.py

bench-coding-loop: setup ## the gain of coding 50/100/200 suggested comments vs random ones, on real labelled text
	$(VENV)/bin/python bench/coding_loop.py

bench-coding-order: setup ## orders of `themes suggest` compared on halves of the coding pools, never the held-back texts
	$(VENV)/bin/python bench/coding_order.py

bench-ui-path: setup ## a week and the demo's weeks: `dagster asset materialize`, then the UI itself, vs the CLI
	$(VENV)/bin/python bench/ui_path.py --ui

bench-backfill: setup ## 52 weeks of 1,000,000 responses through the real CLI backfill, vs a pandas script
	$(VENV)/bin/python bench/backfill.py

bench-ingest: setup ## ingest 1,000,000 generated responses vs DuckDB's bare read_csv
	$(VENV)/bin/python bench/ingest.py

bench-scores: setup ## weekly_scores of 10,000,000 responses vs a bare DuckDB GROUP BY
	$(VENV)/bin/python bench/scores.py

bench-themes: setup ## tag 1,000,000 generated comments with themes; comments/second
	$(VENV)/bin/python bench/themes.py

bench-theme-model: setup ## train a theme model on the gold set; comments/second it reads
	$(VENV)/bin/python bench/theme_model.py

bench-theme-quality: setup ## the default model vs the patterns on held-out and real texts
	$(VENV)/bin/python bench/theme_quality.py

default-model: setup ## rebuild the packaged theme model from corpus/themes/train_*.csv
	$(VENV)/bin/python -m satisfaction_pipeline.themes.corpus corpus/themes

messages: setup ## extract our English words into locales/messages.pot and merge them into each catalog
	$(VENV)/bin/pybabel extract -F babel.cfg -k N_ --no-location --sort-output -w 100 \
		--project satisfaction_pipeline -o satisfaction_pipeline/locales/messages.pot .
	$(VENV)/bin/pybabel update -i satisfaction_pipeline/locales/messages.pot \
		-d satisfaction_pipeline/locales --no-fuzzy-matching --ignore-obsolete -w 100

bench-actions: setup ## points at stake with their bootstrap: 200,000 responses x 15 themes
	$(VENV)/bin/python bench/actions.py

demo/warehouse.duckdb:
	$(MAKE) demo

bench-faults: setup ## kill -9 the weekly run at each step and half-way, run again, check nothing broke
	$(VENV)/bin/python bench/faults.py

bench-movement: setup ## why the scores moved: decomposition and spikes, 9 weeks x 200,000
	$(VENV)/bin/python bench/movement.py

bench-names: setup ## names redacted from quotes, on the labelled sample (corpus/names)
	$(VENV)/bin/python bench/names.py

bench-report: setup demo/warehouse.duckdb ## time to render the demo's last week to HTML and PDF
	$(VENV)/bin/python bench/report.py

report-preview: setup demo/warehouse.duckdb ## the demo's last week rendered now in French, English and German, as PNG pages (needs pdftoppm)
	@command -v pdftoppm >/dev/null || { echo "pdftoppm not found: apt install poppler-utils"; exit 1; }
	@for language in fr en de; do \
	  out=demo/preview/$$language; rm -rf $$out; \
	  $(VENV)/bin/python bench/report.py --repeat 1 --language $$language --out $$out >/dev/null && \
	  pdftoppm -png -r 80 $$out/report.pdf $$out/page && ls $$out/*.png; \
	done

email-preview: setup demo/warehouse.duckdb ## the demo's last week's e-mail in each language, photographed by headless Chromium at 375 and 800 px, light and dark (apt install chromium)
	$(VENV)/bin/python bench/email_preview.py --out demo/email-preview

clean:
	rm -rf $(VENV) .tools demo .dagster
