# FlashDeal. `make test` and `make demo` set everything up themselves on a fresh clone.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Lambda runs python3.12; use it for the venv and for `sam build` (found on PATH or under pyenv).
# (pyenv's shim answers `command -v` even when it would refuse to run, so each candidate is tried.)
PY312 := $(shell for c in $$(command -v python3.12) $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.12*/bin/python3.12; do \
	"$$c" --version >/dev/null 2>&1 && { echo "$$c"; break; }; done)
PYTHON ?= $(or $(PY312),python3)
VENV := .venv
BIN := $(VENV)/bin
SAM_VENV := .venv-sam
SAM := $(SAM_VENV)/bin/sam
DYNALITE := emulators/node_modules/dynalite/cli.js
# make foundation / teardown-foundation: the stack flashlab.deployed.foundation reads, in samconfig.toml's region for ENV
FOUNDATION_STACK = flashdeal-foundation-$(ENV)
FOUNDATION_REGION = $$($(BIN)/python -c 'from flashlab.deployed.stack import samconfig_region; print(samconfig_region("$(ENV)"))')
export PATH := $(if $(PY312),$(dir $(PY312)):,)$(PATH)
export SAM_CLI_TELEMETRY := 0
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help install test test-unit test-integration test-e2e lint build validate migrate foundation deploy teardown teardown-foundation clean \
	local demo dashboard locks lab-observability load load-users smoke bench bench-quick bench-front capacity e2e-localstack reconcile redrive openapi test-fuzz chaos restore-drill

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(BIN)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] < (3, 12))' 2>/dev/null || { \
		echo "FlashDeal needs Python 3.12 (Lambda's python3.12); $(PYTHON) is $$($(PYTHON) --version 2>&1)."; \
		echo "Install it (pyenv install 3.12, or your package manager) or run: make PYTHON=/path/to/python3.12 ..."; \
		exit 1; }
	@echo "==> creating $(VENV) with $(PYTHON) ($$($(PYTHON) --version 2>&1))"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	@touch $@

$(SAM): ## SAM CLI lives in its own venv: its pins clash with moto's
	@echo "==> installing the SAM CLI into $(SAM_VENV)"
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install -q --upgrade pip
	$(SAM_VENV)/bin/pip install -q aws-sam-cli

$(DYNALITE): emulators/package-lock.json ## DynamoDB for the embedded stack (dynalite, from npm)
	@command -v npm >/dev/null || { echo "the embedded stack's DynamoDB (dynalite) needs Node.js 18+ and npm:"; \
		echo "install them (apt-get install nodejs npm), or run with ARGS=\"--dynamodb moto\""; exit 1; }
	@echo "==> installing dynalite into emulators/ (once, a few seconds)"
	npm ci --prefix emulators --no-audit --no-fund --loglevel=error
	@touch $@

install: $(BIN)/.installed $(SAM) $(DYNALITE) ## create the venvs and install dynalite (done on demand by the other targets)

test: install ## run every test tier (unit, integration, e2e, fuzz)
	@FLASHDEAL_SAM=$(CURDIR)/$(SAM) scripts/run-tests $(BIN)/pytest

test-unit: $(BIN)/.installed ## unit tier only
	$(BIN)/pytest tests/unit -q

test-integration: $(BIN)/.installed $(DYNALITE) ## integration tier only (embedded Postgres + moto)
	$(BIN)/pytest tests/integration -q

test-e2e: $(BIN)/.installed $(DYNALITE) ## e2e tier only (embedded stack, or FLASHDEAL_API_URL)
	$(BIN)/pytest tests/e2e -q

test-fuzz: $(BIN)/.installed $(DYNALITE) ## fuzz tier only: schemathesis over docs/openapi.json, no 5xx (FUZZ_EXAMPLES per route, default 60)
	$(BIN)/pytest tests/fuzz -q

openapi: $(BIN)/.installed ## rewrite docs/openapi.json from the Powertools resolvers
	$(BIN)/python -m flashlab.openapi

local: $(BIN)/.installed $(DYNALITE) ## the embedded stack in the foreground: API on 127.0.0.1:3000, moto on 4566
	$(BIN)/python -m flashlab.local $(ARGS)

demo: $(BIN)/.installed $(DYNALITE) ## start the stack, run a 5,000-buyer flash sale, print a report, write a plot
	$(BIN)/python -m flashlab.demo $(ARGS)

bench: $(BIN)/.installed ## contention lab: 5 strategies x workers 1/8/32/64 x batch 1/10/100 vs pgbench (~6 min); rewrites docs/lab/results.md
	$(BIN)/python -m flashlab.bench $(ARGS)

bench-quick: $(BIN)/.installed ## the lab's reduced matrix in about a minute; last line is the RESULT line
	$(BIN)/python -m flashlab.bench --quick $(ARGS)

capacity: $(BIN)/.installed ## the capacity and cost model from measured inputs: writes docs/capacity.md and its plot; RESULT line last
	$(BIN)/python -m flashlab.capacity $(ARGS)

bench-front: $(BIN)/.installed $(DYNALITE) ## the API tier: sequential accept p50, a 48-client burst by status, AWS calls per order; RESULT line last; writes docs/lab/front-door.json
	$(BIN)/python -m flashlab.front_bench $(ARGS)

lab-observability: $(BIN)/.installed $(DYNALITE) ## phase 2 lab: one burst on a naive sale and on a batched one, read from the stack's CloudWatch and dashboard; rewrites docs/lab/phase-2-observability.md
	$(BIN)/python -m flashlab.observability_lab $(ARGS)

lab-admission: $(BIN)/.installed $(DYNALITE) ## phase 3 lab: a 10x-overload burst, backlog shedding off then on; rewrites docs/lab/phase-3-admission-control.md
	$(BIN)/python -m flashlab.admission_lab overload $(ARGS)

lab-async: $(BIN)/.installed $(DYNALITE) ## phase 4 lab: the same burst with Postgres as it is, then slowed per order; rewrites docs/lab/phase-4-async.md
	$(BIN)/python -m flashlab.admission_lab async $(ARGS)

lab-hardening: $(BIN)/.installed $(DYNALITE) ## phase 7 lab: buyers and bots, with and without per-buyer limits and WAF; rewrites docs/lab/phase-7-hardening.md
	$(BIN)/python -m flashlab.admission_lab abuse $(ARGS)

dashboard: $(BIN)/.installed ## template.yaml's CloudWatch dashboard drawn from the running embedded stack (make local) as a PNG
	$(BIN)/python -m flashlab.dashboard $(ARGS)

locks: $(BIN)/.installed ## blocking chains in Postgres, live (the embedded stack's, or DATABASE_URL); ARGS="--count 10"
	$(BIN)/python -m flashlab.locks $(ARGS)

reconcile: $(BIN)/.installed ## settle stale PENDING orders and check the stock now (make local running, or ARGS="--function-name ...")
	$(BIN)/python -m flashlab.ops reconcile $(ARGS)

redrive: $(BIN)/.installed ## move dead-lettered orders back to the queue once the cause is fixed; says how many
	$(BIN)/python -m flashlab.ops redrive $(ARGS)

chaos: $(BIN)/.installed $(DYNALITE) ## six faults, each during a burst on a fresh stack; one row per fault (~10 min), RESULT line last
	$(BIN)/python -m flashlab.chaos $(ARGS)

restore-drill: $(BIN)/.installed $(DYNALITE) ## pg_dump the embedded Postgres mid-sale, restore into a new database, audit the stock
	$(BIN)/python -m flashlab.restore_drill $(ARGS)

load: $(BIN)/.installed ## Artillery against FLASHDEAL_API_URL (default http://127.0.0.1:3000: run make local first)
	scripts/run-load $(SCENARIO)

e2e-localstack: $(BIN)/.installed ## needs Docker: LocalStack + Postgres, deploy with samlocal, run tests/e2e by URL
	localstack/e2e.sh

lint: $(BIN)/.installed ## ruff and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy layers/flashdeal/flashdeal flashlab db

validate: install ## cfn-lint and sam validate --lint
	$(BIN)/cfn-lint template.yaml deploy/foundation.yaml
	$(SAM) validate --lint

build: install ## sam build (needs python3.12, found on PATH or under pyenv)
	$(SAM) build

migrate: $(BIN)/.installed ## apply db/migrations: to DATABASE_URL, or with ENV=dev|prod in the stack's VPC (its DbMigratorFunction)
	@if [ -n "$(ENV)" ]; then \
		$(SAM) remote invoke DbMigratorFunction --config-env $(ENV) --event '{}'; \
	else \
		$(BIN)/python -m db.migrate; \
	fi

load-users: $(BIN)/.installed ## N test buyers (default 100) in ENV's Cognito pool, ID tokens in .flashlab/buyers-ENV.csv
	@[ -n "$(ENV)" ] || { echo "make load-users needs ENV=dev|prod (a samconfig.toml environment)" >&2; exit 2; }
	$(BIN)/python -m flashlab.deployed.buyers --env $(ENV) --count $(or $(N),100)

smoke: $(BIN)/.installed ## after a deploy: create a sale (SigV4), buy as a test buyer, wait for it to settle, reconcile
	@[ -n "$(ENV)" ] || { echo "make smoke needs ENV=dev|prod (a samconfig.toml environment)" >&2; exit 2; }
	$(BIN)/python -m flashlab.deployed.smoke --env $(ENV)

foundation: install ## ENV=dev|prod: a new account's VPC, endpoints, Aurora cluster and its secret (deploy/foundation.yaml)
	@[ -n "$(ENV)" ] || { echo "make foundation needs ENV=dev|prod (a samconfig.toml environment)" >&2; exit 2; }
	$(SAM) deploy --template-file deploy/foundation.yaml --stack-name $(FOUNDATION_STACK) \
		--region $(FOUNDATION_REGION) --no-fail-on-empty-changeset

deploy: build ## sam deploy --config-env $${ENV:-dev}, after checking the concurrency parameters; takes the network and database from `make foundation` when it ran
	$(BIN)/python -m flashlab.check_params --config-env $${ENV:-dev}
	@overrides="$$($(BIN)/python -m flashlab.deployed.foundation --env $${ENV:-dev})" || exit 1; \
		echo "parameters: $$overrides"; \
		$(SAM) deploy --config-env $${ENV:-dev} --parameter-overrides "$$overrides"

teardown: install ## sam delete the stack of ENV (the database, its secret and the network are yours and stay)
	@[ -n "$(ENV)" ] || { echo "make teardown needs ENV=dev|prod (a samconfig.toml environment)" >&2; exit 2; }
	$(SAM) delete --config-env $(ENV)

teardown-foundation: install ## sam delete the foundation of ENV (after `make teardown`): Aurora leaves a final snapshot
	@[ -n "$(ENV)" ] || { echo "make teardown-foundation needs ENV=dev|prod" >&2; exit 2; }
	$(SAM) delete --stack-name $(FOUNDATION_STACK) --region $(FOUNDATION_REGION)

clean: ## remove build output and local state (keeps the venvs)
	rm -rf .aws-sam .flashlab .pytest_cache .mypy_cache .ruff_cache
