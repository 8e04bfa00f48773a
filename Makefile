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
CDK := CDK_DISABLE_CLI_TELEMETRY=true infra/node_modules/.bin/cdk --no-notices

.PHONY: install run test lint unit integration e2e fuzz bench token synth openapi clean bootstrap diff deploy load-catalogue verify-log

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
	$(VENV)/bin/mypy chalicelib/domain chalicelib/services chalicelib/adapters chalicelib/wiring
	$(VENV)/bin/lint-imports

unit: install
	$(PY) -m pytest tests/unit

## Benchmarks with their targets against DynamoDB Local and moto (a few minutes); prints a table.
bench: install
	$(PY) -m bench.run

## make token ROLE=agency UNIT=hz-gaj | ROLE=citizen ID_NUMBER=... NAME=...
token: install
	@$(PY) -m scripts.token --role "$(ROLE)" --unit "$(UNIT)" --id-number "$(ID_NUMBER)" --name "$(NAME)"

## Synthesize every stage's stack offline into cdk.out/ (cdk-nag must pass), then cfn-lint them.
synth: install
	$(PY) -m infra.app --outdir cdk.out
	$(VENV)/bin/cfn-lint --regions cn-northwest-1 -- cdk.out/*.template.json

## Operators (README, "Deploying"), with the credentials of the stage's AWS China account:
## make bootstrap (once per account), make diff STAGE=<stage>, make deploy STAGE=<stage> [CDK_ARGS=...].
bootstrap: install $(CDK_CLI)
	$(CDK) bootstrap $(CDK_ARGS)

diff: install $(CDK_CLI)
	@$(PY) -m infra.stages "$(STAGE)"
	$(CDK) diff "$(STAGE)" $(CDK_ARGS)

deploy: install $(CDK_CLI)
	@$(PY) -m infra.stages "$(STAGE)"
	$(CDK) deploy "$(STAGE)" $(CDK_ARGS)

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
