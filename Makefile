# The two set-up commands: `make run` (install and start the app) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
# Pango for WeasyPrint; DejaVu is only a fallback, the PDFs use the fonts in static/fonts. The
# fonts-* after it print what DejaVu lacks: Chinese, Japanese and Korean, Devanagari, emoji;
# Amiri is the Arabic PDFs' text face.
RUNTIME_DEBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
	fonts-wqy-microhei fonts-lohit-deva fonts-noto-color-emoji fonts-hosny-amiri
TEST_DEBS := $(RUNTIME_DEBS) poppler-utils qpdf postgresql chromium nginx openssl
# The tests whose subject is what the database does (saving, locking and conflicts, search,
# accounts and sessions, audit, migrations, time stored in UTC, tamper checks, links and
# follow-ups, settings versions) run a second time on PostgreSQL. Tests of what a page or PDF
# says (neutrality, languages, the check page) run on SQLite only: their saves are the same
# queries the tests above already run on both.
DB_TESTS := tests/test_consultation.py tests/test_discussions.py tests/test_accounts.py \
	tests/test_reproducible.py tests/test_migrations.py tests/test_security.py \
	tests/test_health.py tests/test_tamper.py tests/test_bad_input.py tests/test_sign_in_load.py \
	tests/test_clinic_time.py \
	tests/test_signoff.py tests/test_health_questions.py tests/test_record_export.py tests/test_followup.py tests/test_clinic_details.py tests/test_patient_link.py \
	tests/test_patient_link_after.py tests/test_languages.py

.PHONY: run test install install-test bench clean messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

install: $(BIN)/python
	scripts/system-deps.sh $(RUNTIME_DEBS)
	$(BIN)/python -m pip install -q -e .
	$(BIN)/pybabel -q compile -d decision_aid/translations

install-test: $(BIN)/python
	scripts/system-deps.sh $(TEST_DEBS)
	$(BIN)/python -m pip install -q -e '.[test]'
	$(BIN)/pybabel -q compile -d decision_aid/translations
	scripts/fhir-schema.sh $(VENV)/share/fhir-r4

run: install
	$(BIN)/flask --app decision_aid init-db
	$(BIN)/flask --app decision_aid run --host $(HOST) --port $(PORT)

# Two passes side by side, so both cores stay busy: the browser tests one at a time (each drives
# a real Chromium against a real server with short timeouts; two Chromiums at once on 2 cores time
# out, and they mostly wait on Chromium and their timers), and beside them the tests without a
# browser spread over the cores (pytest-xdist, one worker a core; TEST_WORKERS=0 runs them in one
# process), then those that touch the database again on PostgreSQL. Both passes share one folder
# of rendered PDFs (tests/conftest.py: a document is rendered once per run), removed at the end.
TEST_WORKERS ?= auto
test: install-test
	export TEST_PDF_RENDERS=$$(mktemp -d) && trap 'rm -rf "$$TEST_PDF_RENDERS"' EXIT && \
	scripts/side-by-side.sh browser "$(BIN)/python -m pytest -q tests/browser" \
		databases "$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --ignore=tests/browser && \
			scripts/with-postgres.sh $(BIN)/python -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) $(DB_TESTS)" && \
	$(BIN)/bandit -q -r decision_aid -ll

# The quick benchmarks; the load and 100,000-discussion ones are in the README with their commands.
bench: install-test
	$(BIN)/python benchmarks/handout_render.py
	$(BIN)/python benchmarks/summary_render.py
	$(BIN)/python benchmarks/pdf_memory.py

# After marking strings: the template of every marked string, and each catalog brought up to date
# (new strings arrive empty; tests/test_catalogs.py fails until each is translated). README "Languages".
messages:
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k _l --ignore-dirs=".* .venv __pycache__ build dist" --no-location --sort-output --omit-header -o decision_aid/translations/messages.pot .
	$(BIN)/pybabel update -i decision_aid/translations/messages.pot -d decision_aid/translations --no-fuzzy-matching --ignore-pot-creation-date

clean:
	rm -rf $(VENV) .pytest_cache build dist *.egg-info
