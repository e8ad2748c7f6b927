# Hail: the commands in the README. `make test` is what CI runs.
CARGO ?= cargo

.PHONY: run test services fmt lint unit compose-check build

## Run a dev node on http://127.0.0.1:8080 (Postgres + Redis on localhost).
run: services
	HAIL_DEV=1 $(CARGO) run --release -p hail-server --bin hail -- serve

## Everything CI checks: formatting, clippy -D warnings, every test, compose file.
test: services
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	$(CARGO) test --workspace --locked
	bash compose/check.sh

## Start local Postgres and Redis when they are not answering.
services:
	@bash .ci/services.sh

fmt:
	$(CARGO) fmt --all

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

build:
	$(CARGO) build --release -p hail-server

compose-check:
	bash compose/check.sh
