#!/usr/bin/env bash
# Compares segprep with the I/O floor and with other dedupe tools, on warm
# page cache, several runs per command, medians.
#
#   bash benches/compare.sh [--runs N] [--data DIR] [--only KIND[,KIND]]
#                           [--install-peers] [--no-build]
#
#   --runs N          timed runs per command (default 5), after one untimed
#                     warm-up run that also checks the exit status
#   --data DIR        where the inputs live, a path without spaces (default
#                     bench-data/ at the repo root, gitignored); missing
#                     inputs are generated with examples/workload.rs,
#                     present ones are reused; outputs go to a scratch
#                     folder inside it, removed at exit; the tables are also
#                     saved as DIR/compare-last.txt
#   --only KINDS      gaid, unique, emails, or a comma-separated list; also
#                     dups (not run by default): check and clean of
#                     unique GAIDs against GAIDs repeated 14 times (the
#                     generator's --repeat 14), both at 150 MB and at
#                     1.5 GB, with the ratio; needs about 3 GB of disk.
#                     diff (not run by default): diff of two 150 MB GAID
#                     files of different seeds.
#                     growth (not run by default): cp, check and clean of
#                     gaid at 150 MB and at 1.5 GB (gaid15.csv, generated
#                     with --bytes 1500000000), and each one's ratio of the
#                     two. Needs about 3 GB of page cache and 1.5 GB of disk
#                     more. Each command's runs come in a block: clean
#                     cannot alternate the two sizes, since one 1.5 GB
#                     run's dirty pages slow the next run.
#   --install-peers   run benches/install-peers.sh first
#   --no-build        do not run `cargo build --release`; use the binary in
#                     the target dir (or $SEGPREP)
#
# Environment: SEGPREP=path overrides the segprep binary; PYTHON (default
# python3) runs the duckdb/polars peers; CARGO_TARGET_DIR is honoured.
#
# Wall time: hyperfine's median when hyperfine is installed, else the median
# of the script's own clock. CPU (user+sys) and peak RSS: GNU time's -v
# report, median over the same runs (time wraps each timed run). Without
# GNU time those columns are n/a.
#
# Rows: "floor" is what reading/copying the file costs; "segprep" rows are
# marked n/a when the binary is missing or exits with an unexpected status
# (check exits 1 when the file has findings: that is expected); "peer" rows
# are exact-line dedupe by other tools, measured when installed; "peer+lower"
# rows (emails only) fold case first, which is what segprep does there.
# "x cp" is the wall time over `cp`'s; "x peer" the wall time over the
# fastest "peer" row's. "out rows" counts the lines each command wrote.
#
# Note that sort -u and DuckDB do not keep the input order, and that DuckDB,
# polars and sort use every core: compare CPU as well as wall time.
set -uo pipefail

usage() { sed -n '2,/^set -uo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }

RUNS=5
DATA=""
ONLY="gaid,unique,emails"
INSTALL=0
BUILD=1
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) RUNS="${2:?--runs needs a value}"; shift 2 ;;
        --runs=*) RUNS="${1#*=}"; shift ;;
        --data) DATA="${2:?--data needs a value}"; shift 2 ;;
        --data=*) DATA="${1#*=}"; shift ;;
        --only) ONLY="${2:?--only needs a value}"; shift 2 ;;
        --only=*) ONLY="${1#*=}"; shift ;;
        --install-peers) INSTALL=1; shift ;;
        --no-build) BUILD=0; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "compare.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
done
case "$RUNS" in ''|*[!0-9]*|0) echo "compare.sh: --runs must be a positive whole number" >&2; exit 2 ;; esac
KINDS=()
for k in ${ONLY//,/ }; do
    case "$k" in
        gaid|unique|emails|growth|dups|diff) KINDS+=("$k") ;;
        *) echo "compare.sh: --only: unknown kind '$k' (gaid, unique, emails, growth, dups, diff)" >&2; exit 2 ;;
    esac
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ -n "$DATA" ] || DATA="$ROOT/bench-data"
mkdir -p "$DATA" || exit 2
DATA="$(cd "$DATA" && pwd)"
cd "$ROOT" || exit 2

log() { printf '[compare] %s\n' "$*" >&2; }

if [ "$INSTALL" = 1 ]; then
    bash "$ROOT/benches/install-peers.sh" || log "install-peers.sh reported failures; going on"
fi

WORK="$(mktemp -d "$DATA/.compare.XXXXXX")" || exit 2
OUTDIR="$WORK/out"
mkdir -p "$OUTDIR"
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

# --- tools ----------------------------------------------------------------------
TIME_BIN=""
if [ -x /usr/bin/time ] && /usr/bin/time -v true >/dev/null 2>&1; then TIME_BIN=/usr/bin/time; fi
HYPERFINE=""
HF_NOSHELL=()
if command -v hyperfine >/dev/null 2>&1; then
    HYPERFINE="$(command -v hyperfine)"
    if "$HYPERFINE" --help 2>/dev/null | grep -q -- '--shell=none'; then HF_NOSHELL=(-N); fi
fi
# The real interpreter, not a version manager's shim (shims cost start-up time).
PY=""
if command -v "${PYTHON:-python3}" >/dev/null 2>&1; then
    PY="$("${PYTHON:-python3}" -c 'import sys; print(sys.executable)' 2>/dev/null)"
fi
py_has() { [ -n "$PY" ] && "$PY" -c "import $1" >/dev/null 2>&1; }
is_elf() { [ "$(head -c 4 "$1" 2>/dev/null | od -An -c | tr -d ' ')" = '177ELF' ]; }

DUCKDB_BIN=""
if command -v duckdb >/dev/null 2>&1 && is_elf "$(command -v duckdb)"; then
    DUCKDB_BIN="$(command -v duckdb)"
elif py_has duckdb_cli; then
    # The duckdb-cli wheel's launcher is a Python script around this binary.
    p="$("$PY" -c 'import duckdb_cli, os; print(os.path.join(os.path.dirname(duckdb_cli.__file__), "duckdb"))')"
    [ -x "$p" ] && DUCKDB_BIN="$p"
fi
QSV_OK=0
if command -v qsv >/dev/null 2>&1 && qsv --list 2>/dev/null | grep -q extdedup; then QSV_OK=1; fi

TARGET_DIR="${CARGO_TARGET_DIR:-}"
if [ -z "$TARGET_DIR" ]; then
    TARGET_DIR="$(cargo metadata --format-version 1 --no-deps 2>/dev/null \
        | grep -o '"target_directory":"[^"]*"' | head -n1 | cut -d'"' -f4)"
    [ -n "$TARGET_DIR" ] || TARGET_DIR="$ROOT/target"
fi
case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$ROOT/$TARGET_DIR" ;; esac

# --- segprep --------------------------------------------------------------------
SEGPREP_NOTE=""
if [ -n "${SEGPREP:-}" ]; then
    SEGPREP_BIN="$SEGPREP"
else
    SEGPREP_BIN="$TARGET_DIR/release/segprep"
    if [ "$BUILD" = 1 ]; then
        log "cargo build --release"
        if ! cargo build --release --bin segprep; then
            log "cargo build --release failed: segprep rows will be n/a"
            SEGPREP_NOTE="build failed"
        fi
    fi
fi
if [ -z "$SEGPREP_NOTE" ] && [ ! -x "$SEGPREP_BIN" ]; then SEGPREP_NOTE="not built"; fi

# --- inputs ---------------------------------------------------------------------
GEN=""
build_generator() {
    [ -n "$GEN" ] && return 0
    # The generator is std-only: rustc alone builds it in seconds, and does
    # not need the crate (or its dev-dependencies) to build.
    if command -v rustc >/dev/null 2>&1 \
        && rustc --edition 2021 -O "$ROOT/examples/workload.rs" -o "$WORK/workload" 2>/dev/null; then
        GEN="$WORK/workload"
        return 0
    fi
    log "building the generator with cargo"
    cargo build --release --example workload -q \
        && [ -x "$TARGET_DIR/release/examples/workload" ] \
        && GEN="$TARGET_DIR/release/examples/workload"
}
# generate KIND FILE [GENERATOR ARGS]
generate() {
    [ -s "$2" ] && return 0
    build_generator || { log "cannot build the workload generator"; exit 2; }
    log "generating $2"
    "$GEN" "$1" "$2" "${@:3}" || { log "generating $2 failed"; rm -f "$2"; exit 2; }
}
for kind in "${KINDS[@]}"; do
    case "$kind" in
        growth)
            generate gaid "$DATA/gaid.csv"
            generate gaid "$DATA/gaid15.csv" --bytes 1500000000
            ;;
        dups)
            generate gaid "$DATA/gaid.csv"
            generate gaid "$DATA/gaid-x14.csv" --repeat 14
            generate gaid "$DATA/gaid15.csv" --bytes 1500000000
            generate gaid "$DATA/gaid15-x14.csv" --bytes 1500000000 --repeat 14
            ;;
        diff)
            generate gaid "$DATA/gaid.csv"
            generate gaid "$DATA/gaid-seed2.csv" --seed 2
            ;;
        *) generate "$kind" "$DATA/$kind.csv" ;;
    esac
done

# --- measuring ------------------------------------------------------------------
median() { sort -g | awk '{v[NR]=$1} END {if (NR==0) {print "nan"; exit} if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }

# Rows of the current table, one TSV line each:
# label, group, wall, cpu, rss_mib, out_rows, note
ROWS=()
NCMD=0

# measure LABEL GROUP OKCODES OUTFILE SCRIPT-BODY [EXPECTED-CODE]
#   OKCODES: space-separated exit codes that count as success.
#   OUTFILE: the file the command writes (or "-"), counted and removed.
#   EXPECTED-CODE: when given and the exit status differs (but is in
#   OKCODES), the row is still measured and gets a note.
measure() {
    local label="$1" group="$2" ok="$3" out="$4" body="$5" expect="${6:-}"
    NCMD=$((NCMD + 1))
    local script="$WORK/cmd$NCMD.sh" tlog="$WORK/time$NCMD.log" err="$WORK/err$NCMD.log"
    printf '%s\n' "$body" > "$script"
    [ "$out" != "-" ] && rm -f "$out"

    # Warm-up run, which also decides whether the command works here.
    bash "$script" > /dev/null 2> "$err"
    local rc=$? good=0 c
    for c in $ok; do [ "$rc" = "$c" ] && good=1; done
    if [ "$good" = 0 ]; then
        local why
        why="$(grep -v '^[[:space:]]*$' "$err" | head -n1 | cut -c1-60)"
        ROWS+=("$label	$group	n/a	n/a	n/a	-	exit $rc${why:+: $why}")
        log "$label: exit $rc${why:+: $why}"
        [ "$out" != "-" ] && rm -f "$out"
        return
    fi
    local outrows="-" note=""
    if [ -n "$expect" ] && [ "$rc" != "$expect" ]; then
        note="exit $rc, expected $expect"
        log "$label: $note"
    fi
    if [ "$out" != "-" ]; then
        if [ ! -f "$out" ]; then
            ROWS+=("$label	$group	n/a	n/a	n/a	-	exit $rc but wrote no output file")
            log "$label: exit $rc but wrote no output file"
            return
        fi
        outrows="$(wc -l < "$out" | tr -d ' ')"
    fi

    local run=(bash "$script")
    [ -n "$TIME_BIN" ] && run=("$TIME_BIN" -v -a -o "$tlog" bash "$script")
    : > "$tlog"
    local wall=""
    if [ -n "$HYPERFINE" ]; then
        local json="$WORK/hf$NCMD.json" prep=()
        [ "$out" != "-" ] && prep=(--prepare "rm -f $out")
        "$HYPERFINE" "${HF_NOSHELL[@]}" --runs "$RUNS" --warmup 0 -i --style none \
            "${prep[@]}" --export-json "$json" "${run[*]}" > "$WORK/hf$NCMD.out" 2>&1
        wall="$(grep -m1 '"median"' "$json" 2>/dev/null | sed -E 's/.*"median": *([-+0-9.eE]+).*/\1/')"
    fi
    if [ -z "$wall" ]; then
        : > "$tlog"
        local i t0 t1 walls=()
        for ((i = 0; i < RUNS; i++)); do
            [ "$out" != "-" ] && rm -f "$out"
            t0=$EPOCHREALTIME
            "${run[@]}" > /dev/null 2>> "$err"
            t1=$EPOCHREALTIME
            walls+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.6f", b - a}')")
        done
        wall="$(printf '%s\n' "${walls[@]}" | median)"
    fi
    local cpu="n/a" rss="n/a"
    if [ -n "$TIME_BIN" ] && [ -s "$tlog" ]; then
        cpu="$(awk -F': ' '/User time \(seconds\)/ {u=$2} /System time \(seconds\)/ {print u + $2}' "$tlog" | median)"
        rss="$(awk -F': ' '/Maximum resident set size/ {print $2 / 1024}' "$tlog" | median | awk '{printf "%.1f", $1}')"
        local bad
        bad="$(awk -F': ' -v ok=" $ok " '/Exit status/ {if (index(ok, " " $2 " ") == 0) print $2}' "$tlog" | head -n1)"
        [ -n "$bad" ] && note="${note:+$note; }a timed run exited $bad"
    fi
    [ "$out" != "-" ] && rm -f "$out"
    ROWS+=("$label	$group	$wall	$cpu	$rss	$outrows	$note")
}

# Prints the table for the rows measured so far, then empties ROWS.
print_table() {
    local kind="$1" f="$2"
    local cp_wall peer_wall peer_name
    cp_wall="$(printf '%s\n' "${ROWS[@]}" | awk -F'\t' '$2 == "floor" && $1 ~ /^cp / && $3 != "n/a" {print $3; exit}')"
    peer_wall="$(printf '%s\n' "${ROWS[@]}" | awk -F'\t' '$2 == "peer" && $3 != "n/a" {print $3 "\t" $1}' | sort -g | head -n1)"
    peer_name="${peer_wall#*	}"
    peer_wall="${peer_wall%%	*}"
    printf '\n== %s: %s (%s bytes, %s rows), %s runs, medians; fastest peer: %s\n' \
        "$kind" "${f#"$ROOT"/}" "$(wc -c < "$f" | tr -d ' ')" "$(wc -l < "$f" | tr -d ' ')" "$RUNS" "${peer_name:-none}"
    printf '%s\n' "${ROWS[@]}" | awk -F'\t' -v cp="$cp_wall" -v peer="$peer_wall" '
        function ratio(x, base) { return (x == "n/a" || base == "" || base + 0 == 0) ? "-" : sprintf("%.2fx", x / base) }
        function secs(x) { return x == "n/a" ? x : sprintf("%.3f s", x) }
        BEGIN {
            fmt = "%-52s %-10s %10s %10s %9s %7s %7s %10s  %s\n"
            printf fmt, "command", "group", "wall", "cpu", "rss MiB", "x cp", "x peer", "out rows", ""
        }
        { printf fmt, $1, $2, secs($3), secs($4), $5, ratio($3, cp), ratio($3, peer), $6, $7 }'
    ROWS=()
}

q() { printf '%q' "$1"; }

run_kind() {
    local kind="$1"
    local f="$DATA/$kind.csv" o="$OUTDIR/out.csv"
    local F O
    F="$(q "$f")"
    O="$(q "$o")"
    local idargs="--id-type gaid"
    [ "$kind" = emails ] && idargs="--id-type email --case lower"
    # unique conforms; the others have duplicates (and defects), so check
    # should say so with exit status 1.
    local check_rc=1
    [ "$kind" = unique ] && check_rc=0

    cat "$f" > /dev/null  # warm the page cache

    # The floor.
    measure "cp FILE OUT" floor 0 "$o" "exec cp $F $O"
    measure "cat FILE > /dev/null" floor 0 - "exec cat $F > /dev/null"
    measure "wc -l FILE" floor 0 - "exec wc -l $F > /dev/null"

    # segprep.
    local S t
    S="$(q "$SEGPREP_BIN")"
    for t in "" " --threads 1"; do
        if [ -n "$SEGPREP_NOTE" ]; then
            ROWS+=("segprep check $idargs$t	segprep	n/a	n/a	n/a	-	$SEGPREP_NOTE")
            ROWS+=("segprep clean $idargs$t	segprep	n/a	n/a	n/a	-	$SEGPREP_NOTE")
            continue
        fi
        measure "segprep check $idargs$t" segprep "0 1" - \
            "exec $S check $F $idargs$t > /dev/null" "$check_rc"
        measure "segprep clean $idargs$t" segprep 0 "$o" \
            "exec $S clean -q $F -o $O $idargs$t > /dev/null"
    done
    # With the rejects file as well, as a pipeline would run it (the
    # previous run's rejects file is removed inside the timed command).
    if [ -z "$SEGPREP_NOTE" ]; then
        local R
        R="$(q "$OUTDIR/rejects.csv")"
        measure "segprep clean $idargs --rejects R" segprep 0 "$o" \
            "rm -f $R; exec $S clean -q $F -o $O --rejects $R $idargs > /dev/null"
    fi

    # Peers: exact-line dedupe.
    measure "LC_ALL=C sort -u" peer 0 "$o" "export LC_ALL=C; exec sort -u -o $O $F"
    local awkname
    awkname="$(basename "$(readlink -f "$(command -v awk)")")"
    measure "awk '!seen[\$0]++' ($awkname)" peer 0 "$o" "exec awk '!seen[\$0]++' $F > $O"
    if command -v huniq >/dev/null 2>&1; then
        measure "huniq" peer 0 "$o" "exec huniq < $F > $O"
    else
        ROWS+=("huniq	peer	n/a	n/a	n/a	-	not installed")
    fi
    if [ "$QSV_OK" = 1 ]; then
        measure "qsv dedup" peer 0 "$o" "exec qsv dedup --no-headers -d '\t' $F -o $O"
        measure "qsv extdedup" peer 0 "$o" "exec qsv extdedup --no-headers $F $O"
    else
        ROWS+=("qsv dedup / extdedup	peer	n/a	n/a	n/a	-	not installed")
    fi
    # Read each line whole: no delimiter or quote in the data, CR dropped.
    local csv="read_csv('$f', columns={'id': 'VARCHAR'}, header=false, delim='\t', quote='', escape='', auto_detect=false, strict_mode=false)"
    local sql="COPY (SELECT DISTINCT id FROM $csv) TO '$o' (FORMAT csv, HEADER false, QUOTE '')"
    local sql_lower="COPY (SELECT DISTINCT lower(id) FROM $csv) TO '$o' (FORMAT csv, HEADER false, QUOTE '')"
    local duck="" duck_lower="" duckname=""
    if [ -n "$DUCKDB_BIN" ]; then
        duckname="cli"
        duck="exec $(q "$DUCKDB_BIN") -c $(q "$sql")"
        duck_lower="exec $(q "$DUCKDB_BIN") -c $(q "$sql_lower")"
    elif py_has duckdb; then
        duckname="python"
        duck="exec $(q "$PY") -c $(q "import duckdb; duckdb.sql(\"\"\"$sql\"\"\")")"
        duck_lower="exec $(q "$PY") -c $(q "import duckdb; duckdb.sql(\"\"\"$sql_lower\"\"\")")"
    fi
    if [ -n "$duck" ]; then
        measure "duckdb SELECT DISTINCT ($duckname)" peer 0 "$o" "$duck"
    else
        ROWS+=("duckdb SELECT DISTINCT	peer	n/a	n/a	n/a	-	not installed")
    fi
    local pl_read="import polars as pl; df = pl.read_csv('$f', has_header=False, new_columns=['id'], separator='\t', quote_char=None, infer_schema=False)"
    local pl_write="write_csv('$o', include_header=False, quote_style='never')"
    if py_has polars; then
        measure "polars unique(maintain_order=True)" peer 0 "$o" \
            "exec $(q "$PY") -c $(q "$pl_read; df.unique(maintain_order=True).$pl_write")"
    else
        ROWS+=("polars unique(maintain_order=True)	peer	n/a	n/a	n/a	-	not installed")
    fi

    # Peers that fold case first, as segprep does for e-mail addresses.
    if [ "$kind" = emails ]; then
        measure "awk lower + dedupe ($awkname)" peer+lower 0 "$o" \
            "exec awk '{ l = tolower(\$0) } !(l in seen) { seen[l]; print l }' $F > $O"
        [ -n "$duck" ] && measure "duckdb SELECT DISTINCT lower() ($duckname)" peer+lower 0 "$o" "$duck_lower"
        py_has polars && measure "polars to_lowercase().unique(maintain_order)" peer+lower 0 "$o" \
            "exec $(q "$PY") -c $(q "$pl_read; df.select(pl.col('id').str.to_lowercase()).unique(maintain_order=True).$pl_write")"
    fi

    print_table "$kind" "$f"
}

# cp, check and clean at 150 MB and 1.5 GB, and the growth of each.
run_growth() {
    local o="$OUTDIR/out.csv" O S size f F
    O="$(q "$o")"
    S="$(q "$SEGPREP_BIN")"
    for size in "150 MB" "1.5 GB"; do
        f="$DATA/gaid.csv"
        [ "$size" = "1.5 GB" ] && f="$DATA/gaid15.csv"
        F="$(q "$f")"
        cat "$f" > /dev/null  # warm the page cache
        measure "cp FILE OUT ($size)" floor 0 "$o" "exec cp $F $O"
        if [ -n "$SEGPREP_NOTE" ]; then
            ROWS+=("segprep check -q --id-type gaid ($size)	segprep	n/a	n/a	n/a	-	$SEGPREP_NOTE")
            ROWS+=("segprep clean --id-type gaid ($size)	segprep	n/a	n/a	n/a	-	$SEGPREP_NOTE")
            continue
        fi
        measure "segprep check -q --id-type gaid ($size)" segprep "0 1" - \
            "exec $S check -q $F --id-type gaid --max-input-bytes 0" 1
        # The clean file of 1.5 GB is over the platform's 150 MB; the
        # input may be past the default decoded-size cap.
        measure "segprep clean --id-type gaid ($size)" segprep 0 "$o" \
            "exec $S clean -q $F -o $O --id-type gaid --max-bytes 2000000000 --max-input-bytes 0 > /dev/null"
    done
    printf '\n== growth: gaid at 150 MB and 1.5 GB, %s runs each, medians\n' "$RUNS"
    printf '%s\n' "${ROWS[@]}" | awk -F'\t' '
        function secs(x) { return x == "n/a" ? x : sprintf("%.3f s", x) }
        {
            name = $1; sub(/ \((150 MB|1\.5 GB)\)$/, "", name)
            if (!(name in small)) { order[++n] = name; small[name] = $3; peak[name] = $5 }
            else { big[name] = $3; bigpeak[name] = $5 }
        }
        END {
            fmt = "%-40s %10s %10s %8s %12s\n"
            printf fmt, "command", "150 MB", "1.5 GB", "growth", "peak MiB"
            for (i = 1; i <= n; i++) {
                c = order[i]
                g = (small[c] == "n/a" || big[c] == "n/a" || small[c] + 0 == 0) ? "-" : sprintf("%.1fx", big[c] / small[c])
                printf fmt, c, secs(small[c]), secs(big[c]), g, peak[c] " / " bigpeak[c]
            }
        }'
    ROWS=()
}

# check and clean of a file of unique GAIDs and of one of GAIDs repeated
# 14 times (daily exports appended), same size, at 150 MB and 1.5 GB.
run_dups() {
    local o="$OUTDIR/out.csv" O S size f F shape
    O="$(q "$o")"
    S="$(q "$SEGPREP_BIN")"
    [ -n "$SEGPREP_NOTE" ] && { log "dups: $SEGPREP_NOTE"; return; }
    for size in "150 MB" "1.5 GB"; do
        for shape in unique x14; do
            f="$DATA/gaid.csv"
            [ "$size" = "1.5 GB" ] && f="$DATA/gaid15.csv"
            [ "$shape" = x14 ] && f="${f%.csv}-x14.csv"
            F="$(q "$f")"
            cat "$f" > /dev/null  # warm the page cache
            measure "check -q --id-type gaid, $shape ($size)" segprep "0 1" - \
                "exec $S check -q $F --id-type gaid --max-input-bytes 0" 1
            measure "clean --id-type gaid, $shape ($size)" segprep 0 "$o" \
                "exec $S clean -q $F -o $O --id-type gaid --max-bytes 2000000000 --max-input-bytes 0 > /dev/null"
        done
    done
    printf '\n== dups: unique GAIDs against GAIDs x14, same size, %s runs each, medians\n' "$RUNS"
    printf '%s\n' "${ROWS[@]}" | awk -F'\t' '
        function secs(x) { return x == "n/a" ? x : sprintf("%.3f s", x) }
        {
            name = $1; shape = (name ~ /, x14 /) ? "x14" : "unique"
            sub(/, (unique|x14) /, " ", name)
            if (!(name in seen)) { order[++n] = name; seen[name] = 1 }
            t[name, shape] = $3; m[name, shape] = $5
        }
        END {
            fmt = "%-42s %10s %10s %8s %16s\n"
            printf fmt, "command", "unique", "x14", "ratio", "peak MiB u / x14"
            for (i = 1; i <= n; i++) {
                c = order[i]; u = t[c, "unique"]; x = t[c, "x14"]
                r = (u == "n/a" || x == "n/a" || u + 0 == 0) ? "-" : sprintf("%.2fx", x / u)
                printf fmt, c, secs(u), secs(x), r, m[c, "unique"] " / " m[c, "x14"]
            }
        }'
    ROWS=()
}

# diff of two 150 MB GAID files (different seeds).
run_diff() {
    local a="$OUTDIR/added.csv" r="$OUTDIR/removed.csv" S A B
    S="$(q "$SEGPREP_BIN")"
    A="$(q "$DATA/gaid.csv")"
    B="$(q "$DATA/gaid-seed2.csv")"
    [ -n "$SEGPREP_NOTE" ] && { log "diff: $SEGPREP_NOTE"; return; }
    cat "$DATA/gaid.csv" "$DATA/gaid-seed2.csv" > /dev/null
    measure "segprep diff OLD NEW --added A --removed R" segprep 0 "$a" \
        "exec $S diff -q $A $B --id-type gaid --added $(q "$a") --removed $(q "$r") > /dev/null"
    print_table "diff against gaid-seed2.csv" "$DATA/gaid.csv"
}

WALL_BY="the shell's clock"; [ -n "$HYPERFINE" ] && WALL_BY="hyperfine"
CPU_BY="n/a (no GNU time)"; [ -n "$TIME_BIN" ] && CPU_BY="GNU time -v"
{
    printf 'segprep comparison: %s cores, load average %s, %s runs; wall: %s; cpu, rss: %s\n' \
        "$(nproc 2>/dev/null || echo '?')" "$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')" "$RUNS" \
        "$WALL_BY" "$CPU_BY"
    printf 'segprep: %s%s\n' "${SEGPREP_BIN#"$ROOT"/}" "${SEGPREP_NOTE:+ ($SEGPREP_NOTE)}"
    for kind in "${KINDS[@]}"; do
        log "measuring $kind"
        case "$kind" in
            growth) run_growth ;;
            dups) run_dups ;;
            diff) run_diff ;;
            *) run_kind "$kind" ;;
        esac
    done
} | tee "$DATA/compare-last.txt"
