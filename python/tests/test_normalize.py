"""normalize gives what the command line's clean file holds, in every
container an engine hands over."""

from __future__ import annotations

import collections
import os
import shutil
import threading
import time
from pathlib import Path

import pytest

import segprep
from conftest import (
    cli_clean,
    first_occurrences,
    messy_ids,
    options_to_args,
    write_lines,
)

pa = pytest.importorskip("pyarrow")

TRICKY = [
    "38400000-8CF0-11BD-B23E-10B96E40000D",
    "38400000-8cf0-11bd-b23e-10b96e40000d",
    '"38400000-8cf0-11bd-b23e-10b96e40000d"',
    "00000000-0000-0000-0000-000000000000",
    " abc ",
    "abc\r",
    "a\rb",
    "abc,",
    ",abc",
    "a,b",
    '"a""b"',
    '"unclosed',
    "a#b",
    "\u00a0x\u200b",
    "caf\u00e9",
    "User@Example.COM",
    "+1 (555) 123-4567",
    "12345.0",
    "1.50",
    "-0",
    "1e400",
    "9007199254740993",
    "007",
    "x" * 300,
    "",
    "  ",
    None,
    "tab\there",
    "\ufeffbom",
]

OPTIONS = [
    {},
    {"id_type": "gaid"},
    {"id_type": "idfa", "case": "keep"},
    {"id_type": "numeric", "attribute_type": "double"},
    {"id_type": "email", "ascii_only": True},
    {"id_type": "phone"},
    {"allow_chars": "#,", "deny_chars": "x", "max_value_len": 12},
]


@pytest.mark.parametrize("options", OPTIONS)
def test_normalize_is_the_clean_file(cli, tmp_path, options):
    values = TRICKY * 2
    path = write_lines(tmp_path / "values.csv", values)
    out = tmp_path / "clean.csv"
    stats = cli_clean(
        cli, path, out, "--header", "no", *options_to_args(options)
    )
    normalized, rules = segprep.normalize(values, **options)
    assert len(normalized) == len(rules) == len(values)
    for value, rule in zip(normalized, rules):
        assert (value is None) != (rule is None)
    assert first_occurrences(normalized) == out.read_text().splitlines()
    counts = collections.Counter(r for r in rules if r is not None)
    assert dict(counts) == stats["rejected"]


def arrow_inputs(values):
    """The same column in each Arrow layout an engine may hand over."""
    yield "string", pa.array(values, pa.string())
    yield "large_string", pa.array(values, pa.large_string())
    if hasattr(pa, "string_view"):
        yield "string_view", pa.array(values, pa.string_view())
    yield "dictionary", pa.array(values, pa.string()).dictionary_encode()
    yield "chunked", pa.chunked_array(
        [values[:5], values[5:5], values[5:]], pa.string()
    )
    padded = pa.array(["pad", *values, "pad"], pa.string())
    yield "slice", padded.slice(1, len(values))
    yield "binary", pa.array(
        [None if v is None else v.encode() for v in values], pa.binary()
    )


@pytest.mark.parametrize("options", OPTIONS[:4])
def test_every_container_gives_the_same(options):
    want_values, want_rules = segprep.normalize(TRICKY, **options)
    assert segprep.normalize(tuple(TRICKY), **options) == (
        want_values,
        want_rules,
    )
    assert segprep.normalize(iter(TRICKY), **options).values == want_values
    for name, column in arrow_inputs(TRICKY):
        values, rules = segprep.normalize(column, **options)
        assert values.to_pylist() == want_values, name
        assert rules.to_pylist() == want_rules, name
        assert len(values) == len(column)
        assert values.null_count == sum(v is None for v in want_values)


def test_arrow_types_out():
    values, rules = segprep.normalize(pa.array(["a", None]))
    assert values.type == pa.string() and rules.type == pa.string()
    values, _ = segprep.normalize(pa.array(["a"], pa.large_string()))
    assert values.type == pa.large_string()
    values, rules = segprep.normalize(pa.array([], pa.string()))
    assert len(values) == 0 and len(rules) == 0
    values, rules = segprep.normalize(pa.array([None, None]))
    assert rules.to_pylist() == ["empty-row", "empty-row"]
    values, rules = segprep.normalize(pa.chunked_array([], pa.string()))
    assert len(values) == 0


def test_polars_series_in_series_out():
    pl = pytest.importorskip("polars")
    series = pl.Series("id", TRICKY)
    values, rules = segprep.normalize(series, id_type="gaid")
    assert isinstance(values, pl.Series) and values.name == "id"
    assert rules.name == "rule"
    want = segprep.normalize(TRICKY, id_type="gaid")
    assert values.to_list() == want.values
    assert rules.to_list() == want.rules


def test_pandas_series_keeps_its_index():
    pd = pytest.importorskip("pandas")
    series = pd.Series(TRICKY, index=range(100, 100 + len(TRICKY)), name="id")
    values, rules = segprep.normalize(series, id_type="gaid")
    assert list(values.index) == list(series.index)
    assert values.name == "id"
    want = segprep.normalize(TRICKY, id_type="gaid")
    assert values.tolist() == want.values
    assert rules.tolist() == want.rules


def test_bytes_and_broken_text():
    values, rules = segprep.normalize([b"abc", b"\xff", "a\ud800b"])
    assert values == ["abc", None, None]
    assert rules == [None, "invalid-utf8", "invalid-utf8"]


def test_what_is_not_a_column_of_text_is_a_type_error():
    with pytest.raises(TypeError, match="value 1 is int"):
        segprep.normalize(["a", 1])
    with pytest.raises(TypeError, match="not one value"):
        segprep.normalize("abc")
    with pytest.raises(TypeError, match="Arrow array of int64"):
        segprep.normalize(pa.array([1, 2]))


def test_rules_are_the_reject_names():
    assert segprep.REJECTS[0] == "invalid-utf8"
    assert "zero-ad-id" in segprep.REJECTS
    _, rules = segprep.normalize(TRICKY, id_type="gaid")
    assert {r for r in rules if r} <= set(segprep.REJECTS)


def test_batches_on_several_threads_give_what_one_thread_gives():
    # As an engine calls a function: batches at once, from its threads.
    from concurrent.futures import ThreadPoolExecutor

    batches = [
        pa.array(messy_ids(50_000, seed=seed), pa.string())
        for seed in range(8)
    ]
    alone = [segprep.normalize(b, id_type="gaid") for b in batches]
    with ThreadPoolExecutor(4) as pool:
        together = list(
            pool.map(lambda b: segprep.normalize(b, id_type="gaid"), batches)
        )
    for one, other in zip(alone, together):
        assert one.values.equals(other.values)
        assert one.rules.equals(other.rules)


@pytest.mark.parametrize("call", ["check", "normalize"])
def test_the_gil_is_released_while_the_engine_runs(call):
    values = messy_ids(600_000, seed=3)
    if call == "check":
        data = "\n".join(v or "" for v in values).encode() * 2

        def work():
            segprep.check(data, max_diagnostics=1, threads=1)

    else:
        column = pa.array(values * 2, pa.string())

        def work():
            segprep.normalize(column, id_type="gaid", threads=1)

    work()  # warm up
    longest = [0.0]
    stop = threading.Event()

    def spin():
        # The longest time this thread waited for the GIL.
        last = time.perf_counter()
        while not stop.is_set():
            now = time.perf_counter()
            longest[0] = max(longest[0], now - last)
            last = now

    spinner = threading.Thread(target=spin)
    spinner.start()
    try:
        time.sleep(0.05)
        longest[0] = 0.0
        start = time.perf_counter()
        work()
        elapsed = time.perf_counter() - start
    finally:
        stop.set()
        spinner.join()
    # Holding the GIL while the engine runs would stop the spinner for
    # most of the call; released, it waits a switch interval at a time,
    # or for a copy made while the GIL is held.
    assert longest[0] < 0.4 * elapsed, (longest[0], elapsed)


@pytest.fixture(scope="session")
def million(cli, tmp_path_factory):
    """A million messy GAIDs, with the clean file and statistics of
    `segprep clean --id-type gaid --header no`."""
    tmp = tmp_path_factory.mktemp("million")
    values = messy_ids(1_000_000)
    path = write_lines(tmp / "ids.csv", values)
    out = tmp / "clean.csv"
    stats = cli_clean(cli, path, out, "--id-type", "gaid", "--header", "no")
    clean = out.read_text().splitlines()
    assert len(clean) > 700_000
    return values, clean, stats


def test_polars_map_batches_on_a_million_values(million):
    pl = pytest.importorskip("polars")
    values, clean, stats = million
    frame = pl.DataFrame({"id": values}, schema={"id": pl.String})
    out = frame.select(
        pl.col("id")
        .map_batches(
            lambda s: segprep.normalize(s, id_type="gaid").values,
            return_dtype=pl.String,
        )
        .alias("gaid"),
        pl.col("id")
        .map_batches(
            lambda s: segprep.normalize(s, id_type="gaid").rules,
            return_dtype=pl.String,
        )
        .alias("rule"),
    )
    assert out.height == len(values)
    # The engine's distinct, first occurrence first: the clean file.
    kept = out.get_column("gaid").drop_nulls().unique(maintain_order=True)
    assert kept.to_list() == clean
    counts = out.get_column("rule").drop_nulls().value_counts()
    assert dict(counts.iter_rows()) == stats["rejected"]


def test_duckdb_udf_on_a_million_values(million):
    duckdb = pytest.importorskip("duckdb")
    values, clean, _ = million
    con = duckdb.connect()
    con.create_function(
        "segprep_gaid",
        lambda ids: segprep.normalize(ids, id_type="gaid").values,
        ["VARCHAR"],
        "VARCHAR",
        type="arrow",
        # A dropped value is NULL.
        null_handling="special",
    )
    ids = pa.table({"i": pa.array(range(len(values))), "id": values})
    con.register("ids", ids)
    # The warehouse's distinct, first occurrence first.
    rows = con.execute(
        """
        SELECT gaid FROM (
            SELECT segprep_gaid(id) AS gaid, min(i) AS first
            FROM ids GROUP BY ALL
        )
        WHERE gaid IS NOT NULL ORDER BY first
        """
    ).fetchall()
    assert [gaid for (gaid,) in rows] == clean


def java_runtime():
    home = os.environ.get("JAVA_HOME")
    if home and Path(home, "bin", "java").exists():
        return str(Path(home, "bin", "java"))
    return shutil.which("java")


def test_spark_pandas_udf_in_local_mode(cli, tmp_path):
    how = (
        "; to run it: pip install pyspark pandas, with a Java 17 runtime "
        "on PATH or in JAVA_HOME"
    )
    try:
        import pandas
        import pyspark  # noqa: F401
    except ImportError as missing:
        pytest.skip(f"the PySpark example needs {missing.name}" + how)
    if java_runtime() is None:
        pytest.skip("the PySpark example needs Java" + how)
    from pyspark.sql import SparkSession
    from pyspark.sql.functions import pandas_udf

    values = messy_ids(200_000, seed=11)
    path = write_lines(tmp_path / "ids.csv", values)
    out = tmp_path / "clean.csv"
    cli_clean(cli, path, out, "--id-type", "gaid", "--header", "no")
    clean = out.read_text().splitlines()
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("segprep")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    try:

        @pandas_udf("string")
        def gaid(ids):
            return segprep.normalize(ids, id_type="gaid").values

        frame = spark.createDataFrame(pandas.DataFrame({"id": values}))
        kept = (
            frame.select(gaid("id").alias("gaid"))
            .where("gaid IS NOT NULL")
            .distinct()
            .collect()
        )
    finally:
        spark.stop()
    # Spark's distinct keeps no order.
    assert sorted(row.gaid for row in kept) == sorted(clean)
