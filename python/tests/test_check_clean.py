"""check and clean give the command line's documents and files."""

from __future__ import annotations

import base64
import gzip
import json
import os
from pathlib import Path

import pytest

import segprep
from conftest import (
    cli_check,
    cli_clean,
    messy_ids,
    options_to_args,
    run_cli,
    write_lines,
)

SAMPLE = (
    b"\xef\xbb\xbfgaid\r\n"
    b"38400000-8CF0-11BD-B23E-10B96E40000D\r\n"
    b"38400000-8cf0-11bd-b23e-10b96e40000d,\n"
    b"00000000-0000-0000-0000-000000000000\n"
    b'"6f9619ff-8b86-d011-b42d-00c04fc964ff"\n'
    b" 6F9619FF-8B86-D011-B42D-00C04FC964FF \n"
    b"a#b\n"
    b"\n"
    b"a,b\n"
    b'"unclosed\n'
    b"caf\xc3\xa9@example.com\n"
    b"User@Example.COM\n"
    b"\xff\xfe broken\n"
    b"1.50\n"
    b"007\n"
    b"9007199254740993\n"
    b"+1 (555) 123-4567\n"
    + b"x" * 300
    + b"\n"
    b"last-without-lf"
)

OPTIONS = [
    {},
    {"id_type": "gaid"},
    {"id_type": "numeric", "attribute_type": "double"},
    {"header": "no", "allow_chars": "#,", "max_value_len": 10},
    {"id_type": "email", "case": "lower", "ascii_only": True},
    {"id_type": "phone", "deny_chars": "+", "attribute_name": "GAID"},
    {"header": "yes", "threads": 1, "max_bytes": 300},
]


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    path = tmp_path / "sample.csv"
    path.write_bytes(SAMPLE)
    return path


@pytest.mark.parametrize("options", OPTIONS)
@pytest.mark.parametrize("max_diagnostics", [0, 1, 20])
def test_check_is_the_cli_json(cli, sample, options, max_diagnostics):
    want = cli_check(
        cli, sample, "--max-diagnostics", str(max_diagnostics),
        *options_to_args(options),
    )
    report = segprep.check(
        str(sample), max_diagnostics=max_diagnostics, **options
    )
    assert report.to_dict() == want
    # The attributes are the document's fields.
    for key, value in want.items():
        if key == "diagnostics":
            assert [d.to_dict() for d in report.diagnostics] == value
            for d, item in zip(report.diagnostics, value):
                for field in d._fields:
                    assert getattr(d, field) == item.get(field), field
        else:
            assert getattr(report, key) == value, key
    assert report.schema == "segprep-check/1"
    assert report.output is None and report.output_bytes is None


@pytest.mark.parametrize("options", OPTIONS)
@pytest.mark.parametrize("sort", [False, True])
def test_clean_writes_the_cli_files(cli, sample, tmp_path, options, sort):
    args = options_to_args(options) + (["--sort"] if sort else [])
    want_out = tmp_path / "cli.csv"
    want_rejects = tmp_path / "cli-rejects.csv"
    want = cli_clean(
        cli, sample, want_out, "--rejects", str(want_rejects), *args
    )
    out = tmp_path / "py.csv"
    rejects = tmp_path / "py-rejects.csv"
    stats = segprep.clean(sample, out, rejects, sort=sort, **options)
    # The same document, but for the output's name.
    assert want["output"] == str(want_out)
    want["output"] = str(out)
    assert stats.to_dict() == want
    assert out.read_bytes() == want_out.read_bytes()
    assert rejects.read_bytes() == want_rejects.read_bytes()
    for key, value in want.items():
        assert getattr(stats, key) == value, key
    assert stats.schema == "segprep-stats/1"
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".")]


def test_a_large_messy_file_is_checked_and_cleaned_as_the_cli_does(
    cli, tmp_path
):
    path = write_lines(tmp_path / "ids.csv", messy_ids(20_000))
    options = {"id_type": "gaid", "header": "no"}
    args = options_to_args(options)
    assert segprep.check(path, max_diagnostics=0, **options).to_dict() == (
        cli_check(cli, path, "--max-diagnostics", "0", *args)
    )
    want = cli_clean(cli, path, tmp_path / "cli.csv", *args)
    stats = segprep.clean(path, tmp_path / "py.csv", **options)
    want["output"] = str(tmp_path / "py.csv")
    assert stats.to_dict() == want
    assert (tmp_path / "py.csv").read_bytes() == (
        tmp_path / "cli.csv"
    ).read_bytes()


def test_bytes_are_read_as_the_file_is(sample):
    from_file = segprep.check(sample, max_diagnostics=0).to_dict()
    from_bytes = segprep.check(SAMPLE, max_diagnostics=0).to_dict()
    assert from_bytes.pop("input") == "<bytes>"
    assert from_file.pop("input") == str(sample)
    assert from_bytes == from_file
    assert segprep.check(bytearray(SAMPLE)).to_dict() == (
        segprep.check(SAMPLE).to_dict()
    )


def test_gzip_input_is_decompressed_and_reported(cli, tmp_path):
    path = tmp_path / "ids.csv.gz"
    path.write_bytes(gzip.compress(b"a\nb\n"))
    report = segprep.check(path)
    assert report.to_dict() == cli_check(cli, path)
    assert report.uncompressed_bytes == 4
    assert report.file_findings == ["compressed"]
    assert not report.conforms
    from_bytes = segprep.check(path.read_bytes())
    assert from_bytes.uncompressed_bytes == 4
    assert from_bytes.bytes == path.stat().st_size


def test_a_conforming_file(tmp_path):
    report = segprep.check(b"a\nb\n")
    assert report.conforms
    assert report.diagnostics == []
    assert report.values_processed == 2


def test_a_row_that_is_not_utf8_keeps_its_bytes(sample):
    report = segprep.check(sample, max_diagnostics=0)
    broken = [d for d in report.diagnostics if d.rule == "invalid-utf8"]
    assert [d.line for d in broken] == [13]
    assert base64.b64decode(broken[0].raw_base64) == b"\xff\xfe broken"
    assert broken[0].raw == "\ufffd\ufffd broken"
    # Only such rows carry the bytes, in the attribute and the document.
    others = [d for d in report.diagnostics if d.rule != "invalid-utf8"]
    assert others and all(d.raw_base64 is None for d in others)
    documents = report.to_dict()["diagnostics"]
    assert [d.to_dict() for d in report.diagnostics] == documents
    assert ["raw_base64" in d for d in documents] == [
        d.rule == "invalid-utf8" for d in report.diagnostics
    ]


@pytest.mark.parametrize(
    "options, case",
    [
        ({}, "keep"),
        ({"id_type": "gaid"}, "lower"),
        ({"id_type": "idfa"}, "upper"),
        ({"id_type": "idfa", "case": "keep"}, "keep"),
        ({"id_type": "uuid", "case": None}, "lower"),
        ({"id_type": "email", "case": "upper", "max_value_len": 40,
          "column": "1", "delimiter": "tab", "encoding": "utf-8",
          "max_input_bytes": 0, "attribute_name": "Email",
          "deny_chars": "+", "allow_chars": "#", "ascii_only": True,
          "threads": 1}, "upper"),
    ],
)
def test_options_are_the_run_s_as_the_cli_echoes_them(
    cli, sample, tmp_path, options, case
):
    given = {k: v for k, v in options.items() if v is not None}
    args = options_to_args(given)
    want = cli_check(cli, sample, *args)["options"]
    report = segprep.check(sample, **options)
    assert report.options == want
    assert report.options["case"] == case
    assert "threads" not in report.options
    stats = segprep.clean(sample, tmp_path / "out.csv", **options)
    assert stats.options == want
    assert stats.to_dict()["options"] == want


def test_stats_json_round_trips_and_compares():
    a = segprep.check(b"a\na\n")
    b = segprep.check(b"a\na\n")
    assert a == b
    assert a != segprep.check(b"a\n")
    assert json.loads(json.dumps(a.to_dict())) == a.to_dict()
    # to_dict is a copy: changing it changes nothing.
    a.to_dict()["rejected"]["x"] = 1
    assert a.to_dict() == b.to_dict()


def test_clean_refuses_to_overwrite_its_input(sample):
    before = sample.read_bytes()
    with pytest.raises(ValueError, match="the output is the input file"):
        segprep.clean(sample, sample)
    assert sample.read_bytes() == before


def test_clean_refuses_one_path_for_two_outputs(sample, tmp_path):
    out = tmp_path / "out.csv"
    with pytest.raises(ValueError, match="named as two outputs"):
        segprep.clean(sample, out, out)
    assert not out.exists()


def test_two_spellings_of_a_new_output_are_one_file(sample, tmp_path, monkeypatch):
    # See issue 19: ./a.csv and a.csv, neither there yet, are one file.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    for other in ["./a.csv", "sub/../a.csv", str(tmp_path / "a.csv")]:
        with pytest.raises(ValueError, match="named as two outputs"):
            segprep.clean(sample, "a.csv", other)
        assert not (tmp_path / "a.csv").exists()
    # A dangling link to a.csv names it too.
    os.symlink("a.csv", tmp_path / "link.csv")
    with pytest.raises(ValueError, match="named as two outputs"):
        segprep.clean(sample, "a.csv", "link.csv")


def test_a_clean_file_over_max_bytes_is_not_written(cli, sample, tmp_path):
    out = tmp_path / "out.csv"
    out.write_text("old\n")
    # The clean file's size as the command line writes it.
    size = len(run_cli(cli, "clean", str(sample), "-o", "-", "-q").stdout)
    with pytest.raises(ValueError) as raised:
        segprep.clean(sample, out, max_bytes=10)
    assert str(raised.value) == (
        f"{out}: the clean file would be {size} bytes, over the limit of "
        "10; nothing written"
    )
    done = run_cli(
        cli, "clean", str(sample), "-o", str(out), "--max-bytes", "10",
        ok=(2,),
    )
    assert str(raised.value) in done.stderr.decode()
    assert out.read_text() == "old\n"
    assert sorted(os.listdir(tmp_path)) == ["out.csv", "sample.csv"]


def test_missing_input_is_file_not_found(tmp_path):
    missing = tmp_path / "missing.csv"
    for call in (
        lambda: segprep.check(missing),
        lambda: segprep.clean(missing, tmp_path / "out.csv"),
    ):
        with pytest.raises(FileNotFoundError) as raised:
            call()
        assert str(raised.value) == (
            f"{missing}: cannot open: No such file or directory (os error 2)"
        )
        assert raised.value.errno == 2
    assert not (tmp_path / "out.csv").exists()


def test_unwritable_output_is_os_error(sample, tmp_path):
    with pytest.raises(FileNotFoundError, match="cannot write"):
        segprep.clean(sample, tmp_path / "no-such-dir" / "out.csv")
    with pytest.raises(IsADirectoryError, match="is a directory"):
        segprep.clean(sample, tmp_path)


def test_a_directory_is_not_an_input(tmp_path):
    with pytest.raises(OSError, match="is a directory"):
        segprep.check(tmp_path)


def test_utf16_is_read_as_the_cli_reads_it(cli, tmp_path):
    path = tmp_path / "utf16.csv"
    path.write_bytes("id\nabc\n".encode("utf-16"))
    report = segprep.check(path)
    assert "encoding" in report.file_findings
    assert report.conforms is False
    done = run_cli(cli, "check", str(path), "--format", "json", ok=(1,))
    assert report.to_dict() == json.loads(done.stdout)


@pytest.mark.parametrize(
    "options, message",
    [
        ({"id_type": "guid"}, "id_type: unknown IdType 'guid' (expected one of: string, numeric, uuid, gaid, idfa, email, phone)"),
        ({"header": True}, "header: expected one of auto, yes, no, got bool"),
        ({"case": "title"}, "case: unknown Case 'title'"),
        ({"max_value_len": -1}, "max_value_len: expected a non-negative int, got -1"),
        ({"threads": "2"}, "threads: expected a non-negative int, got '2'"),
        ({"ascii_only": "yes"}, "ascii_only: expected a bool, got str"),
        ({"allow_chars": 1}, "allow_chars: expected a str, got int"),
        ({"attribute_type": "double", "id_type": "uuid"}, "attribute type double needs id type string or numeric, not uuid"),
        ({"no_mmap": True}, "unknown option 'no_mmap'"),
        ({"delimiter": "ab"}, "delimiter: unknown delimiter 'ab'"),
        ({"default_region": "US"}, "a default region needs id type phone, not string"),
        ({"encoding": "latin1"}, "encoding: unknown Encoding 'latin1'"),
        ({"idtype": "gaid"}, "unknown option 'idtype' (segprep's options: id_type, "),
    ],
)
def test_bad_options_are_value_errors(sample, tmp_path, options, message):
    calls = [
        lambda: segprep.check(sample, **options),
        lambda: segprep.clean(sample, tmp_path / "out.csv", **options),
        lambda: segprep.normalize(["a"], **options),
    ]
    for call in calls:
        with pytest.raises(ValueError) as raised:
            call()
        assert str(raised.value).startswith(message)
    assert not (tmp_path / "out.csv").exists()


def test_command_options_are_checked(sample, tmp_path):
    with pytest.raises(ValueError, match="max_diagnostics"):
        segprep.check(sample, max_diagnostics=-1)
    with pytest.raises(ValueError, match="sort"):
        segprep.clean(sample, tmp_path / "o.csv", sort="yes")
    with pytest.raises(TypeError, match="source must be a path"):
        segprep.check(42)


def test_every_option_is_accepted(sample):
    report = segprep.check(
        sample,
        id_type="string",
        attribute_type="string",
        case="keep",
        header="auto",
        attribute_name="gaid",
        allow_chars="",
        deny_chars="",
        ascii_only=False,
        max_value_len=256,
        max_bytes=150_000_000,
        threads=2,
        column=None,
        delimiter=",",
        default_region=None,
        encoding="auto",
        max_input_bytes=1_500_000_000,
    )
    assert report.header == "gaid"
    # Every default given is the same run as none given, but for the
    # attribute name, which the options echo.
    assert report.to_dict() == segprep.check(
        sample, attribute_name="gaid"
    ).to_dict()
    assert report.options["attribute_name"] == "gaid"
    assert set(segprep.OPTIONS) == {
        "id_type", "attribute_type", "case", "header", "attribute_name",
        "column", "delimiter", "default_region", "allow_chars",
        "deny_chars", "ascii_only", "max_value_len", "max_bytes",
        "max_input_bytes", "encoding", "threads",
    }
