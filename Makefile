# Lookalike: every install and run step lives here (CI runs `make test` through .ci/run).
SHELL := /bin/bash
.DEFAULT_GOAL := help
export ONNXRUNTIME_NODE_INSTALL := skip
export NODE_OPTIONS ?= --max-old-space-size=4096

NPM_STAMP := node_modules/.install-stamp
BUILD_STAMP := .tmp/build-stamp
SERVICES := embedding ingest search dedup anomaly feedback gateway
RUN_DIR := .tmp/run
API_PORT ?= 8080

.PHONY: help install build build-web native proto proto-check openapi openapi-check lint format typecheck \
        test test-unit test-integration test-e2e test-web test-browser services demo up up-compose down bench models seed clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(NPM_STAMP): package.json package-lock.json web/package.json
	npm ci --no-audit --no-fund
	@touch $@

install: $(NPM_STAMP) ## Install dependencies (npm ci; the onnxruntime CUDA download is skipped)

build: install ## Compile every lib and service (tsc project references), the native addons and the console
	npx tsc -b tsconfig.build.json
	$(MAKE) --no-print-directory native build-web

native: install ## The native addons: the quality pass's pixel sums (C++) and OpenCV for local features, where libopencv-dev is installed (else OpenCV.js runs)
	bash scripts/build-native.sh

build-web: install
	@if [ -f web/package.json ] && grep -q '"build"' web/package.json; then npm -w web run build; fi

proto: install ## Regenerate libs/contracts from proto/
	cd proto && ../node_modules/.bin/buf generate

proto-check: proto ## Fail when the generated contracts differ from the committed ones
	git diff --exit-code -- libs/contracts/src/generated || { echo 'proto/ and libs/contracts/src/generated have drifted: run make proto and commit'; exit 1; }

openapi: ## Write docs/openapi.json (and the endpoint reference in docs/API.md) from the gateway
	npx tsc -b services/gateway
	node services/gateway/dist/scripts/write-openapi.js docs/openapi.json docs/API.md

openapi-check: openapi ## Fail when docs/openapi.json or docs/API.md differ from the gateway's document
	git diff --exit-code -- docs/openapi.json docs/API.md || { echo 'docs/openapi.json or docs/API.md is stale: run make openapi and commit'; exit 1; }

lint: install ## ESLint and Prettier
	npx eslint .
	npx prettier --check .

format: install
	npx prettier --write .

typecheck: install
	npx tsc -p tsconfig.json --noEmit

services: ## Make sure NATS and PostgreSQL answer (starts the local ones if they are down)
	@bash .ci/ensure-services.sh

test: install build services ## The whole suite: drift checks, lint, unit, integration, end-to-end, console
	$(MAKE) --no-print-directory proto-check openapi-check lint typecheck
	npx jest --selectProjects unit --ci
	npx jest --selectProjects integration --ci --runInBand
	npx jest --selectProjects e2e --ci --runInBand
	$(MAKE) --no-print-directory test-web
	node --test scripts/seed/
	bash .ci/browser-test.sh

test-unit: install
	npx jest --selectProjects unit

test-integration: install services
	npx jest --selectProjects integration --runInBand

test-e2e: build services
	npx jest --selectProjects e2e --runInBand

test-web: install
	@if [ -f web/package.json ] && grep -q '"test"' web/package.json; then npm -w web test; fi

test-browser: build ## The console in headless Chromium against the embedded stack
	bash .ci/browser-test.sh

demo: build ## Start the embedded stack with sample images; prints the console and API URLs
	API_PORT=$(API_PORT) node services/embedded/dist/main.js

up: build services ## Distributed on this machine: every service its own process over NATS
	@bash deploy/local/up.sh $(SERVICES)

down: ## Stop what `make up` started
	@bash deploy/local/down.sh

bench: build services ## Every benchmark (BENCH_QUICK=1 for a CI-sized run); writes .bench/*.md, figures in docs/BENCHMARKS.md
	@bash scripts/bench/run-all.sh

seed: ## Load the sample images into a RUNNING stack and print a tour (SEED_URL, SEED_USER)
	@node scripts/seed/seed.mjs

models: ## Download the OpenCLIP ONNX exports with checksums (needs a network)
	@node scripts/models/fetch-models.mjs

clean:
	npx tsc -b tsconfig.build.json --clean
	rm -rf .tmp web/dist

up-compose: ## The distributed stack in containers (needs a container engine)
	docker compose -p lookalike -f docker-compose.yml up -d --build
	@echo "Console http://127.0.0.1:8080/  API http://127.0.0.1:8080/api  (stop: docker compose -p lookalike down)"
