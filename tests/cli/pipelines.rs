//! `check` in pipelines: several files, JSON Lines, and the exit policy
//! (SPEC "Pipelines, several files, exit policy").

use serde_json::Value;

use crate::util::Dir;

/// A clean file, one that needs only routine fixes (an Excel export's BOM
/// and CRLF), and one that would lose a row.
fn three_files(dir: &Dir) {
    dir.create("clean.part-001.csv", "u1\nu2\n");
    dir.create("excel.csv", "\u{feff}u3\r\nu4\r\n");
    dir.create("lossy.csv", "u5\na#b\n");
}

#[test]
fn several_files_each_get_their_report_and_the_worst_status() {
    let dir = Dir::new("pipelines_several");
    three_files(&dir);
    let out = dir
        .cmd(&["check", "clean.part-001.csv", "excel.csv", "lossy.csv"])
        .run();
    assert_eq!(out.code(), 1, "{}", out.render());
    let text = out.stdout_text();
    for name in ["clean.part-001.csv", "excel.csv", "lossy.csv"] {
        assert!(text.contains(&format!("\n{name}: 2 rows")), "{text}");
    }
    assert!(text.contains("lossy.csv:2: special-char"), "{text}");
    assert!(
        text.ends_with(
            "3 files: 1 conforms, 2 do not; 6 rows (values_found), 5 values \
             to upload (values_processed)\n"
        ),
        "{text}"
    );
    // All conforming: 0.
    let out = dir.cmd(&["check", "clean.part-001.csv", "-q"]).run();
    assert_eq!(out.code(), 0, "{}", out.render());
}

#[test]
fn an_unreadable_file_is_reported_and_the_others_still_checked() {
    let dir = Dir::new("pipelines_missing");
    three_files(&dir);
    let out = dir.cmd(&["check", "missing.csv", "excel.csv"]).run();
    assert_eq!(out.code(), 2, "{}", out.render());
    assert!(out.stderr_text().starts_with("segprep: missing.csv: "));
    assert!(out.stdout_text().contains("excel.csv: 2 rows"));
    assert!(out.stdout_text().contains("1 could not be read"));
}

#[test]
fn json_lines_for_several_files_one_object_for_one() {
    let dir = Dir::new("pipelines_jsonl");
    three_files(&dir);
    let out = dir
        .cmd(&["check", "excel.csv", "lossy.csv", "--format", "json"])
        .run();
    assert_eq!(out.code(), 1, "{}", out.render());
    let text = out.stdout_text();
    let lines: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).expect("one object a line"))
        .collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert_eq!(lines[0]["input"], "excel.csv");
    assert_eq!(lines[0]["fixed"]["crlf"], 2);
    assert_eq!(lines[1]["input"], "lossy.csv");
    assert_eq!(lines[1]["diagnostics"][0]["rule"], "special-char");
    // The same object as the file checked alone, but compact.
    let alone = dir.cmd(&["check", "lossy.csv", "--format", "json"]).run();
    let alone: Value = serde_json::from_slice(&alone.stdout).unwrap();
    assert_eq!(alone, lines[1]);
    assert!(alone_is_pretty(&dir));
}

fn alone_is_pretty(dir: &Dir) -> bool {
    let out = dir.cmd(&["check", "lossy.csv", "--format", "json"]).run();
    out.stdout_text().lines().count() > 1
}

#[test]
fn fail_on_tells_routine_fixes_from_lost_rows() {
    let dir = Dir::new("pipelines_fail_on");
    three_files(&dir);
    let code = |file: &str, when: &str| {
        dir.cmd(&["check", file, "-q", "--fail-on", when]).run().code()
    };
    // Routine fixes: a finding, not a lost row.
    assert_eq!(code("excel.csv", "any"), 1);
    assert_eq!(code("excel.csv", "reject"), 0);
    assert_eq!(code("excel.csv", "never"), 0);
    // A row would be rejected.
    assert_eq!(code("lossy.csv", "reject"), 1);
    assert_eq!(code("lossy.csv", "never"), 0);
    // Duplicates and a header do not count for `reject`...
    dir.create(
        "dups.csv",
        "gaid\n38400000-8cf0-11bd-b23e-10b96e40000d\n\
                            38400000-8cf0-11bd-b23e-10b96e40000d\n",
    );
    let out = dir
        .cmd(&["check", "dups.csv", "-q", "--fail-on", "reject"])
        .args(&["--id-type", "gaid"])
        .run();
    assert_eq!(out.code(), 0, "{}", out.render());
    // ...a file-level finding does.
    dir.create("empty.csv", "");
    assert_eq!(code("empty.csv", "reject"), 1);
    // Errors stay errors.
    assert_eq!(code("missing.csv", "never"), 2);
}

#[test]
fn standard_input_only_once() {
    let dir = Dir::new("pipelines_stdin_twice");
    let out = dir.cmd(&["check", "-", "-"]).run();
    crate::util::assert_error(&out, &["standard input"]);
}

#[test]
fn every_json_line_names_its_schema() {
    let dir = Dir::new("pipelines_jsonl_schema");
    three_files(&dir);
    let out = dir
        .cmd(&["check", "excel.csv", "lossy.csv", "--format", "json", "-q"])
        .run();
    assert_eq!(out.code(), 1, "{}", out.render());
    let text = out.stdout_text();
    assert_eq!(text.lines().count(), 2, "quiet keeps the JSON: {text}");
    for line in text.lines() {
        let object: Value = serde_json::from_str(line).unwrap();
        assert_eq!(object["schema"], "segprep-check/1", "{line}");
        assert_eq!(object["options"]["id_type"], "string", "{line}");
    }
}
