# Vigil's two commands:  `make run` (set up and start Vigil)  and  `make test` (set up and check everything).
# Both install what is missing first (scripts/setup.sh, idempotent and quick when done).

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
# Builds are kept outside the checkout, so fresh clones (and CI) reuse them.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/vigil/target
# Incremental caches only help an edit-compile loop; here they cost gigabytes per build.
export CARGO_INCREMENTAL ?= 0
# Cargo shares a workspace crate's build between checkouts of the same code at other paths, so a
# path compiled into a binary may be another checkout's: name this checkout's npm packages.
export VIGIL_NODE_MODULES := $(CURDIR)/node_modules
# Tools scripts/setup.sh builds once (the local Solana validator); named here because the test
# harness gives tests a HOME of their own.
export VIGIL_TOOLS_DIR ?= $(HOME)/.cache/vigil/tools
export PATH := $(CURDIR)/node_modules/.bin:$(VIGIL_TOOLS_DIR)/bin:$(HOME)/.cargo/bin:$(PATH)

E2E_APP := $(CARGO_TARGET_DIR)/e2e/vigil-desktop
export VIGIL_APP_BINARY := $(E2E_APP)
export VIGIL_SCREENSHOT_DIR ?= $(CARGO_TARGET_DIR)/screenshots

.PHONY: run test prune setup setup-app setup-test lint unit e2e-app e2e-deb deb dev extension

## Set up, start the local devnet (in the background; `vigil devnet down` stops it), choose it
## and the local Solana validator as the networks to act on, and start Vigil. The validator is
## built (the first time) and run in the background for as long as Vigil runs: the window does
## not wait for it, and its screens say so until it is ready.
run: setup-app e2e-app
	cargo build --quiet -p vigil-cli
	$(CARGO_TARGET_DIR)/debug/vigil devnet up
	$(CARGO_TARGET_DIR)/debug/vigil network use devnet
	$(CARGO_TARGET_DIR)/debug/vigil network use --solana localnet
	setsid bash -c 'scripts/build-validator.sh && exec $(CARGO_TARGET_DIR)/debug/vigil devnet solana' \
	  > $(CARGO_TARGET_DIR)/solana-validator.log 2>&1 & \
	  validator=$$!; trap 'kill -INT -- -$$validator 2>/dev/null' EXIT; $(E2E_APP)

## Set up and run every check and test: fmt, clippy, unit, integration and end-to-end.
## The tests run with loopback as their only network (scripts/offline.sh): built first, with
## the registries reachable, then run where nothing beyond 127.0.0.1 can be reached.
## On a fresh machine the Solana validator's first build runs in the background from the start
## (scripts/setup.sh --for test), overlapping the app's builds; the tests wait for it.
test: prune setup-test lint e2e-deb extension
	cargo nextest run --workspace --no-run
	scripts/build-validator.sh
	scripts/desktop-session.sh scripts/offline.sh cargo nextest run --workspace --no-fail-fast

## The browser extension (Manifest V3, Chromium and Firefox), packaged to load or publish:
## plain files, no build step and no remote code.
EXTENSION_ZIP := $(CARGO_TARGET_DIR)/vigil-extension.zip
extension:
	mkdir -p $(dir $(EXTENSION_ZIP))
	cd extension && python3 -m zipfile -c $(EXTENSION_ZIP) manifest.json inpage.js content.js background.js icon.png
	@echo "extension: $(EXTENSION_ZIP) (or load the folder extension/ unpacked)"

## Drop stale build artifacts, which cargo never deletes, so the shared build directory
## cannot fill the disk.
prune:
	python3 scripts/prune-target.py $(CARGO_TARGET_DIR)

setup:
	scripts/setup.sh

## What the window needs: no test tools, no Solana validator (make run builds that in the
## background).
setup-app:
	scripts/setup.sh --for run

setup-test:
	scripts/setup.sh --for test

lint:
	cargo fmt --all --check
	cargo deny --locked check licenses bans sources
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy -p vigil-ui --target wasm32-unknown-unknown -- -D warnings

## The app with its UI embedded (what the end-to-end tests drive), copied where
## `cargo build` of the workspace cannot overwrite it with a dev-server build.
e2e-app:
	npx tauri build --debug --no-bundle
	mkdir -p $(dir $(E2E_APP))
	cp $(CARGO_TARGET_DIR)/debug/vigil-desktop $(E2E_APP)

## The same build packaged as `make deb` packages the release: a test installs it.
e2e-deb: e2e-app
	npx tauri build --debug --bundles deb
	cp $(CARGO_TARGET_DIR)/debug/bundle/deb/Vigil_*_amd64.deb $(dir $(E2E_APP))vigil.deb

## The installable .deb (release build).
deb: setup-app
	npx tauri build --bundles deb
	@ls -l $(CARGO_TARGET_DIR)/release/bundle/deb/*.deb

## Development: the UI served on 127.0.0.1:1420 and rebuilt on change, and the shell in dev mode.
dev: setup
	npx tauri dev
