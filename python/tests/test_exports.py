"""The options for real exports (column, delimiter, encoding,
default_region, max_input_bytes) give the command line's results on
files made the way Excel, CRMs and warehouses make them."""

from __future__ import annotations

import csv
import gzip
import random
from pathlib import Path
from typing import Callable, Dict, List

import pytest

import segprep
from conftest import (
    cli_check,
    cli_clean,
    gaid,
    options_to_args,
    run_cli,
)


def excel_semicolon(rng: random.Random) -> bytes:
    """Excel's "CSV UTF-8" in a locale with a decimal comma: a BOM, `;`
    between fields, CRLF, a header, quotes where a field holds a `;`."""
    rows = ["user_id;name;score;email"]
    ids: List[str] = []
    for i in range(300):
        if ids and rng.random() < 0.15:
            uid = rng.choice(ids)
        else:
            uid = f"U{rng.randrange(10**6):06d}"
            ids.append(uid)
        kind = rng.random()
        if kind < 0.05:
            uid = f" {uid} "
        elif kind < 0.08:
            uid = ""
        elif kind < 0.1:
            uid = uid.lower()
        elif kind < 0.12:
            uid = uid + "#"
        name = rng.choice(["José", "Zoë", "O'Brien", '"Smith; John"', "Li"])
        score = f"{rng.randrange(100)},{rng.randrange(10)}"
        if rng.random() < 0.03:
            rows.append(f"{uid};{name}")  # a short row: no email field
            continue
        rows.append(f"{uid};{name};{score};u{i}@example.com")
    return ("\ufeff" + "\r\n".join(rows) + "\r\n").encode("utf-8")


def utf16_unicode_text(rng: random.Random) -> bytes:
    """Excel's "Unicode Text": UTF-16LE with a BOM, tabs, CRLF."""
    rows = ["Customer ID\tEmail\tCity"]
    for i in range(200):
        email = f"user{rng.randrange(150)}@Example.com"
        if rng.random() < 0.1:
            email = "not an email"
        city = rng.choice(["Köln", "São Paulo", "Zürich", "Paris"])
        rows.append(f"{i}\t{email}\t{city}")
    return ("\ufeff" + "\r\n".join(rows) + "\r\n").encode("utf-16-le")


def gzipped_gaids(rng: random.Random) -> bytes:
    """A warehouse unload: one GAID a line, gzip-compressed."""
    lines = ["gaid"]
    for _ in range(2000):
        value = gaid(rng)
        lines.append(value.upper() if rng.random() < 0.3 else value)
    lines += lines[1:200]  # a second unload of the first rows
    return gzip.compress(("\n".join(lines) + "\n").encode())


def windows_1252(rng: random.Random) -> bytes:
    """A CRM export in the Windows code page: names with accents."""
    names = ["José", "Müller", "Æsir", "Señor", "plain"]
    rows = [f"{rng.choice(names)}{i}" for i in range(100)]
    return ("\r\n".join(rows) + "\r\n").encode("cp1252")


def phones(rng: random.Random) -> bytes:
    """Phone numbers as people type them, most without a country code."""
    rows = ["phone"]
    for _ in range(200):
        n = f"{rng.randrange(200, 999)}{rng.randrange(10**7):07d}"
        rows.append(rng.choice([
            f"({n[:3]}) {n[3:6]}-{n[6:]}",
            f"+1 {n[:3]} {n[3:6]} {n[6:]}",
            n,
            "+44 20 7946 0958",
            "12345",
        ]))
    return ("\n".join(rows) + "\n").encode()


FILES: Dict[str, Callable[[random.Random], bytes]] = {
    "excel.csv": excel_semicolon,
    "unicode.txt": utf16_unicode_text,
    "unload.csv.gz": gzipped_gaids,
    "crm.csv": windows_1252,
    "phones.csv": phones,
}

CASES = [
    ("excel.csv", {"column": "user_id", "delimiter": ";"}),
    ("excel.csv", {"column": "USER_ID", "delimiter": "auto"}),
    ("excel.csv", {"column": 1, "delimiter": "auto", "header": "yes"}),
    ("excel.csv", {"column": "4", "delimiter": ";", "id_type": "email"}),
    ("excel.csv", {"column": 3, "delimiter": ";", "id_type": "numeric",
                   "attribute_type": "double"}),
    ("excel.csv", {"delimiter": ";"}),
    ("excel.csv", {"delimiter": "semicolon", "max_input_bytes": 0}),
    ("unicode.txt", {"column": 2, "delimiter": "tab", "id_type": "email"}),
    ("unicode.txt", {"column": "email", "delimiter": "\t",
                     "encoding": "utf-16le", "id_type": "email"}),
    ("unicode.txt", {"column": "City", "delimiter": "auto"}),
    ("unicode.txt", {"encoding": "utf-8"}),
    ("unload.csv.gz", {"id_type": "gaid"}),
    ("unload.csv.gz", {"id_type": "gaid", "max_input_bytes": 10**6}),
    ("crm.csv", {}),
    ("crm.csv", {"encoding": "windows-1252"}),
    ("crm.csv", {"encoding": "latin-1", "header": "no"}),
    ("phones.csv", {"id_type": "phone", "default_region": "US"}),
    ("phones.csv", {"id_type": "phone", "default_region": "GB"}),
]


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Dict[str, Path]:
    folder = tmp_path_factory.mktemp("exports")
    made = {}
    for name, make in FILES.items():
        path = folder / name
        path.write_bytes(make(random.Random(name)))
        made[name] = path
    return made


def test_the_exports_are_what_the_tools_write(files):
    excel = files["excel.csv"].read_bytes()
    assert excel.startswith(b"\xef\xbb\xbfuser_id;") and b"\r\n" in excel
    assert files["unicode.txt"].read_bytes()[:4] == b"\xff\xfeC\x00"
    assert files["unload.csv.gz"].read_bytes()[:2] == b"\x1f\x8b"
    with pytest.raises(UnicodeDecodeError):
        files["crm.csv"].read_bytes().decode("utf-8")


@pytest.mark.parametrize(
    "name, options", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)]
)
def test_check_and_clean_match_the_cli(cli, files, tmp_path, name, options):
    path = files[name]
    args = options_to_args(options)
    want = cli_check(cli, path, "--max-diagnostics", "0", *args)
    report = segprep.check(path, max_diagnostics=0, **options)
    assert report.to_dict() == want
    # The same from the bytes, but for the input's name.
    from_bytes = segprep.check(path.read_bytes(), max_diagnostics=0,
                               **options).to_dict()
    assert from_bytes.pop("input") == "<bytes>"
    assert from_bytes == {k: v for k, v in want.items() if k != "input"}

    want_out, want_rejects = tmp_path / "cli.csv", tmp_path / "cli-rej.csv"
    want_stats = cli_clean(cli, path, want_out, "--rejects",
                           str(want_rejects), *args)
    out, rejects = tmp_path / "py.csv", tmp_path / "py-rej.csv"
    stats = segprep.clean(path, out, rejects, **options)
    want_stats["output"] = str(out)
    assert stats.to_dict() == want_stats
    assert out.read_bytes() == want_out.read_bytes()
    assert rejects.read_bytes() == want_rejects.read_bytes()


def test_the_options_change_the_result(files):
    # Each case's options do something: without them the result differs.
    for name, options in CASES:
        if not options:
            continue
        with_options = segprep.check(files[name], max_diagnostics=0,
                                     **options).to_dict()
        without = segprep.check(files[name], max_diagnostics=0).to_dict()
        assert with_options != without, (name, options)


def test_a_column_from_a_semicolon_export(files, tmp_path):
    out = tmp_path / "ids.csv"
    stats = segprep.clean(files["excel.csv"], out, column="user_id",
                          delimiter="auto")
    assert stats.header is not None and stats.header.startswith("user_id;")
    assert stats.fixed.get("bom") == 1 and stats.fixed.get("crlf")
    values = out.read_text().splitlines()
    assert values and all(v[0] in "Uu" and ";" not in v for v in values)
    # The short rows have no fourth field.
    emails = segprep.check(files["excel.csv"], column="email", delimiter=";")
    assert emails.rejected.get("missing-column")


def test_utf16_is_transcoded(files, tmp_path):
    out = tmp_path / "emails.csv"
    stats = segprep.clean(files["unicode.txt"], out, column=2,
                          delimiter="tab", id_type="email")
    assert stats.fixed.get("encoding") == 1
    text = out.read_bytes().decode("utf-8")
    assert "@Example.com" in text and "\x00" not in text


def test_windows_1252_becomes_utf8(files, tmp_path):
    out = tmp_path / "names.csv"
    segprep.clean(files["crm.csv"], out, encoding="windows-1252")
    assert out.read_text(encoding="utf-8").startswith(
        files["crm.csv"].read_bytes().decode("cp1252").splitlines()[0]
    )
    report = segprep.check(files["crm.csv"])
    assert report.rejected.get("invalid-utf8")


def test_default_region_writes_e164(files, tmp_path):
    out = tmp_path / "e164.csv"
    segprep.clean(files["phones.csv"], out, id_type="phone",
                  default_region="US")
    values = out.read_text().splitlines()
    assert values and all(v.startswith("+") for v in values)
    assert "+442079460958" in values


def test_max_input_bytes_stops_a_large_decoded_input(cli, files, tmp_path):
    path = files["unload.csv.gz"]
    decoded = len(gzip.decompress(path.read_bytes()))
    assert path.stat().st_size < decoded
    # Over the cap by one byte: an error, and nothing written.
    out = tmp_path / "out.csv"
    with pytest.raises(ValueError) as raised:
        segprep.clean(path, out, max_input_bytes=decoded - 1)
    message = str(raised.value)
    assert f"more than {decoded - 1} bytes" in message
    done = run_cli(cli, "clean", str(path), "-o", str(out),
                   "--max-input-bytes", str(decoded - 1), ok=(2,))
    assert message in done.stderr.decode()
    assert not out.exists()
    with pytest.raises(ValueError):
        segprep.check(path.read_bytes(), max_input_bytes=decoded - 1)
    # At the cap, and with no cap, it is read.
    assert segprep.check(path, max_input_bytes=decoded).values_found
    assert segprep.check(path, max_input_bytes=0).values_found


def test_a_column_name_not_in_the_header(cli, files, tmp_path):
    path = files["excel.csv"]
    out = tmp_path / "out.csv"
    with pytest.raises(ValueError) as raised:
        segprep.clean(path, out, column="gaid", delimiter=";")
    message = str(raised.value)
    assert "user_id" in message and "email" in message
    done = run_cli(cli, "clean", str(path), "-o", str(out), "--column",
                   "gaid", "--delimiter", ";", ok=(2,))
    assert message in done.stderr.decode()
    with pytest.raises(ValueError, match="user_id"):
        segprep.check(path, column="gaid", delimiter=";")
    assert not out.exists()


BAD = [
    ({"delimiter": "ab"}, "--delimiter"),
    ({"delimiter": '"'}, "--delimiter"),
    ({"delimiter": "é"}, "--delimiter"),
    ({"column": ""}, "--column"),
    ({"column": "0"}, "--column"),
    ({"default_region": "XX", "id_type": "phone"}, "--default-region"),
    ({"default_region": "US"}, "--default-region"),
    ({"column": "id", "header": "no"}, "--column"),
]


@pytest.mark.parametrize("options, flag", BAD)
def test_bad_values_carry_the_cli_message(cli, files, options, flag):
    with pytest.raises(ValueError) as raised:
        segprep.check(files["phones.csv"], **options)
    message = str(raised.value)
    key = flag[2:].replace("-", "_") + ": "
    # "delimiter: <segprep's message>": the message after the option's
    # name is the command line's.
    said = message[len(key):] if message.startswith(key) else message
    done = run_cli(cli, "check", str(files["phones.csv"]),
                   *options_to_args(options), ok=(2,))
    assert said in done.stderr.decode(), (said, done.stderr.decode())


@pytest.mark.parametrize(
    "options, message",
    [
        ({"column": 0}, "column: columns are numbered from 1"),
        ({"column": -2}, "column: expected a number from 1, got -2"),
        ({"column": True}, "column: expected an int or a str, got bool"),
        ({"column": 1.0}, "column: expected an int or a str, got float"),
        ({"delimiter": 44}, "delimiter: expected a str, got int"),
        ({"default_region": 1}, "default_region: expected a str, got int"),
        ({"encoding": None, "max_input_bytes": -1},
         "max_input_bytes: expected a non-negative int, got -1"),
        ({"max_input_bytes": "150M"},
         "max_input_bytes: expected a non-negative int, got '150M'"),
        ({"encoding": "UTF-8"}, "encoding: unknown Encoding 'UTF-8'"),
    ],
)
def test_bad_types_are_value_errors(options, message):
    with pytest.raises(ValueError) as raised:
        segprep.check(b"a\n", **options)
    assert str(raised.value).startswith(message)


def test_normalize_picks_the_column_as_clean_does(tmp_path):
    rows = ["José;U1;1,5", "Li; u2 ", "x;U1", "y;;4", "U3", "z;U4#;5"]
    values, rules = segprep.normalize(rows, column=2, delimiter=";",
                                      case="upper")
    path = tmp_path / "rows.csv"
    path.write_text("\n".join(rows) + "\n")
    out, rejects = tmp_path / "out.csv", tmp_path / "rej.csv"
    segprep.clean(path, out, rejects, column=2, delimiter=";", case="upper",
                  header="no")
    kept = list(dict.fromkeys(v for v in values if v is not None))
    assert kept == out.read_text().splitlines()
    assert kept[:2] == ["U1", "U2"]
    with open(rejects, newline="") as f:
        rejected = [(int(r[0]), r[1]) for r in list(csv.reader(f))[1:]
                    if r[1] != "duplicate"]
    dropped = [(i + 1, r) for i, r in enumerate(rules) if r is not None]
    assert dropped == rejected
    assert (4, "empty-row") in dropped and (5, "missing-column") in dropped
    assert (6, "special-char") in dropped


@pytest.mark.parametrize(
    "options, message",
    [
        ({"column": "user_id"}, "column: a column name is looked up"),
        ({"column": 1, "delimiter": "auto"}, "delimiter: auto looks at"),
    ],
)
def test_normalize_refuses_what_needs_a_file(options, message):
    with pytest.raises(ValueError, match=message):
        segprep.normalize(["a"], **options)
    pa = pytest.importorskip("pyarrow")
    with pytest.raises(ValueError, match=message):
        segprep.normalize(pa.array(["a"]), **options)
    # The same options are fine for a file.
    assert segprep.check(b"user_id\na\n", **options).values_processed == 1
