# Jixiao: `make run` and `make test` do all the set-up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test browser pdf-deps poppler lint bench fuzz schema docs clean vendor

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Jixiao needs Python 3.11 or newer (found: $$($(PYTHON) --version))"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

## run: install, print the sample documents' summary, migrate, create the three administrators (their
## passwords are printed the first time only), import and publish the samples, load their sample
## actuals (made up: src/jixiao/samples/README.md), serve on 127.0.0.1:8000
run: $(STAMP) pdf-deps
	$(BIN)/jixiao parse --quiet src/jixiao/samples/*.txt
	$(BIN)/jixiao db upgrade
	$(BIN)/jixiao user bootstrap
	$(BIN)/jixiao import --quiet --status published src/jixiao/samples/*.txt
	$(BIN)/jixiao report import --period M7 --submit src/jixiao/samples/actuals/redcross-2024-m7.json
	$(BIN)/jixiao report import --period final --submit src/jixiao/samples/actuals/*-final.json
	@echo "Business accounts are created by hand, each with a generated password printed once, e.g.:"
	@echo "  $(BIN)/jixiao user add tianbao --role filler --unit 上海市红十字会 --name 张三"
	@echo "  (roles: filler, unit_reviewer --unit NAME; department_reviewer --department NAME; finance_reviewer)"
	@echo "Jixiao: http://127.0.0.1:8000/"
	exec $(BIN)/jixiao serve

## test: install what the tests need (Python packages, Debian's chromium and CJK fonts, the PDF export's
## libraries, poppler), lint, run every test
test: $(STAMP) browser pdf-deps poppler lint
	$(BIN)/python -m pytest

# The browser tests drive Debian's chromium through Playwright (never a downloaded browser).
browser:
	@test -x /usr/bin/chromium && fc-list :lang=zh | grep -q . || { \
		echo "installing Debian's chromium and CJK fonts for the browser tests"; \
		$(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium fonts-noto-cjk; }

# The PDF export (WeasyPrint from pip) needs Pango, HarfBuzz's subsetter (without it the fonts are
# subset in Python: 20 pages took 12 s rather than 0.5 s) and the Noto CJK fonts it names.
LDCONFIG := $(shell command -v ldconfig || echo /sbin/ldconfig)
pdf-deps:
	@$(LDCONFIG) -p | grep -q 'libpangoft2-1.0.so.0 ' && $(LDCONFIG) -p | grep -q 'libharfbuzz-subset.so.0 ' \
		&& fc-list 'Noto Sans CJK SC' | grep -q . && fc-list 'Noto Serif CJK SC' | grep -q . || { \
		echo "installing Pango, HarfBuzz's subsetter and the Noto CJK fonts for the PDF export"; \
		$(SUDO) apt-get update -q && \
		$(SUDO) apt-get install -y -q libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk; }

# The PDF tests read the PDFs back with poppler's pdftotext, pdffonts and pdftoppm.
poppler:
	@command -v pdftotext >/dev/null && command -v pdffonts >/dev/null && command -v pdftoppm >/dev/null || { \
		echo "installing poppler-utils for the PDF tests"; \
		$(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q poppler-utils; }

lint: $(STAMP)
	$(BIN)/ruff check src tests bench fuzz

## bench: the benchmarks in bench/, each printed beside an anchor measured in the same run
bench: $(STAMP)
	@command -v wrk >/dev/null || { $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q wrk; }
	$(BIN)/python bench/bench_parse.py
	$(BIN)/python bench/bench_review.py
	$(BIN)/python bench/bench_evaluate.py
	$(BIN)/python bench/bench_web.py
	$(BIN)/python bench/bench_auth.py
	$(BIN)/python bench/bench_export.py
	$(BIN)/python bench/bench_read.py

## fuzz: schemathesis against the API's OpenAPI document, 60 s per caller (public, two tokens): no 5xx
fuzz: $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test,fuzz]'
	$(BIN)/python fuzz/fuzz_api.py

## schema: regenerate the published JSON Schemas of `jixiao parse --json` and of the open data
schema: $(STAMP)
	$(BIN)/python -m jixiao.jsonformat > schema/parse-output.schema.json
	$(BIN)/python -m jixiao.export.opendata > schema/open-data.schema.json

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache .ruff_cache

## docs: regenerate the rule pages in docs/rules/ from the code
docs: $(STAMP)
	$(BIN)/python -m jixiao.review.docs docs/rules

## vendor: re-copy the front-end files from npm (exact versions in package.json) into web/static/vendor/
ECHARTS_VERSION = $(shell node -p 'require("./package.json").dependencies.echarts')
vendor:
	npm install --no-audit --no-fund
	rm -f src/jixiao/web/static/vendor/echarts-*.min.js
	mkdir -p src/jixiao/web/static/vendor
	cp node_modules/echarts/dist/echarts.min.js src/jixiao/web/static/vendor/echarts-$(ECHARTS_VERSION).min.js
