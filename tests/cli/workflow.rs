//! The upload workflow: split parts, diff, gzip input.

use std::io::Write;

use serde_json::json;

use crate::util::{assert_balanced, assert_error, eqjson, eqnice, Dir};

fn numbers(n: usize) -> String {
    (1..=n).map(|i| format!("{i}\n")).collect()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::default(),
    );
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

#[test]
fn split_values_parts_concatenate_to_the_clean_file() {
    let dir = Dir::new("split_values");
    dir.create("in.csv", numbers(10));
    let out = dir
        .cmd(&["clean", "in.csv", "-o", "clean.csv", "--split-values", "4"])
        .args(&["--stats", "stats.json"])
        .run();
    assert_eq!(out.code(), 0, "{}", out.render());
    assert_eq!(
        dir.list(""),
        [
            "clean.part-001.csv",
            "clean.part-002.csv",
            "clean.part-003.csv",
            "in.csv",
            "stats.json"
        ]
    );
    let parts: Vec<u8> = (1..=3)
        .flat_map(|n| dir.read(&format!("clean.part-{n:03}.csv")))
        .collect();
    assert_eq!(parts, numbers(10).into_bytes());
    let stats = dir.read_json("stats.json");
    assert_balanced(&stats);
    eqjson!(
        json!([
            {"path": "clean.part-001.csv", "values": 4, "bytes": 8},
            {"path": "clean.part-002.csv", "values": 4, "bytes": 8},
            {"path": "clean.part-003.csv", "values": 2, "bytes": 5},
        ]),
        stats["parts"]
    );
    // SPEC: the stats gain the parts; `output_bytes` is their total.
    assert_eq!(stats["output"], "clean.csv");
    assert_eq!(stats["output_bytes"], 8 + 8 + 5);
}

#[test]
fn split_bytes_never_splits_a_value_and_respects_both_limits() {
    let dir = Dir::new("split_bytes");
    dir.create("in.csv", "aaaa\nbb\ncc\nd\ne\nf\n");
    let out = dir
        .cmd(&["clean", "in.csv", "-o", "o.csv", "--split-bytes", "6"])
        .args(&["--split-values", "2", "--sort"])
        .run();
    assert_eq!(out.code(), 0, "{}", out.render());
    let names = dir.list("");
    let parts: Vec<String> = names
        .iter()
        .filter(|n| n.starts_with("o.part-"))
        .map(|n| dir.read_text(n))
        .collect();
    eqnice!("aaaa\n|bb\ncc\n|d\ne\n|f\n", parts.join("|"));
}

#[test]
fn split_refuses_a_value_longer_than_a_part() {
    let dir = Dir::new("split_too_long");
    dir.create("in.csv", "a\nbbbbbb\n");
    let out = dir
        .cmd(&["clean", "in.csv", "-o", "o.csv", "--split-bytes", "4"])
        .run();
    assert_error(&out, &["--split-bytes 4", "7 bytes"]);
    assert_eq!(dir.list(""), ["in.csv"]);
}

#[test]
fn split_removes_parts_of_an_earlier_longer_split() {
    let dir = Dir::new("split_stale");
    dir.create("in.csv", numbers(3));
    dir.create("o.part-007.csv", "old\n");
    dir.create("o.part-7.csv", "not ours\n");
    let out = dir
        .cmd(&["clean", "in.csv", "-o", "o.csv", "--split-values", "2"])
        .run();
    assert_eq!(out.code(), 0, "{}", out.render());
    assert_eq!(
        dir.list(""),
        ["in.csv", "o.part-001.csv", "o.part-002.csv", "o.part-7.csv"]
    );
}

#[test]
fn split_of_nothing_to_keep_writes_no_part() {
    let dir = Dir::new("split_empty");
    for (name, input) in [("empty.csv", ""), ("rejected.csv", "\n,\n\"x\n")] {
        dir.create(name, input);
        for split in ["--split-values", "--split-bytes"] {
            let out = dir
                .cmd(&["clean", name, "-o", "clean.csv", split, "10"])
                .args(&["--stats", "stats.json"])
                .run();
            assert_eq!(out.code(), 0, "{name} {split}\n{}", out.render());
            let stats = dir.read_json("stats.json");
            eqjson!(json!([]), stats["parts"]);
            assert_eq!(stats["values_processed"], 0);
            assert!(
                !dir.list("").iter().any(|f| f.contains(".part-")),
                "{name} {split}: no part"
            );
            let out = dir
                .cmd(&[
                    "clean",
                    name,
                    "-o",
                    "clean.csv",
                    split,
                    "10",
                    "--sort",
                ])
                .run();
            assert_eq!(
                out.code(),
                0,
                "{name} {split} --sort\n{}",
                out.render()
            );
        }
    }
}

#[test]
fn split_needs_a_file() {
    let dir = Dir::new("split_stdout");
    dir.create("in.csv", numbers(3));
    let out =
        dir.cmd(&["clean", "in.csv", "-o", "-", "--split-values", "2"]).run();
    assert_error(&out, &["need a file for -o, not -"]);
}

#[test]
fn diff_writes_added_and_removed_in_their_files_order() {
    let dir = Dir::new("diff");
    dir.create("old.csv", "a\nb\nc\nd\nb\n");
    dir.create("new.csv", "id\ne\nC\na\nf\n\n");
    let out = dir
        .cmd(&["diff", "old.csv", "new.csv", "--added", "add.csv"])
        .args(&["--removed", "rm.csv", "--stats", "-", "--case", "lower"])
        .args(&["--attribute-name", "id"])
        .run();
    assert_eq!(out.code(), 0, "{}", out.render());
    eqnice!("e\nf\n", dir.read_text("add.csv"));
    eqnice!("b\nd\n", dir.read_text("rm.csv"));
    let stats = out.json();
    assert_eq!(stats["added"], 2);
    assert_eq!(stats["removed"], 2);
    assert_eq!(stats["unchanged"], 2);
    assert_eq!(stats["old"]["duplicates"], 1);
    assert_eq!(stats["new"]["header"], "id");
    assert_balanced(&stats["old"]);
    assert_balanced(&stats["new"]);
}

#[test]
fn diff_refuses_two_standard_outputs_and_an_output_on_an_input() {
    let dir = Dir::new("diff_errors");
    dir.create("old.csv", "a\n");
    dir.create("new.csv", "b\n");
    let out = dir
        .cmd(&["diff", "old.csv", "new.csv", "--added", "-"])
        .args(&["--removed", "-"])
        .run();
    assert_error(&out, &["only one output can be -"]);
    let out =
        dir.cmd(&["diff", "old.csv", "new.csv", "--added", "old.csv"]).run();
    assert_error(&out, &["old.csv"]);
    eqnice!("a\n", dir.read_text("old.csv"));
    assert_eq!(dir.list(""), ["new.csv", "old.csv"]);
}

#[test]
fn gzip_input_is_read_and_reported() {
    let dir = Dir::new("gzip");
    let plain = b"b\nA\nb\n";
    let packed = gzip(plain);
    dir.create("in.csv", &packed);
    let out =
        dir.cmd(&["clean", "in.csv", "-o", "o.csv", "--stats", "-"]).run();
    assert_eq!(out.code(), 0, "{}", out.render());
    eqnice!("b\nA\n", dir.read_text("o.csv"));
    let stats = out.json();
    assert_eq!(stats["bytes"], packed.len());
    assert_eq!(stats["uncompressed_bytes"], plain.len());
    let out = dir.cmd(&["check", "in.csv", "--format", "json"]).run();
    assert_eq!(out.code(), 1, "{}", out.render());
    eqjson!(json!(["compressed"]), out.json()["file_findings"]);
    let out = dir.cmd(&["check", "-"]).stdin(gzip(b"a\n")).run();
    assert_eq!(out.code(), 1, "{}", out.render());
    eqnice!(
        "
exit_code: 1
--- stdout

<stdin>: 1 row (values_found), 1 value to upload (values_processed)
  compressed: compressed: upload the plain CSV that clean writes
not ready to upload: compressed; run `segprep clean` (it fixes what it can and lists the rest with --rejects)
--- stderr
",
        out.render()
    );
}

#[test]
fn gzip_too_large_compares_the_uncompressed_size() {
    let dir = Dir::new("gzip_large");
    dir.create("in.csv", gzip(numbers(100).as_bytes()));
    let out = dir
        .cmd(&["check", "in.csv", "--format", "json", "--max-bytes", "200"])
        .run();
    assert_eq!(out.code(), 1, "{}", out.render());
    eqjson!(json!(["too-large", "compressed"]), out.json()["file_findings"]);
}

#[test]
fn truncated_gzip_is_an_error() {
    let dir = Dir::new("gzip_truncated");
    let packed = gzip(numbers(1000).as_bytes());
    dir.create("in.csv", &packed[..packed.len() / 2]);
    let out = dir.cmd(&["clean", "in.csv", "-o", "o.csv"]).run();
    assert_error(&out, &["in.csv", "gzip"]);
    assert_eq!(dir.list(""), ["in.csv"]);
}

#[test]
fn split_refuses_a_part_that_is_the_input() {
    let dir = Dir::new("split_part_is_input");
    dir.create("o.part-002.csv", numbers(4));
    let out = dir
        .cmd(&["clean", "o.part-002.csv", "-o", "o.csv", "--split-values"])
        .args(&["2"])
        .run();
    assert_error(&out, &["o.part-002.csv"]);
    eqnice!(numbers(4), dir.read_text("o.part-002.csv"));
    assert_eq!(dir.list(""), ["o.part-002.csv"]);
}

#[test]
fn split_with_stats_in_a_missing_folder_leaves_nothing_behind() {
    let dir = Dir::new("split_stats_nodir");
    dir.create("in.csv", numbers(5));
    let out = dir
        .cmd(&["clean", "in.csv", "-o", "out.csv", "--split-values", "2"])
        .args(&["--stats", "nodir/s.json"])
        .run();
    assert_error(&out, &["nodir/s.json"]);
    // No part, no temporary file, no folder.
    assert_eq!(dir.list(""), ["in.csv"]);
}

#[test]
fn diff_added_to_standard_output_without_removed() {
    let dir = Dir::new("diff_added_stdout");
    dir.create("old.csv", "a\nb\n");
    dir.create("new.csv", "c\nb\nd\na\n");
    let out = dir.cmd(&["diff", "old.csv", "new.csv", "--added", "-"]).run();
    eqnice!(
        "
exit_code: 0
--- stdout
c
d
--- stderr
",
        out.render()
    );
    assert_eq!(dir.list(""), ["new.csv", "old.csv"]);

    let out =
        dir.cmd(&["diff", "missing.csv", "new.csv", "--added", "-"]).run();
    assert_error(&out, &["missing.csv"]);
    assert_eq!(dir.list(""), ["new.csv", "old.csv"]);
}

#[test]
fn diff_without_outputs_prints_the_counts() {
    let dir = Dir::new("diff_counts_only");
    dir.create("old.csv", "a\nb\nc\n");
    dir.create("new.csv", "b\nc\nd\ne\n");
    let out = dir.cmd(&["diff", "old.csv", "new.csv"]).run();
    eqnice!(
        "exit_code: 0\n--- stdout\n2 values to add, 1 value to remove, 2 \
         unchanged (--added and --removed write them)\n--- stderr\n",
        out.render()
    );
    assert_eq!(dir.list(""), ["new.csv", "old.csv"]);
    // With an output, the output is the answer.
    let out =
        dir.cmd(&["diff", "old.csv", "new.csv", "--stats", "d.json"]).run();
    assert_eq!(out.code(), 0, "{}", out.render());
    assert!(out.stdout.is_empty(), "{}", out.render());
    let stats = dir.read_json("d.json");
    assert_eq!(stats["schema"], "segprep-diff/1");
    assert_eq!(stats["new"]["options"]["id_type"], "string");
}
