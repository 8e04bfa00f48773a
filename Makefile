# The contract for newcomers and CI: make run, make test (see README.md).
SHELL := /bin/bash
# The Python of .venv is the one .python-version names (the stages' Lambda runtime): by default
# python<version> on the PATH (pyenv's shims find it through .python-version); PYTHON=... names another.
PYTHON ?=
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
DDB_LOCAL := infra/local/node_modules/.installed
CDK_CLI := infra/node_modules/.installed
# The app's services' entries of botocore's endpoint data, cut from the botocore installed (a
# cold start reads these, not the whole 1.2 MB file: chalicelib/adapters/aws_clients.py).
TRIMMED_ENDPOINTS := chalicelib/_botocore/endpoints.json
# The CDK CLI pinned by infra/package-lock.json, without notices or telemetry (nothing leaves
# the machine but the calls to AWS itself).
CDK := infra/node_modules/.bin/cdk --no-notices
export CDK_DISABLE_CLI_TELEMETRY := true
# The operators' commands go through infra/operator.py: it refuses a planned stage and another
# account's credentials, and gives the CDK CLI and every AWS call the stage's region.
OPERATOR = $(PY) -m infra.operator --cdk "$(CDK)"

.PHONY: install run test lint unit integration e2e fuzz bench token synth openapi clean bootstrap diff deploy import redrive load-catalogue verify-log

install: $(INSTALLED) $(DDB_LOCAL) $(TRIMMED_ENDPOINTS)

$(INSTALLED): requirements.txt requirements-dev.txt infra/requirements.txt .python-version
	@scripts/venv.sh $(PYTHON)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

$(TRIMMED_ENDPOINTS): $(INSTALLED)
	$(PY) -m chalicelib.adapters.aws_clients

$(DDB_LOCAL): infra/local/package.json infra/local/package-lock.json
	cd infra/local && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(CDK_CLI): infra/package.json infra/package-lock.json
	cd infra && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

## Serve the API on 127.0.0.1:8000 with DynamoDB Local (8100) and moto (8200); Ctrl-C stops all.
run: install
	$(PY) -m infra.local.run

## Lint, then every test but the long Schemathesis runs, on two workers (each starts its own
## local services); CI runs `make fuzz` after it.
test: install lint
	$(PY) -m pytest -n 2 --dist loadgroup -m "not fuzz"

## The suites one at a time (one process), and the long Schemathesis runs for every role.
integration: install
	$(PY) -m pytest tests/integration

e2e: install
	$(PY) -m pytest tests/e2e -m "not fuzz"

fuzz: install
	$(PY) -m pytest -m fuzz

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy app.py chalicelib
	$(VENV)/bin/lint-imports

unit: install
	$(PY) -m pytest tests/unit

## Benchmarks with their targets against DynamoDB Local and moto (a few minutes); prints the
## tables and keeps them in docs/benchmarks-latest.txt (the current figures); fails on a miss.
bench: install
	set -o pipefail; $(PY) -m bench.run | tee docs/benchmarks-latest.txt

## make token ROLE=agency UNIT=hz-gaj | ROLE=citizen ID_NUMBER=... NAME=...
token: install
	@$(PY) -m scripts.token --role "$(ROLE)" --unit "$(UNIT)" --id-number "$(ID_NUMBER)" --name "$(NAME)"

## Synthesize stacks offline into cdk.out/ (cdk-nag must pass), then cfn-lint them:
## make synth STAGE=<stage> | CITY=<city> (the city and its counties) | neither: all 101 stages
## of infra/province.json, the app packaged once (docs/runbook.md says how long and how much disk).
synth: install
	rm -rf cdk.out
	$(PY) -m infra.app --outdir cdk.out $(if $(STAGE),--stage $(STAGE)) $(if $(CITY),--city $(CITY))
	$(VENV)/bin/cfn-lint --regions cn-northwest-1 cn-north-1 -- cdk.out/*.template.json

## Operators (docs/runbook.md), with the credentials of the stage's own AWS China account:
## make bootstrap STAGE=<stage> (once per account), make diff|deploy STAGE=<stage> [CDK_ARGS=...],
## make import STAGE=<stage> (re-create over what a deleted stack retained),
## make redrive STAGE=<stage> (the federation dead-letter queue back to the delivery queue).
bootstrap diff deploy import: install $(CDK_CLI)
	@$(OPERATOR) $@ "$(STAGE)" $(CDK_ARGS)

redrive: install
	@$(OPERATOR) redrive "$(STAGE)"

## Load a catalogue file into a stage over HTTP (CATALOGUE_TOKEN: a catalogue_admin token).
load-catalogue: install
	$(PY) -m scripts.load_catalogue --api "$(API)" --file "$(FILE)"

## Rebuild schemas/openapi.json from schemas/ and scripts/openapi.py.
openapi: install
	$(PY) -m scripts.openapi

## An outsider's check of a stage's logs: API=<the stage's URL> [HELD=<file of checkpoints kept>].
API ?= http://127.0.0.1:8000
verify-log: install
	$(PY) -m scripts.verify_log --api $(API) $(if $(HELD),--held $(HELD) --save)

clean:
	rm -rf $(VENV) infra/local/node_modules infra/node_modules chalicelib/_schemas chalicelib/_federation chalicelib/_botocore chalice.out cdk.out .pytest_cache .ruff_cache .mypy_cache
