# Make targets are the interface: `make help` lists them.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

# Tests and builds run on the Lambda runtime's Node major, shipped by the `node` package on npm.
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)


.PHONY: help install build test unit chromium typecheck dev token bench audit tf-check tf-validate tf-validate-if-provider tf-moto tf-moto-if-provider plan apply clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-24s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: node_modules/.installed ## Install the pinned toolchain (Node 22, esbuild, mocha...) into node_modules

build: node_modules/.installed ## Bundle each functions/<name> into dist/<name>.zip (byte-reproducible)
	node scripts/build.ts

typecheck: node_modules/.installed ## Type-check every TypeScript file
	tsc --noEmit -p tsconfig.json

# The browser-page tests need Chromium: scripts/chromium.sh finds it (or installs Debian's with apt as root);
# where it cannot, it prints one skip line and only those tests are left out.
MOCHA_WITH_BROWSER = if CHROMIUM="$$(scripts/chromium.sh)"; then export CHROMIUM; mocha; else mocha --ignore 'test/**/*.browser.test.ts'; fi

test: build typecheck tf-check tf-validate-if-provider tf-moto-if-provider ## Run every check: type check, Terraform checks, all mocha tests (+ Chromium page test)
	@$(MOCHA_WITH_BROWSER)

unit: node_modules/.installed ## Run the mocha tests only (expects `make build` first)
	@$(MOCHA_WITH_BROWSER)

chromium: ## Find Chromium for the page test, installing Debian's with apt when absent (as root)
	@scripts/chromium.sh

dev: build ## Run the whole stack on loopback: issuer, gateway, the built zips, the page at http://127.0.0.1:3001/
	node scripts/dev/main.ts

token: node_modules/.installed ## Print a token the running `make dev` accepts (TOKEN_USER=alice TOKEN_GROUPS=a,b TOKEN_USE=id)
	@node scripts/dev/token.ts

bench: build ## Benchmarks: warm cost, cold start, sizes; writes dist/bench/ (SAVE=1: the committed bench/results/)
	node bench/run.ts

audit: node_modules/.installed ## npm audit of the runtime dependencies (what ships in the zips): no high or critical
	scripts/audit.sh

tf-check: node_modules/.installed ## Terraform: fmt, tflint, checkov (tools built/installed on first run into ~/.cache/wsauth-tools)
	scripts/tf-check.sh

tf-validate: ## Terraform: init + validate + offline plan against the real AWS provider (found, or built once)
	scripts/tf-validate.sh

tf-validate-if-provider: ## tf-validate where a provider mirror is found on this machine, else one skip line
	scripts/tf-validate.sh --if-provider

tf-moto: build ## Terraform: bootstrap + stack applied to moto (stand-in AWS), second plan empty, destroy
	scripts/tf-moto.sh

tf-moto-if-provider: build ## tf-moto where a provider mirror is found on this machine, else one skip line
	scripts/tf-moto.sh --if-provider

plan: build ## terraform plan in terraform/ (BACKEND=path/to/backend.hcl)
	scripts/tf.sh plan

apply: build ## terraform apply in terraform/ (BACKEND=path/to/backend.hcl)
	scripts/tf.sh apply

clean: ## Remove build output (keeps the tool cache)
	rm -rf dist
