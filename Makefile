# Make targets are the interface: `make help` lists them.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

# Tests and builds run on the Lambda runtime's Node major, shipped by the `node` package on npm.
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)
# Runs a .ts entry point; the preload says in one line what to run when the Node found is too old for .ts files.
NODE_TS := node --import ./scripts/require-node.mjs


.PHONY: help install tools-background moto-background build test unit test-file chromium typecheck lint dev dev-url token revoke bench bench-warm-path audit tf-check tf-docs tf-validate tf-validate-if-provider tf-moto tf-moto-if-provider mutation mutation-survivors plan apply destroy clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-24s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: node_modules/.installed ## Install the pinned toolchain (Node 22, esbuild, mocha...) into node_modules

build: node_modules/.installed ## Bundle each functions/<name> into dist/<name>.zip (byte-reproducible), client/ into dist/client/
	$(NODE_TS) scripts/build.ts

typecheck: node_modules/.installed ## Type-check every TypeScript file
	tsc --noEmit -p tsconfig.json

lint: node_modules/.installed ## Biome: formatting and lint rules over TS/JS/JSON, no writes (fix: npx biome check --write .)
	biome ci .

# The browser-page tests need Chromium: scripts/chromium.sh finds it (or installs Debian's with apt as root);
# where it cannot, it prints one skip line and only those tests are left out.
MOCHA_WITH_BROWSER = if CHROMIUM="$$(scripts/chromium.sh)"; then export CHROMIUM; mocha; else mocha --ignore 'test/**/*.browser.test.ts'; fi

# tf-check comes after tf-validate and tf-moto, which need only terraform (and checkov, minutes ahead of them): on
# a first run, tflint and terraform-docs (built from source) finish in the background meanwhile.
test: tools-background build typecheck lint tf-validate-if-provider tf-moto-if-provider tf-check ## Run every check: type check, Terraform checks, all mocha tests (+ Chromium page test)
	@export MOCHA_TIER=all; $(MOCHA_WITH_BROWSER)

unit: node_modules/.installed ## Run the in-process tests only (no zips, servers or processes; seconds)
	MOCHA_TIER=unit mocha

test-file: build ## Run one test file: make test-file F=test/functions/authoriser/config.test.ts
	@test -n "$(F)" || { echo "make test-file: name the file, e.g. make test-file F=test/functions/authoriser/config.test.ts" >&2; exit 2; }
	mocha $(F)

# StrykerJS keeps its own package.json and mocha 11 (its mocha runner cannot load mocha 12): CONTRIBUTING.md.
scripts/mutation/node_modules/.installed: scripts/mutation/package.json scripts/mutation/package-lock.json
	npm ci --prefix scripts/mutation --no-audit --no-fund --loglevel=error
	@touch $@

mutation: node_modules/.installed scripts/mutation/node_modules/.installed ## StrykerJS over functions/ with the unit tier, incremental (MUTATE=functions/x.ts,... FORCE=1 CONCURRENCY=n IGNORE_STATIC=1 FRESH=1)
	MOCHA_TIER=unit scripts/mutation/node_modules/.bin/stryker run scripts/mutation/stryker.config.mjs \
	  $(if $(MUTATE),--mutate '$(MUTATE)') $(if $(FORCE),--force) $(if $(CONCURRENCY),--concurrency $(CONCURRENCY)) \
	  $(if $(IGNORE_STATIC),--ignoreStatic) $(if $(FRESH),--maxTestRunnerReuse 1)
	$(NODE_TS) scripts/mutation/survivors.ts

mutation-survivors: node_modules/.installed ## Rewrite scripts/mutation/SURVIVORS.md from the last run's dist/mutation/report.json (CHECK=1: only check; REPORTS='a.json b.json': several runs, later files win)
	REPORTS='$(REPORTS)' $(NODE_TS) scripts/mutation/survivors.ts $(if $(CHECK),--check)

chromium: ## Find Chromium for the page test, installing Debian's with apt when absent (as root)
	@scripts/chromium.sh

# Cold, the tools install in the background while npm ci, the build and the type check run; each install holds a
# lock, so the step that needs a tool waits for it rather than installing it again. Their output: dist/tools.log.
# tf-tools.sh starts first, beside moto rather than after it: its Go builds (tflint, then terraform-docs) are the longest.
tools-background:
	@mkdir -p dist && { scripts/tf-tools.sh & scripts/moto.sh; wait; } >/dev/null 2>dist/tools.log &

moto-background:
	@mkdir -p dist && scripts/moto.sh >/dev/null 2>dist/tools.log &

# Settings and the port are checked before the build, so a mistake is reported in a second, not after it.
dev: moto-background node_modules/.installed ## Run the whole stack on loopback: issuer, gateway, the built zips, the page at http://127.0.0.1:3001/
	@$(NODE_TS) scripts/dev.ts --check
	$(NODE_TS) scripts/build.ts
	$(NODE_TS) scripts/dev.ts

dev-url: node_modules/.installed ## Print a fresh one-time link to the running `make dev`'s browser page (PORT= when several run)
	@$(NODE_TS) scripts/dev-url.ts

token: node_modules/.installed ## Print a token the running `make dev` accepts (TOKEN_USER=alice TOKEN_GROUPS=a,b TOKEN_USE=id)
	@$(NODE_TS) scripts/token.ts

revoke: node_modules/.installed ## Close every connection of a user on the running `make dev`, through the revoke zip (TOKEN_USER=alice)
	@$(NODE_TS) scripts/revoke.ts

bench: build ## Benchmarks (+ a Rust reference row where cargo is); writes dist/bench/ (SAVE=1: the committed bench/results/)
	$(NODE_TS) bench/run.ts

bench-warm-path: node_modules/.installed ## The authoriser's warm path step by step against the crypto.verify floor (bench/results/warm-path.md)
	$(NODE_TS) bench/warm-path.ts

audit: node_modules/.installed ## npm audit of the runtime dependencies (what ships in the zips): no high or critical
	scripts/audit.sh

tf-check: node_modules/.installed ## Terraform: fmt, README tables, tflint, checkov (terraform from PATH; other tools cached in ~/.cache/wsauth-tools)
	scripts/tf-check.sh

tf-docs: ## Rewrite the reference tables of the Terraform READMEs with terraform-docs (tf-check fails when stale)
	scripts/tf-docs.sh

tf-validate: ## Terraform: init + validate + offline plan against the real AWS provider, checkov on the plan JSON
	scripts/tf-validate.sh

tf-validate-if-provider: ## tf-validate where a provider mirror is found on this machine, else one skip line
	scripts/tf-validate.sh --if-provider

tf-moto: build ## Terraform: terraform/README.md's walkthrough on moto: two regions, an upgrade, the two-region example, teardown
	scripts/tf-moto.sh

tf-moto-if-provider: build ## tf-moto where a provider mirror is found on this machine, else one skip line
	scripts/tf-moto.sh --if-provider

plan: build ## Your terraform (or tofu) from PATH: plan terraform/deploy with terraform/envs/<env>/<region>/ (ENV=prod REGION=eu-west-1 [TF_ARGS=...])
	scripts/tf.sh plan

apply: build ## Your terraform (or tofu) from PATH: apply terraform/deploy (ENV=..., REGION=..., [TF_ARGS=...])
	scripts/tf.sh apply

destroy: ## Your terraform (or tofu) from PATH: destroy terraform/deploy (ENV=..., REGION=..., [TF_ARGS=...])
	scripts/tf.sh destroy

clean: ## Remove build output (keeps the tool cache)
	rm -rf dist
