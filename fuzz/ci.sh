#!/usr/bin/env bash
# Fuzz smoke run: build every target with nightly, replay the saved
# regressions, then fuzz each target for SECONDS (default 30) from its
# seeds. Exits non-zero when any target crashes or fails a check.
#
#   bash fuzz/ci.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-30}

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi
cargo +nightly fuzz build

targets=$(cargo +nightly fuzz list)
failed=()
for target in $targets; do
    regressions=(regressions/"$target"-*.bin)
    if [ -e "${regressions[0]}" ]; then
        echo "== $target: ${#regressions[@]} regression input(s)"
        if ! cargo +nightly fuzz run "$target" "${regressions[@]}"; then
            failed+=("$target (regression)")
            continue
        fi
    fi
    echo "== $target: fuzzing for ${secs}s"
    # New inputs go to corpus/ (ignored by git); the seeds stay as
    # they are.
    mkdir -p "corpus/$target"
    if ! cargo +nightly fuzz run "$target" "corpus/$target" \
        "seeds/$target" -- -max_total_time="$secs" -print_final_stats=1
    then
        failed+=("$target")
    fi
done

total=$(wc -w <<<"$targets")
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: failed: ${failed[*]} (inputs in fuzz/artifacts/)" >&2
    echo "fuzz: $((total - ${#failed[@]})) passed, ${#failed[@]} failed"
    exit 1
fi
echo "fuzz: $total passed, 0 failed"
