#!/usr/bin/env bash
# Installs the tools that benches/compare.sh measures segprep against, on a
# Debian machine that already has the Rust toolchain and python3/pip.
#
#   bash benches/install-peers.sh
#
# What it installs, and from where:
#   - hyperfine, GNU time            Debian packages (apt-get)
#   - duckdb, polars                 PyPI wheels (pip); duckdb-cli adds the
#                                    `duckdb` command-line shell
#   - huniq                          crates.io (cargo install; small, pure Rust)
#   - qsv                            skipped: it is not packaged by Debian, the
#                                    `qsv` names on PyPI and npm are unrelated
#                                    tools, and its crates.io release does not
#                                    build: `cargo install qsv --locked
#                                    --no-default-features --features lite`
#                                    (16.1.0) stops after 5.6 minutes on
#                                    `Json2Csv::preserve_key_order`, which the
#                                    published json-objects-to-csv lacks. Put a
#                                    qsv binary on PATH yourself and compare.sh
#                                    will measure it.
#
# Every step is best effort: a step that fails is reported and the others
# still run; compare.sh marks whatever is missing as not installed.
set -uo pipefail

log() { printf '[install-peers] %s\n' "$*" >&2; }
failed=()

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        log "not root and no sudo: apt-get steps will probably fail"
    fi
fi

# --- Debian packages ---------------------------------------------------------
if command -v apt-get >/dev/null 2>&1; then
    log "apt-get install hyperfine time"
    if ! { $SUDO apt-get update -qq \
        && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
            hyperfine time >/dev/null; }; then
        failed+=("apt: hyperfine time")
    fi
else
    log "no apt-get: install hyperfine and GNU time by other means"
    failed+=("apt-get missing")
fi

# --- PyPI ----------------------------------------------------------------------
PY="${PYTHON:-python3}"
if command -v "$PY" >/dev/null 2>&1; then
    log "pip install duckdb polars duckdb-cli"
    if ! "$PY" -m pip install -q --disable-pip-version-check duckdb polars; then
        failed+=("pip: duckdb polars")
    fi
    # The DuckDB shell as a wheel; optional (compare.sh falls back to python).
    if ! command -v duckdb >/dev/null 2>&1; then
        "$PY" -m pip install -q --disable-pip-version-check duckdb-cli \
            || failed+=("pip: duckdb-cli (optional)")
    fi
else
    log "no $PY: duckdb and polars skipped"
    failed+=("python3 missing")
fi

# --- crates.io -----------------------------------------------------------------
if command -v huniq >/dev/null 2>&1; then
    log "huniq already installed"
elif command -v cargo >/dev/null 2>&1; then
    log "cargo install huniq (a minute or so)"
    cargo install --locked -q huniq || cargo install -q huniq || failed+=("cargo: huniq")
else
    log "no cargo: huniq skipped"
    failed+=("cargo missing")
fi

# --- qsv -----------------------------------------------------------------------
if command -v qsv >/dev/null 2>&1 && qsv --list 2>/dev/null | grep -q extdedup; then
    log "qsv found on PATH: $(qsv --version 2>/dev/null | head -n1)"
else
    log "qsv skipped: no prebuilt binary in a reachable registry, and building it from source is too heavy"
fi

if [ "${#failed[@]}" -gt 0 ]; then
    log "done, with failures: ${failed[*]}"
    exit 1
fi
log "done"
