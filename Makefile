# apigw-lab: `make lab` opens the course, `make test` runs every test. Both set themselves up.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
JA_SETTINGS = .apigw-lab/jupyterlab-ja
STAMP   = $(VENV)/.installed-$(shell cksum requirements.txt pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: setup lab lab-ja test lint unit notebooks exercises ja translations bench bench-instructions lock clean site browser

# requirements.txt pins every package, so nothing is left to resolve (--no-deps). uv (a wheel
# from PyPI) downloads them in parallel: about 25 s instead of pip's 5 minutes here; if uv
# cannot be had or fails, pip installs them as before. Both write the packages' bytecode
# (.pyc) at install time (uv: --compile-bytecode; pip does by default), and the helpers'
# bytecode is written here too: where PYTHONDONTWRITEBYTECODE is set (as on this project's
# machines) Python would otherwise compile moto, boto3, IPython, ... from source in every
# kernel and test worker, about 5 s of CPU each.
UV_VERSION = 0.13.8

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "apigw-lab needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	( $(BIN)/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION) && \
	  $(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python --no-deps \
	    -r requirements.txt ) || \
	  $(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e . || \
	  $(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	$(BIN)/python -m compileall -q -j 0 helpers > /dev/null
	rm -f $(VENV)/.installed-*
	touch $@

setup: $(STAMP)

## Open the course in JupyterLab (moto target: no AWS account needed), with the course's
## JupyterLab settings (jupyter/settings/overrides.json) under your own.
LAB_SETTINGS = --LabApp.app_settings_dir=$(CURDIR)/jupyter/settings
lab: setup
	$(BIN)/jupyter lab $(LAB_SETTINGS) notebooks/00-welcome.ipynb

## Open the Japanese edition: notebooks/ja, the helpers' messages in Japanese
## (APIGW_LAB_LANG=ja), JupyterLab's own interface in Japanese (its settings live in
## .apigw-lab/jupyterlab-ja; Settings → Language switches back).
lab-ja: setup
	@mkdir -p $(JA_SETTINGS)/@jupyterlab/translation-extension
	@test -f $(JA_SETTINGS)/@jupyterlab/translation-extension/plugin.jupyterlab-settings || \
		echo '{"locale": "ja_JP"}' > $(JA_SETTINGS)/@jupyterlab/translation-extension/plugin.jupyterlab-settings
	APIGW_LAB_LANG=ja JUPYTERLAB_SETTINGS_DIR=$(JA_SETTINGS) $(BIN)/jupyter lab $(LAB_SETTINGS) \
		notebooks/ja/00-welcome.ipynb

## Everything CI runs: lint, exercises in sync, unit + behaviour tests, notebooks (nbval).
## Tests run in parallel workers (one per core; WORKERS=0 runs them in this process), each
## with its own moto, lab and localhost ports; --dist loadfile keeps a file's tests (and a
## notebook's cells) on one worker, in order.
WORKERS ?= auto
test: setup
	$(BIN)/ruff check .
	$(BIN)/python scripts/make_exercises.py --check
	$(BIN)/python scripts/i18n.py check
	$(BIN)/pytest --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg \
		-p no:cacheprovider -n $(WORKERS) --dist loadfile tests notebooks labs/solutions

lint: setup
	$(BIN)/ruff check .

unit: setup
	$(BIN)/pytest -n $(WORKERS) --dist loadfile tests

notebooks: setup
	$(BIN)/pytest --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg \
		-n $(WORKERS) --dist loadfile notebooks labs/solutions

## Regenerate the learners' exercises from the solution notebooks.
exercises: setup
	$(BIN)/python scripts/make_exercises.py

## Regenerate the Japanese edition (notebooks/ja, labs/solutions/ja, labs/exercises/ja)
## from the English notebooks and the translation files in i18n/ja/.
ja: setup
	$(BIN)/python scripts/i18n.py build

## Write or update the translation files in i18n/ja/ (a skeleton for a new notebook, `todo`
## marks where the English changed). Start a pending notebook with NB=notebooks/NN-name.ipynb.
translations: setup
	$(BIN)/python scripts/i18n.py translations $(NB)

## Throughput of the emulator and notebook run times.
bench: setup
	$(BIN)/python benchmarks/run.py

## Instructions per request (valgrind): figures a busy machine does not move.
bench-instructions: setup
	$(BIN)/python benchmarks/instructions.py

## The course website from the committed notebooks, not re-executed: build/site/index.html.
site: setup
	$(BIN)/python scripts/build_site.py

## The browser test: JupyterLab and the built site in headless Chromium (Debian's chromium and
## chromium-driver; without them it is skipped with a one-line reason). .ci/run runs it.
browser: site
	APIGW_LAB_BROWSER=1 $(BIN)/pytest -p no:cacheprovider -rs --durations=8 tests/browser

## Re-pin requirements.txt from requirements.in.
lock:
	$(PYTHON) -m venv /tmp/apigw-lab-lock && /tmp/apigw-lab-lock/bin/pip install -q -r requirements.in
	(echo "# Generated from requirements.in by \`make lock\`; do not edit by hand."; \
	 /tmp/apigw-lab-lock/bin/pip freeze --exclude-editable) > requirements.txt

clean:
	rm -rf $(VENV)
