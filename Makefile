# Hail: the commands in the README. `make test` is what CI runs.
CARGO ?= cargo

.PHONY: cluster cluster-stop run test services fmt lint deny bench compose-check build bench-micro client client-test client-e2e ts-types ts-check

# What the client build depends on: rebuilt by `make run` when any is newer.
CLIENT_SRC := $(shell find client/src client/public -type f 2>/dev/null) \
	$(wildcard client/*.html client/rider/*.html client/driver/*.html client/monitor/*.html) \
	$(wildcard client/package.json client/vite.config.ts client/tsconfig*.json)

## Run Hail on http://127.0.0.1:8080 on its embedded default: no Postgres
## or Redis needed; data in ./data/hail.db, kept across restarts.
run: client
	@echo "Hail: building, then serving on http://$${HAIL_BIND:-127.0.0.1:8080} (embedded store in ./data unless HAIL_DATABASE_URL is set)"
	HAIL_DEV=1 $(CARGO) run --release -p hail-server --bin hail -- serve

## Everything CI checks: formatting, clippy -D warnings, every test, compose file.
test: services
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	$(MAKE) deny
	$(CARGO) test --workspace --locked
	$(MAKE) ts-check
	$(MAKE) client-test
	$(MAKE) client-e2e
	bash compose/check.sh

## The browser apps in client/dist, built when missing or older than their sources.
client: client/dist/index.html

client/node_modules/.package-lock.json: client/package-lock.json
	cd client && npm ci --no-audit --no-fund

client/dist/index.html: client/node_modules/.package-lock.json $(CLIENT_SRC)
	cd client && npm run build

## The client's own checks: install (from package-lock.json), types, Vitest, build.
client-test:
	cd client && npm ci --no-audit --no-fund && npm run typecheck && npm test && npm run build

## The TypeScript wire types in client/src/lib/generated, derived from the
## Rust types in protocol/ (ts-rs, behind hail-protocol's `ts` feature).
TS_TYPES_DIR := client/src/lib/generated
ts-types:
	$(CARGO) test -p hail-protocol --features ts --locked --test ts_bindings

## Regenerates into a temporary directory; fails when the checked-in files differ.
ts-check:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	HAIL_TS_OUT="$$tmp" $(CARGO) test -p hail-protocol --features ts --locked --test ts_bindings -q >/dev/null && \
	if diff -ru $(TS_TYPES_DIR) "$$tmp"; then echo "ts-check: $(TS_TYPES_DIR) is up to date"; \
	else echo "ts-check: $(TS_TYPES_DIR) is out of date with protocol/src: run 'make ts-types' and commit the result" >&2; exit 1; fi

## End-to-end: the built apps in headless Debian Chromium (installed by
## .ci/chromium.sh) against real `hail serve` processes; screenshots land in
## client/e2e/screenshots/.
client-e2e:
	bash .ci/chromium.sh
	$(CARGO) build -p hail-server --bin hail --locked
	cd client/e2e && npm ci --no-audit --no-fund && npm run typecheck && npm test

## Dependency policy (deny.toml): licenses, bans, sources, and RustSec
## advisories where the database is reachable; installs cargo-deny once.
deny:
	bash .ci/deny.sh

## Start local Postgres and Redis when they are not answering.
services:
	@bash .ci/services.sh

## A local Redis Cluster (3 masters, 3 replicas on 127.0.0.1:7101-7106) from
## the machine's redis-server, for HAIL_REDIS_CLUSTER_NODES; the tests start
## private ones of their own.
cluster:
	@bash compose/redis-cluster.sh start

cluster-stop:
	@bash compose/redis-cluster.sh stop

fmt:
	$(CARGO) fmt --all

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

## Benchmarks (numbers in docs/benchmarks.md): the micro-benchmarks, then
## the harness scenarios against local nodes (server CPU per operation).
bench: bench-micro
	bash harness/bench.sh

## Criterion micro-benchmarks: wire codec, fare/ETA, geo search (Redis
## variant when 127.0.0.1:6379 answers), and the GPS writer.
bench-micro:
	$(CARGO) bench -p hail-server --bench codec --bench fare_eta --bench geo_search
	$(CARGO) bench -p hail-server --bench gps_persist

build:
	$(CARGO) build --release -p hail-server

compose-check:
	bash compose/check.sh
