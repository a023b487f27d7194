# Payvand — one Makefile for the workspace. `make help` lists the targets.
SHELL := /bin/bash
GO ?= go
MODULES := shared events functions infra
FUNCTIONS := $(shell sed -n 's/^[[:space:]]*Name:[[:space:]]*"\([a-z0-9-]*\)".*/\1/p' functions/manifest/manifest.go)
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X payvand.dev/shared/config.Version=$(VERSION)
STAGE ?= dev
export TMPDIR ?= /tmp
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
# jsii unpacks the CDK's JavaScript here, not in the home directory.
export JSII_RUNTIME_PACKAGE_CACHE_ROOT ?= $(TMPDIR)/payvand-jsii-cache
CDK := .cdk/node_modules/.bin/cdk

.PHONY: help build run test test-aws vet openapi bench synth cdk-cli deploy destroy coldstart clean

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

build: ## cross-compile every Lambda of the manifest to dist/<fn>/bootstrap (linux/arm64)
	@for fn in $(FUNCTIONS); do \
		echo "build $$fn"; \
		CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -C functions -tags lambda.norpc -trimpath \
			-ldflags='$(LDFLAGS)' -o ../dist/$$fn/bootstrap ./$$fn || exit 1; \
	done
	@ls -l dist/*/bootstrap | awk '{printf "%-32s %6.1f MB\n", $$9, $$5/1048576}'

run: ## run everything locally on 127.0.0.1:8080 with embedded storage in ./data
	PAYVAND_DATA_DIR="$${PAYVAND_DATA_DIR:-$(CURDIR)/data}" $(GO) run -C functions -ldflags='-X payvand.dev/shared/config.Version=$(VERSION)' ./local

vet: ## go vet every module
	@for m in $(MODULES); do (cd $$m && $(GO) vet ./...) || exit 1; done

test: vet ## vet and test every module (the store contract runs on both backends; moto_server is started by the tests)
	@for m in $(MODULES); do (cd $$m && $(GO) test -count=1 ./...) || exit 1; done

test-aws: ## only the DynamoDB backend tests against moto_server
	cd shared && $(GO) test -count=1 -v -run Contract ./store/dynamodb/

openapi: ## regenerate functions/platform/openapi.json (the document the platform Lambda serves) after changing routes
	cd functions && UPDATE_OPENAPI=1 $(GO) test -count=1 -run TestOpenAPIDocumentIsCurrent ./platform/

bench: ## benchmarks: create+get customer, search at 1,000 and 50,000 customers, completing a task and listing at 10,000 tasks (HTTP stack, embedded store)
	cd functions && $(GO) test -run '^$$' -bench . -benchmem ./api/customersapi/
	cd functions && $(GO) test -run '^$$' -bench BenchmarkSearch -benchtime=100x ./api/searchapi/
	cd functions && $(GO) test -run '^$$' -bench BenchmarkCompleteTask -benchtime=2000x ./api/tasksapi/
	cd functions && $(GO) test -run '^$$' -bench BenchmarkListTasks -benchtime=20x ./api/tasksapi/

synth: build ## synthesize the CloudFormation template into cdk.out/ (offline; STAGE=dev|prod)
	CDK_OUTDIR=cdk.out $(GO) run ./infra
	@ls -l cdk.out/*.template.json

cdk-cli: $(CDK) ## install the CDK CLI locally (.cdk/), e.g. to run `$(CDK) bootstrap`

$(CDK):
	npm install --no-save --no-audit --no-fund --prefix .cdk aws-cdk@2

deploy: build $(CDK) ## deploy to the AWS account of your credentials (run `$(CDK) bootstrap` once per account/region)
	$(CDK) deploy -c stage=$(STAGE) --require-approval broadening

destroy: $(CDK) ## delete the stack (prod keeps its table, bucket and logs)
	$(CDK) destroy -c stage=$(STAGE)

coldstart: ## cold-start benchmark of every Lambda against a hello-world Lambda (see bench/README.md)
	cd bench/coldstart && GOWORK=off $(GO) run . -root ../..

.PHONY: load
load: ## load the local runner over loopback: the customer mix at 1 and 8 clients (LOAD_ARGS='-mode idle' for the 5-minute idle run; see bench/README.md)
	cd bench/load && GOWORK=off $(GO) run . -root ../.. $(LOAD_ARGS)

clean: ## remove build outputs
	rm -rf dist cdk.out .cdk
