//! `segprep clean`: the clean file, the rejects file and the statistics.

use serde_json::{json, Value};

use crate::util::{
    assert_balanced, assert_quiet_success, default_options, eqjson, eqnice,
    Dir,
};

/// Row by row: header, kept with five fixes, empty-row, special-char,
/// zero-ad-id, duplicate of 2, kept, multi-column, bad-quoting, kept with
/// four fixes, invalid-utf8, empty-row, duplicate of 10 without a
/// terminator.
const MIX: &[u8] = b"\xEF\xBB\xBFGAID\r\n\
    \x20 \"38400000-8CF0-11BD-B23E-10B96E40000D\" ,\r\n\
    \r\n\
    #comment\n\
    00000000-0000-0000-0000-000000000000\n\
    38400000-8cf0-11bd-b23e-10b96e40000d\n\
    6f1f6a5e-1c2b-4d8e-9a3f-2b7c9d0e1f23\n\
    abc,def\n\
    \"unclosed\n\
    \tC0FFEE00-1234-4ABC-9DEF-0123456789AB\t,,\r\n\
    \xFF\xFE\n\
    ,,\n\
    c0ffee00-1234-4abc-9def-0123456789ab";

const MIX_CLEAN: &str = "\
38400000-8cf0-11bd-b23e-10b96e40000d
6f1f6a5e-1c2b-4d8e-9a3f-2b7c9d0e1f23
c0ffee00-1234-4abc-9def-0123456789ab
";

/// The rejects file of `MIX`.
const MIX_REJECTS: &[u8] = b"line,rule,detail,raw
1,header,\"header row, not a value\",GAID
3,empty-row,no value in the row,
4,special-char,value has '#',#comment
5,zero-ad-id,all-zero advertising id,00000000-0000-0000-0000-000000000000
6,duplicate,same value as line 2,38400000-8cf0-11bd-b23e-10b96e40000d
8,multi-column,2 fields where 1 is allowed,\"abc,def\"
9,bad-quoting,quoted field is not closed,\"\"\"unclosed\"
11,invalid-utf8,invalid UTF-8 at byte 1,\xFF\xFE
12,empty-row,no value in the row,\",,\"
13,duplicate,same value as line 10,c0ffee00-1234-4abc-9def-0123456789ab
";

fn mix_stats(output: &str) -> Value {
    let mut options = default_options();
    options["id_type"] = json!("gaid");
    options["case"] = json!("lower");
    json!({
        "schema": "segprep-stats/1",
        "input": "in.csv",
        "bytes": MIX.len(),
        "values_found": 13,
        "values_processed": 3,
        "duplicates": 2,
        "header": "GAID",
        "rejected": {
            "invalid-utf8": 1,
            "bad-quoting": 1,
            "empty-row": 2,
            "multi-column": 1,
            "special-char": 1,
            "zero-ad-id": 1,
        },
        "fixed": {
            "bom": 1,
            "crlf": 2,
            "whitespace": 2,
            "trailing-comma": 2,
            "quoted": 1,
            "case": 2,
        },
        "warnings": [],
        "warning_codes": [],
        "options": options,
        "output": output,
        "output_bytes": MIX_CLEAN.len(),
    })
}

/// Shows bytes as text for a comparison, invalid UTF-8 escaped.
fn shown(bytes: &[u8]) -> String {
    bytes.escape_ascii().to_string().replace("\\n", "\\n\n")
}

#[test]
fn realistic_mix() {
    let dir = Dir::new("clean_mix");
    dir.create("in.csv", MIX);
    let out = dir
        .cmd(&["clean", "in.csv", "--id-type", "gaid", "-o", "out.csv"])
        .args(&["--rejects", "rejects.csv", "--stats", "stats.json"])
        .run();
    assert_quiet_success(&out);
    eqnice!(MIX_CLEAN, dir.read_text("out.csv"));
    eqnice!(shown(MIX_REJECTS), shown(&dir.read("rejects.csv")));
    let stats = dir.read_json("stats.json");
    eqjson!(mix_stats("out.csv"), stats);
    assert_balanced(&stats);
    // Nothing else is left in the folder.
    assert_eq!(
        dir.list(""),
        ["in.csv", "out.csv", "rejects.csv", "stats.json"]
    );
}

#[test]
fn sort_writes_byte_order() {
    let dir = Dir::new("clean_sort");
    dir.create("in.csv", "b\nB\na\n10\nb\n9\n_\n");
    let out = dir.cmd(&["clean", "in.csv", "-o", "-", "--sort", "-q"]).run();
    eqnice!(
        "
exit_code: 0
--- stdout
10
9
B
_
a
b
--- stderr
",
        out.render()
    );
    let out = dir.cmd(&["clean", "in.csv", "-o", "-"]).run();
    eqnice!("b\nB\na\n10\n9\n_\n", out.stdout_text());
}

#[test]
fn rejects_hold_the_raw_bytes() {
    let dir = Dir::new("clean_rejects_raw");
    dir.create(
        "in.csv",
        b"\xEF\xBB\xBF\"x\r\na\tb\r\n\xC3(\nx y, z\nok\nok\r\nlast\r",
    );
    let out = dir
        .cmd(&["clean", "in.csv", "-o", "out.csv", "--rejects", "r.csv"])
        .run();
    assert_eq!(out.code(), 0, "{}", out.render());
    eqnice!("ok\n", dir.read_text("out.csv"));
    let want: &[u8] = b"line,rule,detail,raw
1,bad-quoting,quoted field is not closed,\"\"\"x\"
2,special-char,value has '\\t',a\tb
3,invalid-utf8,invalid UTF-8 at byte 1,\xC3(
4,multi-column,2 fields where 1 is allowed,\"x y, z\"
6,duplicate,same value as line 5,ok
7,special-char,value has '\\r',\"last\r\"
";
    eqnice!(shown(want), shown(&dir.read("r.csv")));
}

#[test]
fn rejects_written_when_nothing_dropped() {
    let dir = Dir::new("clean_rejects_empty");
    dir.create("in.csv", "a\nb\n");
    let out = dir
        .cmd(&["clean", "in.csv", "-o", "out.csv", "--rejects", "r.csv"])
        .run();
    assert_eq!(out.code(), 0, "{}", out.render());
    eqnice!("line,rule,detail,raw\n", dir.read_text("r.csv"));
    eqnice!("a\nb\n", dir.read_text("out.csv"));
}

#[test]
fn stats_to_standard_output() {
    let dir = Dir::new("clean_stats_dash");
    dir.create("in.csv", MIX);
    let out = dir
        .cmd(&["clean", "in.csv", "--id-type", "gaid", "-o", "out.csv"])
        .args(&["--rejects", "rejects.csv", "--stats", "-", "-q"])
        .run();
    assert_eq!(out.code(), 0, "{}", out.render());
    assert!(out.stderr.is_empty(), "{}", out.render());
    eqjson!(mix_stats("out.csv"), out.json());
    eqnice!(MIX_CLEAN, dir.read_text("out.csv"));
}

#[test]
fn stats_to_standard_output_without_rejects() {
    let dir = Dir::new("clean_stats_dash_alone");
    dir.create("in.csv", MIX);
    let out = dir
        .cmd(&["clean", "in.csv", "--id-type", "gaid", "-o", "out.csv"])
        .args(&["--stats", "-"])
        .run();
    assert_eq!(out.code(), 0, "{}", out.render());
    eqjson!(mix_stats("out.csv"), out.json());
    eqnice!(MIX_CLEAN, dir.read_text("out.csv"));
}

#[test]
fn output_to_standard_output() {
    let dir = Dir::new("clean_output_dash");
    dir.create("in.csv", MIX);
    let out = dir
        .cmd(&["clean", "in.csv", "--id-type", "gaid", "-o", "-", "-q"])
        .args(&["--rejects", "rejects.csv", "--stats", "stats.json"])
        .run();
    eqnice!(
        "
exit_code: 0
--- stdout
38400000-8cf0-11bd-b23e-10b96e40000d
6f1f6a5e-1c2b-4d8e-9a3f-2b7c9d0e1f23
c0ffee00-1234-4abc-9def-0123456789ab
--- stderr
",
        out.render()
    );
    eqjson!(mix_stats("-"), dir.read_json("stats.json"));
    eqnice!(shown(MIX_REJECTS), shown(&dir.read("rejects.csv")));
    assert_eq!(dir.list(""), ["in.csv", "rejects.csv", "stats.json"]);
}

#[test]
fn input_from_standard_input() {
    let dir = Dir::new("clean_input_dash");
    let out = dir
        .cmd(&["clean", "-", "--id-type", "gaid", "-o", "out.csv"])
        .args(&["--rejects", "rejects.csv", "--stats", "stats.json"])
        .stdin(MIX)
        .run();
    assert_eq!(out.code(), 0, "{}", out.render());
    eqnice!(MIX_CLEAN, dir.read_text("out.csv"));
    eqnice!(shown(MIX_REJECTS), shown(&dir.read("rejects.csv")));
    let mut want = mix_stats("out.csv");
    want["input"] = json!("-");
    eqjson!(want, dir.read_json("stats.json"));

    let out =
        dir.cmd(&["clean", "-", "-o", "-", "-q"]).stdin("b\na\nb\n").run();
    eqnice!(
        "
exit_code: 0
--- stdout
b
a
--- stderr
",
        out.render()
    );
}

#[test]
fn fail_on_reject_exits_1_and_still_writes() {
    let dir = Dir::new("clean_fail_on_reject");
    dir.create("in.csv", "a\nb#\na\n");
    let out = dir
        .cmd(&["clean", "in.csv", "-o", "out.csv", "--fail-on-reject"])
        .args(&["--rejects", "r.csv", "--stats", "s.json"])
        .run();
    eqnice!(
        "
exit_code: 1
--- stdout
--- stderr
segprep: in.csv: 1 value written to out.csv (3 rows, 1 duplicate, 1 rejected); rejected: special-char 1
",
        out.render()
    );
    eqnice!("a\n", dir.read_text("out.csv"));
    eqnice!(
        "line,rule,detail,raw
2,special-char,value has '#',b#
3,duplicate,same value as line 1,a
",
        dir.read_text("r.csv")
    );
    let stats = dir.read_json("s.json");
    eqjson!(json!({"special-char": 1}), stats["rejected"]);
    // Without the flag, the same input exits 0.
    let out = dir.cmd(&["clean", "in.csv", "-o", "out2.csv"]).run();
    assert_eq!(out.code(), 0, "{}", out.render());
}

#[test]
fn fail_on_reject_ignores_duplicates_and_header() {
    let dir = Dir::new("clean_fail_on_reject_dups");
    dir.create("in.csv", "id\n1\n2\n1\n");
    let out = dir
        .cmd(&["clean", "in.csv", "-o", "out.csv", "--fail-on-reject"])
        .args(&["--id-type", "numeric", "--stats", "s.json"])
        .run();
    assert_eq!(out.code(), 0, "{}", out.render());
    eqnice!("1\n2\n", dir.read_text("out.csv"));
    let stats = dir.read_json("s.json");
    assert_eq!(stats["header"], "id");
    assert_eq!(stats["duplicates"], 1);
    eqjson!(json!({}), stats["rejected"]);
}

#[test]
fn counting_identity() {
    let dir = Dir::new("clean_identity");
    let cases: &[(&[u8], &[&str])] = &[
        (MIX, &["--id-type", "gaid"]),
        (MIX, &[]),
        (MIX, &["--header", "no", "--id-type", "uuid"]),
        (b"", &[]),
        (b"\n", &["--header", "yes"]),
        (b"\xEF\xBB\xBF", &[]),
        (b"a\r\nb\rc\n\"d\",\n d \na\n,\n\"\"\n", &[]),
        (
            b"n\n007\n1.50\n1.5\nx\n1e999\n9007199254740993\n",
            &["--attribute-type", "double"],
        ),
        (b"Mail\nA@B.CO\na@b.co\nnope\n", &["--id-type", "email"]),
        (b"phone\n555 123 4567\n555-123-4567\n12\n", &["--id-type", "phone"]),
    ];
    for (input, args) in cases {
        dir.create("in.csv", input);
        let out = dir
            .cmd(&["clean", "in.csv", "-o", "out.csv", "--stats", "s.json"])
            .args(args)
            .run();
        assert_eq!(out.code(), 0, "{args:?}\n{}", out.render());
        let stats = dir.read_json("s.json");
        assert_balanced(&stats);
        let lines =
            dir.read("out.csv").iter().filter(|&&b| b == b'\n').count();
        assert_eq!(stats["values_processed"], lines, "{args:?}");
        assert_eq!(stats["output_bytes"], dir.read("out.csv").len());

        let out =
            dir.cmd(&["check", "in.csv", "--format", "json"]).args(args).run();
        assert_eq!(out.code(), 1, "{args:?}\n{}", out.render());
        assert_balanced(&out.json());
    }
}

/// About 2.6 MB: more than two chunks of the pipeline's smallest chunk
/// size (1 MiB), with duplicates far apart, CRLF rows and rejects.
fn big_input() -> Vec<u8> {
    let mut input = b"\xEF\xBB\xBFid\r\n".to_vec();
    for i in 0..380_000u32 {
        let row = match i % 7 {
            0 => format!("v{}\n", i / 3),
            1 => format!(" v{i} ,\r\n"),
            2 => format!("\"v{}\"\n", i * 5 % 1000),
            3 => format!("a#{i}\n"),
            4 => "\n".to_string(),
            5 => "x,y\r\n".to_string(),
            _ => format!("V{}\n", i % 5000),
        };
        input.extend_from_slice(row.as_bytes());
    }
    input
}

#[test]
fn same_bytes_for_every_thread_count_and_without_mmap() {
    let input = big_input();
    let runs: &[&[&str]] = &[
        &["--threads", "1"],
        &["--threads", "2"],
        &["--threads", "3"],
        &[],
        &["--no-mmap"],
    ];
    let mut results = Vec::new();
    for (i, args) in runs.iter().enumerate() {
        let dir = Dir::new(&format!("clean_threads_{i}"));
        dir.create("in.csv", &input);
        let out = dir
            .cmd(&["clean", "in.csv", "-o", "out.csv", "--rejects", "r.csv"])
            .args(&["--stats", "s.json", "--attribute-name", "ID"])
            .args(args)
            .run();
        assert_eq!(out.code(), 0, "{args:?}\n{}", out.render());
        let files = ["out.csv", "r.csv", "s.json"].map(|name| dir.read(name));
        results.push((args, files));
    }
    let (_, first) = &results[0];
    let stats: Value = serde_json::from_slice(&first[2]).unwrap();
    assert_balanced(&stats);
    assert_eq!(stats["header"], "id");
    assert_eq!(stats["values_found"], 380_001);
    for (args, files) in &results[1..] {
        for (name, (a, b)) in
            ["out.csv", "r.csv", "s.json"].iter().zip(first.iter().zip(files))
        {
            assert!(a == b, "{name} differs for {args:?}");
        }
    }
}

#[test]
fn clean_of_a_clean_file_is_unchanged_and_conforms() {
    let dir = Dir::new("clean_idempotent");
    dir.create("in.csv", MIX);
    let cases: &[&[&str]] = &[
        &["--id-type", "gaid"],
        &[],
        &["--id-type", "idfa"],
        &["--header", "no", "--allow-chars", "#"],
    ];
    for args in cases {
        let out =
            dir.cmd(&["clean", "in.csv", "-o", "once.csv"]).args(args).run();
        assert_eq!(out.code(), 0, "{args:?}\n{}", out.render());
        let out = dir
            .cmd(&["clean", "once.csv", "-o", "twice.csv"])
            .args(args)
            .args(&["--rejects", "r.csv", "--stats", "s.json"])
            .run();
        assert_eq!(out.code(), 0, "{args:?}\n{}", out.render());
        eqnice!(dir.read_text("once.csv"), dir.read_text("twice.csv"));
        eqnice!("line,rule,detail,raw\n", dir.read_text("r.csv"));
        eqjson!(json!({}), dir.read_json("s.json")["fixed"]);
        let out = dir.cmd(&["check", "once.csv"]).args(args).run();
        assert_eq!(out.code(), 0, "{args:?}\n{}", out.render());
    }
}

#[test]
fn empty_result_writes_an_empty_file() {
    let dir = Dir::new("clean_empty_result");
    for input in [&b"\n\r\n#\n"[..], b""] {
        dir.create("in.csv", input);
        let out = dir
            .cmd(&["clean", "in.csv", "-o", "out.csv", "--stats", "s.json"])
            .run();
        assert_quiet_success(&out);
        assert_eq!(dir.read("out.csv"), b"");
        let stats = dir.read_json("s.json");
        assert_eq!(stats["values_processed"], 0);
        assert_eq!(stats["output_bytes"], 0);
        std::fs::remove_file(dir.path("out.csv")).unwrap();
    }
    let out = dir.cmd(&["clean", "-", "-o", "-"]).stdin("\n").run();
    assert_quiet_success(&out);
}

#[test]
fn input_over_max_bytes_is_fine_when_the_clean_file_fits() {
    let dir = Dir::new("clean_input_over_max_bytes");
    dir.create("in.csv", "a\na\n a \n\"a\"\n");
    let out = dir
        .cmd(&["clean", "in.csv", "-o", "out.csv", "--max-bytes", "2"])
        .run();
    assert_eq!(out.code(), 0, "{}", out.render());
    eqnice!("a\n", dir.read_text("out.csv"));
}

#[test]
fn clean_file_at_max_bytes_is_written() {
    let dir = Dir::new("clean_at_max_bytes");
    dir.create("in.csv", "a\nb\n");
    let out = dir
        .cmd(&["clean", "in.csv", "-o", "out.csv", "--max-bytes", "4"])
        .run();
    assert_eq!(out.code(), 0, "{}", out.render());
    eqnice!("a\nb\n", dir.read_text("out.csv"));
}

#[test]
fn an_existing_output_is_replaced_whole() {
    let dir = Dir::new("clean_replace_output");
    dir.create("in.csv", "new\n");
    dir.create("out.csv", "old 1\nold 2\nold 3\n");
    dir.create("r.csv", "old");
    dir.create("s.json", "old");
    let out = dir
        .cmd(&["clean", "in.csv", "-o", "out.csv", "--rejects", "r.csv"])
        .args(&["--stats", "s.json"])
        .run();
    assert_eq!(out.code(), 0, "{}", out.render());
    eqnice!("new\n", dir.read_text("out.csv"));
    eqnice!("line,rule,detail,raw\n", dir.read_text("r.csv"));
    assert_eq!(dir.read_json("s.json")["values_processed"], 1);
    assert_eq!(dir.list(""), ["in.csv", "out.csv", "r.csv", "s.json"]);
}

#[test]
fn outputs_in_other_folders() {
    let dir = Dir::new("clean_other_folders");
    dir.create("data/in.csv", "x\n");
    dir.mkdir("out");
    let out = dir
        .cmd(&["clean", "data/in.csv", "-o", "out/clean.csv"])
        .args(&["--stats", "out/s.json"])
        .run();
    assert_eq!(out.code(), 0, "{}", out.render());
    eqnice!("x\n", dir.read_text("out/clean.csv"));
    let stats = dir.read_json("out/s.json");
    assert_eq!(stats["input"], "data/in.csv");
    assert_eq!(stats["output"], "out/clean.csv");
    assert_eq!(dir.list("out"), ["clean.csv", "s.json"]);
}

/// Replacing a symlinked OUT writes through the link and keeps the link.
#[test]
fn output_symlink_is_kept() {
    let dir = Dir::new("clean_output_symlink");
    dir.create("in.csv", "b\na\n");
    dir.create("real.csv", "old\n");
    std::os::unix::fs::symlink("real.csv", dir.path("out.csv")).unwrap();
    let out = dir.cmd(&["clean", "in.csv", "-o", "out.csv"]).run();
    assert_eq!(out.code(), 0, "{}", out.render());
    let link = std::fs::read_link(dir.path("out.csv")).unwrap();
    assert_eq!(link, std::path::Path::new("real.csv"));
    assert_eq!(dir.read_text("real.csv"), "b\na\n");
    assert_eq!(dir.list(""), ["in.csv", "out.csv", "real.csv"]);
}

/// An OUT that is a device is written directly: it cannot be renamed
/// over, and must not be replaced by a regular file. Several outputs may
/// share a character device.
#[test]
fn output_device_is_written_in_place() {
    let dir = Dir::new("clean_output_device");
    dir.create("in.csv", "b\na\n");
    let out = dir
        .cmd(&["clean", "in.csv", "-o", "/dev/null", "--rejects", "/dev/null"])
        .run();
    assert_quiet_success(&out);
    let out = dir
        .cmd(&["clean", "in.csv", "-o", "/dev/null", "--stats", "s.json"])
        .run();
    assert_eq!(out.code(), 0, "{}", out.render());
    let meta = std::fs::metadata("/dev/null").unwrap();
    assert!(!meta.is_file());
    assert_eq!(dir.read_json("s.json")["values_processed"], 2);
}

/// See issue 15: the rejects file of concatenated daily exports was
/// twice the input, almost all duplicates.
#[test]
fn rejects_omit_leaves_duplicates_out() {
    let dir = Dir::new("clean_rejects_omit");
    dir.create("in.csv", "id\na\nb\na\nb#\na\n");
    let run = |extra: &[&str]| {
        let out = dir
            .cmd(&["clean", "in.csv", "-o", "out.csv", "--rejects", "r.csv"])
            .args(&["--header", "yes", "-q"])
            .args(extra)
            .run();
        assert_eq!(out.code(), 0, "{}", out.render());
        dir.read_text("r.csv")
    };
    eqnice!(
        "line,rule,detail,raw
1,header,\"header row, not a value\",id
5,special-char,value has '#',b#
",
        run(&["--rejects-omit", "duplicate"])
    );
    eqnice!(
        "line,rule,detail,raw
5,special-char,value has '#',b#
",
        run(&["--rejects-omit", "duplicate,header"])
    );
    // The statistics still count every row.
    let out = dir
        .cmd(&["clean", "in.csv", "-o", "-", "--stats", "s.json", "-q"])
        .args(&["--rejects", "r.csv", "--rejects-omit", "duplicate"])
        .run();
    assert_eq!(out.code(), 0, "{}", out.render());
    assert_eq!(dir.read_json("s.json")["duplicates"], 2);
    // Without --rejects it means nothing: an argument error.
    let out = dir
        .cmd(&["clean", "in.csv", "-o", "-", "--rejects-omit", "duplicate"])
        .run();
    assert_eq!(out.code(), 2, "{}", out.render());
}

#[test]
fn a_split_replaces_an_earlier_unsplit_clean_file() {
    let dir = Dir::new("clean_split_stale_single");
    dir.create("in.csv", "a\nb\nc\n");
    let out = dir.cmd(&["clean", "in.csv", "-o", "clean.csv"]).run();
    assert_quiet_success(&out);
    assert!(dir.exists("clean.csv"));
    let out = dir
        .cmd(&["clean", "in.csv", "-o", "clean.csv", "--split-values", "2"])
        .args(&["--stats", "stats.json"])
        .run();
    assert_eq!(out.code(), 0, "{}", out.render());
    // The earlier copy of the values is gone, and the run says so.
    assert_eq!(
        dir.list(""),
        ["clean.part-001.csv", "clean.part-002.csv", "in.csv", "stats.json"]
    );
    eqnice!(
        "segprep: removed clean.csv, the unsplit clean file of an earlier \
         run: the parts replace it\nsegprep: in.csv: 3 values written to 2 \
         parts of clean.csv (3 rows, 0 duplicates, 0 rejected)\n",
        out.stderr_text()
    );
    // The statistics gain the parts; `output` is the name they follow.
    let stats = dir.read_json("stats.json");
    assert_eq!(stats["schema"], "segprep-stats/1");
    assert_eq!(stats["output"], "clean.csv");
    assert_eq!(stats["parts"][0]["path"], "clean.part-001.csv");
    // A folder of that name is not a clean file: left alone.
    let dir = Dir::new("clean_split_stale_folder");
    dir.create("in.csv", "a\n");
    dir.mkdir("clean.csv");
    let out = dir
        .cmd(&["clean", "in.csv", "-o", "clean.csv", "--split-values", "2"])
        .run();
    assert_eq!(out.code(), 0, "{}", out.render());
    assert!(dir.exists("clean.csv") && !out.stderr_text().contains("removed"));
}

#[test]
fn quiet_stats_to_standard_output_still_print() {
    let dir = Dir::new("clean_quiet_stats");
    dir.create("in.csv", "a\na\n");
    let out = dir
        .cmd(&["clean", "-q", "in.csv", "-o", "o.csv", "--stats", "-"])
        .run();
    assert_eq!(out.code(), 0, "{}", out.render());
    assert!(out.stderr.is_empty(), "{}", out.render());
    assert_eq!(out.json()["duplicates"], 1);
}
