//! `segprep check`: exit codes, human lines, the per-rule cap, JSON,
//! file-level findings and standard input.

use serde_json::json;

use crate::util::{
    assert_balanced, assert_error, check_json, default_options, eqjson,
    eqnice, Dir,
};

#[test]
fn conforming_file_exits_0() {
    let dir = Dir::new("check_conforming");
    dir.create("in.csv", "a\nb\n");
    let out = dir.cmd(&["check", "in.csv"]).run();
    eqnice!(
        "
exit_code: 0
--- stdout

in.csv: 2 rows (values_found), 2 values to upload (values_processed)
ready to upload: the platform would keep all 2 values as they are
--- stderr
",
        out.render()
    );
}

#[test]
fn last_row_without_terminator_still_conforms() {
    let dir = Dir::new("check_no_final_lf");
    dir.create("in.csv", "a\nb");
    let json = check_json(&dir, "in.csv", &[], 0);
    assert_eq!(json["values_found"], 2);
    assert_eq!(json["conforms"], true);
}

#[test]
fn one_line_per_finding_for_every_row_rule() {
    let dir = Dir::new("check_human_rules");
    dir.create(
        "in.csv",
        b"\xEF\xBB\xBFabc\r\n  def  \nghi,\n\"jkl\"\n\nm,n\n\"op\n\"q\"r\n\
          s#t\nu\xFFv\nabc\nabcdefghijk\na\rb\n",
    );
    let out = dir.cmd(&["check", "in.csv", "--max-value-len", "10"]).run();
    eqnice!(
        r#"
exit_code: 1
--- stdout
in.csv:1: bom byte order mark removed: "abc"
in.csv:1: crlf CR before LF removed: "abc"
in.csv:2: whitespace white space around the value removed: "  def  "
in.csv:3: trailing-comma trailing empty fields removed: "ghi,"
in.csv:4: quoted quotes removed: "\"jkl\""
in.csv:5: empty-row no value in the row: ""
in.csv:6: multi-column 2 fields where 1 is allowed: "m,n"
in.csv:7: bad-quoting quoted field is not closed: "\"op"
in.csv:8: bad-quoting text after the closing quote: "\"q\"r"
in.csv:9: special-char value has '#': "s#t"
in.csv:10: invalid-utf8 invalid UTF-8 at byte 2: "u\xFFv"
in.csv:11: duplicate same value as line 1: "abc"
in.csv:12: too-long 11 bytes, over the limit of 10: "abcdefghijk"
in.csv:13: special-char value has '\r': "a\rb"

in.csv: 13 rows (values_found), 4 values to upload (values_processed)
  rule                   rows first line  what to do
  bom                       1          1  clean removes the byte order mark
  crlf                      1          1  clean removes the CR of Windows line ends
  invalid-utf8              1         10  not UTF-8, but they read as Windows-1252: --encoding windows-1252 converts them
  whitespace                1          2  clean trims the white space around values
  trailing-comma            1          3  clean drops the empty fields at the end
  quoted                    1          4  clean removes the quotes
  bad-quoting               2          7  broken quotes: fix them in the source
  empty-row                 1          5  clean drops empty rows
  multi-column              1          6  more than one column: pick one with --column N|NAME
  special-char              2          9  characters the platform refuses (--allow-chars to keep)
  too-long                  1         12  longer than --max-value-len: not an id
  duplicate                 1         11  clean keeps the first occurrence
not ready to upload: 9 rows would be dropped, values need fixing; run `segprep clean` (it fixes what it can and lists the rest with --rejects)
--- stderr
"#,
        out.render()
    );
}

#[test]
fn gaid_rules_header_and_case() {
    let dir = Dir::new("check_human_gaid");
    dir.create(
        "g.csv",
        "GAID\r\n38400000-8CF0-11BD-B23E-10B96E40000D\n\
         00000000-0000-0000-0000-000000000000\n\
         38400000-8cf0-11bd-b23e-10b96e40000d\nnot-a-gaid\n",
    );
    let out = dir.cmd(&["check", "g.csv", "--id-type", "gaid"]).run();
    eqnice!(
        r#"
exit_code: 1
--- stdout
g.csv:1: header header row, not a value: "GAID"
g.csv:2: case letters folded to the id type's case: "38400000-8CF0-11BD-B23E-10B96E40000D"
g.csv:3: zero-ad-id all-zero advertising id: "00000000-0000-0000-0000-000000000000"
g.csv:4: duplicate same value as line 2: "38400000-8cf0-11bd-b23e-10b96e40000d"
g.csv:5: bad-format not a UUID: 8-4-4-4-12 hexadecimal digits: "not-a-gaid"

g.csv: 5 rows (values_found), 1 value to upload (values_processed)
  rule                   rows first line  what to do
  header                    1          1  row 1 is a header, not a value: clean drops it
  case                      1          2  clean folds letters to the id type's case
  bad-format                1          5  not the --id-type's format: wrong column or id type?
  zero-ad-id                1          3  all-zero ad id: a device that opted out, matches nobody
  duplicate                 1          4  clean keeps the first occurrence
not ready to upload: 4 rows would be dropped, values need fixing; run `segprep clean` (it fixes what it can and lists the rest with --rejects)
--- stderr
"#,
        out.render()
    );
}

#[test]
fn double_rules() {
    let dir = Dir::new("check_human_double");
    dir.create(
        "d.csv",
        "amount\n007\n1.50\n1e3\n7\n1e400\n9007199254740993\n12abc\n42\n",
    );
    let out = dir.cmd(&["check", "d.csv", "--attribute-type", "double"]).run();
    eqnice!(
        r#"
exit_code: 1
--- stdout
d.csv:1: header header row, not a value: "amount"
d.csv:2: number-format number rewritten in canonical form: "007"
d.csv:3: number-format number rewritten in canonical form: "1.50"
d.csv:4: number-format number rewritten in canonical form: "1e3"
d.csv:5: duplicate same value as line 2: "7"
d.csv:6: not-a-number number overflows a double: "1e400"
d.csv:7: imprecise-number integer above 2^53: a double would hold another number: "9007199254740993"
d.csv:8: not-a-number not a decimal number: "12abc"

d.csv: 9 rows (values_found), 4 values to upload (values_processed)
  rule                   rows first line  what to do
  header                    1          1  row 1 is a header, not a value: clean drops it
  not-a-number              2          6  not a decimal number
  imprecise-number          1          7  above 2^53: a double would hold another id
  number-format             3          2  clean writes the number in canonical form
  duplicate                 1          5  clean keeps the first occurrence
not ready to upload: 5 rows would be dropped, values need fixing; run `segprep clean` (it fixes what it can and lists the rest with --rejects)
--- stderr
"#,
        out.render()
    );
}

#[test]
fn a_fix_alone_does_not_conform() {
    let dir = Dir::new("check_fix_alone");
    dir.create("p.csv", "+1 (555) 123-4567\n");
    let out = dir.cmd(&["check", "p.csv", "--id-type", "phone"]).run();
    eqnice!(
        r#"
exit_code: 1
--- stdout
p.csv:1: phone-format phone number written as + and digits: "+1 (555) 123-4567"

p.csv: 1 row (values_found), 1 value to upload (values_processed)
  rule                   rows first line  what to do
  phone-format              1          1  clean writes + and digits (E.164 with --default-region)
not ready to upload: values need fixing; run `segprep clean` (it fixes what it can and lists the rest with --rejects)
--- stderr
"#,
        out.render()
    );
}

/// Five `special-char`, three `empty-row`, one kept row.
const CAPPED: &str = "a#\nb#\n\nc#\n\nd#\ne#\n\nok\n";

#[test]
fn max_diagnostics_caps_each_rule() {
    let dir = Dir::new("check_max_diagnostics");
    dir.create("in.csv", CAPPED);
    let out = dir.cmd(&["check", "in.csv", "--max-diagnostics", "2"]).run();
    eqnice!(
        r#"
exit_code: 1
--- stdout
in.csv:1: special-char value has '#': "a#"
in.csv:2: special-char value has '#': "b#"
in.csv:3: empty-row no value in the row: ""
in.csv:5: empty-row no value in the row: ""

in.csv: 9 rows (values_found), 1 value to upload (values_processed)
  rule                   rows first line  what to do
  empty-row                 3          3  clean drops empty rows
  special-char              5          1  characters the platform refuses (--allow-chars to keep)
  (4 more findings not shown; --max-diagnostics 0 shows all)
not ready to upload: 8 rows would be dropped; run `segprep clean` (it fixes what it can and lists the rest with --rejects)
--- stderr
"#,
        out.render()
    );
}

#[test]
fn max_diagnostics_0_shows_all() {
    let dir = Dir::new("check_max_diagnostics_0");
    dir.create("in.csv", CAPPED);
    let out = dir.cmd(&["check", "in.csv", "--max-diagnostics", "0"]).run();
    eqnice!(
        r#"
exit_code: 1
--- stdout
in.csv:1: special-char value has '#': "a#"
in.csv:2: special-char value has '#': "b#"
in.csv:3: empty-row no value in the row: ""
in.csv:4: special-char value has '#': "c#"
in.csv:5: empty-row no value in the row: ""
in.csv:6: special-char value has '#': "d#"
in.csv:7: special-char value has '#': "e#"
in.csv:8: empty-row no value in the row: ""

in.csv: 9 rows (values_found), 1 value to upload (values_processed)
  rule                   rows first line  what to do
  empty-row                 3          3  clean drops empty rows
  special-char              5          1  characters the platform refuses (--allow-chars to keep)
not ready to upload: 8 rows would be dropped; run `segprep clean` (it fixes what it can and lists the rest with --rejects)
--- stderr
"#,
        out.render()
    );
}

#[test]
fn max_diagnostics_defaults_to_20() {
    let dir = Dir::new("check_max_diagnostics_default");
    let input: String = (1..=25).map(|i| format!("v#{i}\n")).collect();
    dir.create("in.csv", input);
    let out = dir.cmd(&["check", "in.csv"]).run();
    assert_eq!(out.code(), 1, "{}", out.render());
    let stdout = out.stdout_text();
    let shown: Vec<&str> = stdout
        .lines()
        .filter(|l| {
            let rest = l.strip_prefix("in.csv:").unwrap_or_default();
            rest.starts_with(|c: char| c.is_ascii_digit())
        })
        .collect();
    assert_eq!(shown.len(), 20, "{stdout}");
    assert!(shown[19].starts_with("in.csv:20: special-char "), "{stdout}");
    assert!(stdout.contains("(5 more findings not shown;"), "{stdout}");
}

#[test]
fn max_diagnostics_caps_json() {
    let dir = Dir::new("check_max_diagnostics_json");
    dir.create("in.csv", CAPPED);
    let args = ["check", "in.csv", "--format", "json"];
    let json = check_json(&dir, "in.csv", &["--max-diagnostics", "1"], 1);
    eqjson!(
        json!([
            {"line": 1, "rule": "special-char", "kind": "reject",
             "raw": "a#", "detail": "value has '#'"},
            {"line": 3, "rule": "empty-row", "kind": "reject",
             "raw": "", "detail": "no value in the row"},
        ]),
        json["diagnostics"]
    );
    // The statistics still count every row.
    eqjson!(json!({"empty-row": 3, "special-char": 5}), json["rejected"]);

    let out = dir.cmd(&args).args(&["--max-diagnostics", "0"]).run();
    let lines: Vec<u64> = out.json()["diagnostics"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|d| d["line"].as_u64().expect("a line number"))
        .collect();
    assert_eq!(lines, [1, 2, 3, 4, 5, 6, 7, 8]);
}

#[test]
fn json_format() {
    let dir = Dir::new("check_json");
    dir.create(
        "in.csv",
        b"\xEF\xBB\xBFgaid\r\n 38400000-8CF0-11BD-B23E-10B96E40000D,\r\n\
          \n38400000-8cf0-11bd-b23e-10b96e40000d\nx\xFF\n\
          00000000-0000-0000-0000-000000000000\n",
    );
    let out = dir
        .cmd(&["check", "in.csv", "--id-type", "gaid", "--format", "json"])
        .run();
    assert_eq!(out.code(), 1, "{}", out.render());
    assert!(out.stderr.is_empty(), "{}", out.render());
    let raw2 = " 38400000-8CF0-11BD-B23E-10B96E40000D,";
    let fix = |rule: &str, detail: &str| {
        json!({"line": 2, "rule": rule, "kind": "fix", "raw": raw2,
               "detail": detail})
    };
    let got = out.json();
    let mut options = default_options();
    options["id_type"] = json!("gaid");
    options["case"] = json!("lower");
    eqjson!(
        json!({
            "schema": "segprep-check/1",
            "input": "in.csv",
            "bytes": 127,
            "values_found": 6,
            "values_processed": 1,
            "duplicates": 1,
            "header": "gaid",
            "rejected": {"invalid-utf8": 1, "empty-row": 1, "zero-ad-id": 1},
            "fixed": {"bom": 1, "crlf": 1, "whitespace": 1,
                      "trailing-comma": 1, "case": 1},
            "warnings": [],
            "warning_codes": [],
            "options": options,
            "conforms": false,
            "file_findings": [],
            "diagnostics": [
                {"line": 1, "rule": "header", "kind": "header",
                 "raw": "gaid", "detail": "header row, not a value"},
                fix("crlf", "CR before LF removed"),
                fix("whitespace", "white space around the value removed"),
                fix("trailing-comma", "trailing empty fields removed"),
                fix("case", "letters folded to the id type's case"),
                {"line": 3, "rule": "empty-row", "kind": "reject",
                 "raw": "", "detail": "no value in the row"},
                {"line": 4, "rule": "duplicate", "kind": "duplicate",
                 "raw": "38400000-8cf0-11bd-b23e-10b96e40000d",
                 "detail": "same value as line 2"},
                {"line": 5, "rule": "invalid-utf8", "kind": "reject",
                 "raw": "x\u{FFFD}", "raw_base64": "eP8=",
                 "detail": "invalid UTF-8 at byte 2"},
                {"line": 6, "rule": "zero-ad-id", "kind": "reject",
                 "raw": "00000000-0000-0000-0000-000000000000",
                 "detail": "all-zero advertising id"},
            ],
        }),
        got
    );
    assert_balanced(&got);
}

#[test]
fn json_of_a_conforming_file() {
    let dir = Dir::new("check_json_conforming");
    dir.create("in.csv", "a\nb\n");
    let json = check_json(&dir, "in.csv", &[], 0);
    eqjson!(
        json!({
            "schema": "segprep-check/1",
            "input": "in.csv",
            "bytes": 4,
            "values_found": 2,
            "values_processed": 2,
            "duplicates": 0,
            "header": null,
            "rejected": {},
            "fixed": {},
            "warnings": [],
            "warning_codes": [],
            "options": default_options(),
            "conforms": true,
            "file_findings": [],
            "diagnostics": [],
        }),
        json
    );
}

#[test]
fn empty_file_of_0_bytes() {
    let dir = Dir::new("check_empty_0_bytes");
    dir.create("in.csv", "");
    let out = dir.cmd(&["check", "in.csv"]).run();
    eqnice!(
        "
exit_code: 1
--- stdout

in.csv: 0 rows (values_found), 0 values to upload (values_processed)
  empty-file: no value would be uploaded
not ready to upload: empty-file; the file has no rows: clean would write an empty file
--- stderr
",
        out.render()
    );
    let json = check_json(&dir, "in.csv", &[], 1);
    eqjson!(
        json!({
            "schema": "segprep-check/1",
            "input": "in.csv",
            "bytes": 0,
            "values_found": 0,
            "values_processed": 0,
            "duplicates": 0,
            "header": null,
            "rejected": {},
            "fixed": {},
            "warnings": [],
            "warning_codes": [],
            "options": default_options(),
            "conforms": false,
            "file_findings": ["empty-file"],
            "diagnostics": [],
        }),
        json
    );
}

#[test]
fn empty_file_when_every_row_is_rejected() {
    let dir = Dir::new("check_empty_all_rejected");
    dir.create("in.csv", "\n#\n,\n");
    let json = check_json(&dir, "in.csv", &[], 1);
    eqjson!(json!(["empty-file"]), json["file_findings"]);
    eqjson!(json!({"empty-row": 2, "special-char": 1}), json["rejected"]);
    assert_eq!(json["values_found"], 3);
    assert_eq!(json["conforms"], false);
}

#[test]
fn rows_of_tiny_inputs() {
    // "\n" is one empty row; a BOM alone is one empty row.
    let dir = Dir::new("check_tiny_inputs");
    for (name, input) in [("lf.csv", &b"\n"[..]), ("bom.csv", b"\xEF\xBB\xBF")]
    {
        dir.create(name, input);
        let json = check_json(&dir, name, &[], 1);
        assert_eq!(json["values_found"], 1, "{name}");
        eqjson!(json!({"empty-row": 1}), json["rejected"]);
        eqjson!(
            json!([{"line": 1, "rule": "empty-row", "kind": "reject",
                    "raw": "", "detail": "no value in the row"}]),
            json["diagnostics"]
        );
    }
}

#[test]
fn too_large() {
    let dir = Dir::new("check_too_large");
    // Parts of 12 bytes hold the longest value (11 with its LF).
    dir.create("in.csv", "abcdefghij\nk\n");
    let out = dir.cmd(&["check", "in.csv", "--max-bytes", "12"]).run();
    eqnice!(
        "
exit_code: 1
--- stdout

in.csv: 2 rows (values_found), 2 values to upload (values_processed)
  too-large: 13 bytes, over --max-bytes 12; so is the clean file (13 bytes): clean --split-bytes 12 writes it in parts
not ready to upload: too-large; run `segprep clean` with --split-bytes (it fixes what it can and lists the rest with --rejects)
--- stderr
",
        out.render()
    );
    let out = dir
        .cmd(&["check", "in.csv", "--max-bytes", "12", "--format", "json"])
        .run();
    assert_eq!(out.code(), 1, "{}", out.render());
    let json = out.json();
    eqjson!(json!(["too-large"]), json["file_findings"]);
    assert_eq!(json["conforms"], false);
}

#[test]
fn at_max_bytes_is_not_too_large() {
    let dir = Dir::new("check_at_max_bytes");
    dir.create("in.csv", "abcdefghi\n");
    let out = dir.cmd(&["check", "in.csv", "--max-bytes", "10"]).run();
    assert_eq!(out.code(), 0, "{}", out.render());
}

#[test]
fn standard_input() {
    let dir = Dir::new("check_stdin");
    let out = dir.cmd(&["check", "-"]).stdin("a\nb#\n").run();
    eqnice!(
        r#"
exit_code: 1
--- stdout
<stdin>:2: special-char value has '#': "b#"

<stdin>: 2 rows (values_found), 1 value to upload (values_processed)
  rule                   rows first line  what to do
  special-char              1          2  characters the platform refuses (--allow-chars to keep)
not ready to upload: 1 row would be dropped; run `segprep clean` (it fixes what it can and lists the rest with --rejects)
--- stderr
"#,
        out.render()
    );
    let out =
        dir.cmd(&["check", "-", "--format", "json"]).stdin("a\nb\n").run();
    assert_eq!(out.code(), 0, "{}", out.render());
    let json = out.json();
    assert_eq!(json["input"], "-");
    assert_eq!(json["bytes"], 4);
    assert_eq!(json["conforms"], true);
}

#[test]
fn errors_exit_2() {
    let dir = Dir::new("check_errors");
    let out = dir.cmd(&["check", "missing.csv"]).run();
    assert_error(&out, &["missing.csv"]);
    dir.mkdir("folder");
    let out = dir.cmd(&["check", "folder"]).run();
    assert_error(&out, &["folder"]);
    dir.create("in.csv", "a\n");
    let out = dir.cmd(&["check", "in.csv", "--format", "xml"]).run();
    assert_eq!(out.code(), 2, "{}", out.render());
    assert!(out.stdout.is_empty(), "{}", out.render());
    assert!(out.stderr_text().contains("xml"), "{}", out.render());
    let out = dir
        .cmd(&["check", "in.csv", "--attribute-type", "double"])
        .args(&["--id-type", "email"])
        .run();
    assert_error(&out, &["double", "email"]);
}

#[test]
fn fields_of_a_row() {
    let dir = Dir::new("check_fields");
    dir.create(
        "in.csv",
        "abcd, ,\n,abcd\na,\"b\n\"a\",b\n\"a\"\"b\"\n\u{200b}e\u{feff}\n\
         \"\",f\n \"g\" \n\t\"h\"\t,\n\"i\" ,\n",
    );
    let json = check_json(&dir, "in.csv", &["--max-diagnostics", "0"], 1);
    let got: Vec<(u64, String)> = json["diagnostics"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|d| {
            let line = d["line"].as_u64().expect("a line");
            (line, d["rule"].as_str().expect("a rule").to_string())
        })
        .collect();
    let want = [
        (1, "trailing-comma"),
        (2, "multi-column"),
        (3, "bad-quoting"),
        (4, "multi-column"),
        (5, "special-char"),
        (6, "whitespace"),
        (7, "multi-column"),
        (8, "whitespace"),
        (8, "quoted"),
        (9, "whitespace"),
        (9, "trailing-comma"),
        (9, "quoted"),
        (10, "whitespace"),
        (10, "trailing-comma"),
        (10, "quoted"),
    ]
    .map(|(line, rule)| (line, rule.to_string()));
    assert_eq!(got, want);
}

#[test]
fn fixes_count_only_kept_rows() {
    let dir = Dir::new("check_fix_counts");
    dir.create("in.csv", "a,\na,\n b\n\"b\"\n");
    let json = check_json(&dir, "in.csv", &[], 1);
    eqjson!(json!({"trailing-comma": 1, "whitespace": 1}), json["fixed"]);
    assert_eq!(json["duplicates"], 2);
    // A dropped row has exactly one finding: why it was dropped.
    eqjson!(
        json!([
            {"line": 1, "rule": "trailing-comma", "kind": "fix", "raw": "a,",
             "detail": "trailing empty fields removed"},
            {"line": 2, "rule": "duplicate", "kind": "duplicate",
             "raw": "a,", "detail": "same value as line 1"},
            {"line": 3, "rule": "whitespace", "kind": "fix", "raw": " b",
             "detail": "white space around the value removed"},
            {"line": 4, "rule": "duplicate", "kind": "duplicate",
             "raw": "\"b\"", "detail": "same value as line 3"},
        ]),
        json["diagnostics"]
    );
}

#[test]
fn people_get_thousands_separators_units_and_singulars() {
    let dir = Dir::new("check_human_numbers");
    // 1,001 rows: one value, then 1,000 duplicates of it.
    dir.create("dups.csv", "a\n".repeat(1001));
    let out = dir.cmd(&["check", "dups.csv"]).run();
    assert_eq!(out.code(), 1, "{}", out.render());
    let text = out.stdout_text();
    for needle in [
        "dups.csv: 1,001 rows (values_found), 1 value to upload",
        "  duplicate             1,000          2",
        "(980 more findings not shown",
        "not ready to upload: 1,000 rows would be dropped;",
    ] {
        assert!(text.contains(needle), "{needle:?} in:\n{text}");
    }
    // One of each: singular nouns.
    dir.create("one.csv", "a\nb#\n");
    let out = dir.cmd(&["check", "one.csv"]).run();
    let text = out.stdout_text();
    assert!(text.contains(": 2 rows (values_found), 1 value to"), "{text}");
    assert!(text.contains("1 row would be dropped;"), "{text}");
    // Sizes: exact with separators, then in units; suffixes on input.
    let values: String = (0..250).map(|n| format!("value{n:04}\n")).collect();
    dir.create("big.csv", values);
    let out = dir.cmd(&["check", "big.csv", "--max-bytes", "2K"]).run();
    let text = out.stdout_text();
    assert!(
        text.contains(
            "too-large: 2,500 bytes (2.5 KB), over --max-bytes 2,000; so \
             is the clean file (2,500 bytes (2.5 KB)): clean --split-bytes \
             2,000 writes it in parts"
        ),
        "{text}"
    );
    // JSON keeps plain numbers.
    let json = check_json(&dir, "big.csv", &["--max-bytes", "2K"], 1);
    assert_eq!(json["bytes"], 2500);
    assert_eq!(json["options"]["max_bytes"], 2000);
    let json = check_json(&dir, "dups.csv", &[], 1);
    assert_eq!(json["duplicates"], 1000);
}

#[test]
fn phones_written_for_people_get_id_type_phone() {
    let dir = Dir::new("check_phone_hint");
    dir.create("spaces.csv", "555 123 4567\n+1 (555) 123-4568\nok\n");
    dir.create("dots.csv", "555.123.4567\n(555)123-4568\n5551234569\n");
    let hint = "phone numbers with spaces, dots or parentheses: --id-type \
                phone writes them as + and digits";
    for (file, id_type, rule) in [
        ("spaces.csv", "string", "special-char"),
        ("spaces.csv", "numeric", "special-char"),
        ("dots.csv", "numeric", "bad-format"),
    ] {
        let out = dir.cmd(&["check", file, "--id-type", id_type]).run();
        assert_eq!(out.code(), 1, "{}", out.render());
        let line = out
            .stdout_text()
            .lines()
            .find(|l| l.starts_with(&format!("  {rule} ")))
            .unwrap_or_else(|| panic!("no {rule} line: {}", out.render()))
            .to_string();
        assert!(line.ends_with(hint), "{file} {id_type}: {line}");
    }
    // Other rejects keep their usual hint.
    dir.create("hash.csv", "a#1\nb#2\n555 123 4567\n");
    let out = dir.cmd(&["check", "hash.csv"]).run();
    assert!(!out.stdout_text().contains("--id-type phone"));
    assert!(out.stdout_text().contains("(--allow-chars to keep)"));
    // The hinted option keeps them.
    let out = dir.cmd(&["check", "dots.csv", "--id-type", "phone"]).run();
    assert!(!out.stdout_text().contains("bad-format"), "{}", out.render());
}

#[test]
fn rows_split_unevenly_get_no_delimiter_hint() {
    let dir = Dir::new("check_uneven_delimiter");
    // A tab in each row, but 2 fields, then 3: not one table.
    dir.create("in.csv", "u1\tAnna\nu2\tBert\tx\n");
    let out = dir.cmd(&["check", "in.csv"]).run();
    assert_eq!(out.code(), 1, "{}", out.render());
    assert!(!out.stdout_text().contains("--delimiter"), "{}", out.render());
    dir.create("even.csv", "u1;Anna;1\nu2;Bert;2\n");
    let out = dir.cmd(&["check", "even.csv"]).run();
    assert!(out.stdout_text().contains("--delimiter ; --column N|NAME"));
}

#[test]
fn no_clean_is_suggested_when_it_would_write_an_empty_file() {
    let dir = Dir::new("check_empty_clean");
    dir.create("in.csv", "a#\nb#\n");
    let out = dir.cmd(&["check", "in.csv"]).run();
    assert_eq!(out.code(), 1, "{}", out.render());
    let text = out.stdout_text();
    assert!(!text.contains("run `segprep clean`"), "{text}");
    assert!(
        text.ends_with(
            "not ready to upload: 2 rows would be dropped, empty-file; \
             clean would write an empty file, as no row passes: check \
             --id-type and --column, or fix the source\n"
        ),
        "{text}"
    );
}

#[test]
fn an_input_over_the_limit_whose_clean_file_fits() {
    let dir = Dir::new("check_input_over_clean_fits");
    dir.create("in.csv", "abc\n".repeat(10));
    let out = dir.cmd(&["check", "in.csv", "--max-bytes", "20"]).run();
    assert!(
        out.stdout_text().contains(
            "too-large: 40 bytes, over --max-bytes 20; the clean file \
             fits (4 bytes): upload the file clean writes"
        ),
        "{}",
        out.render()
    );
    // The clean file over the limit is an error that names the option.
    let out =
        dir.cmd(&["clean", "in.csv", "-o", "o.csv", "--max-bytes", "3"]).run();
    assert_error(&out, &["over the limit", "--split-bytes"]);
}

#[test]
fn past_the_daily_limit_split_values_is_suggested() {
    let dir = Dir::new("check_daily_limit");
    let values: String = (0..2_000_001).map(|n| format!("{n}\n")).collect();
    dir.create("in.csv", values);
    let out = dir.cmd(&["check", "in.csv", "--max-bytes", "0"]).run();
    let text = out.stdout_text();
    assert!(
        text.contains(
            "    clean --split-values 2000000 writes parts of at most \
             2,000,000 values, one a day"
        ),
        "{text}"
    );
    let json = check_json(&dir, "in.csv", &["--max-bytes", "20M"], 0);
    eqjson!(json!(["daily-limit"]), json["warning_codes"]);
    assert_eq!(json["warnings"].as_array().map(Vec::len), Some(1));
    let out = dir
        .cmd(&["clean", "in.csv", "-o", "o.csv", "--max-bytes", "20M"])
        .run();
    assert_eq!(out.code(), 0, "{}", out.render());
    assert!(
        out.stderr_text().contains(
            "segprep:   --split-values 2000000 writes parts of at most \
             2,000,000 values, one a day\n"
        ),
        "{}",
        out.render()
    );
    // Not when the values are already cut by days.
    let out = dir
        .cmd(&["clean", "in.csv", "-o", "o.csv", "--max-bytes", "20M"])
        .args(&["--split-values", "2000000"])
        .run();
    assert_eq!(out.code(), 0, "{}", out.render());
    assert!(!out.stderr_text().contains("--split-values"));
}

#[test]
fn json_echoes_the_effective_options_and_codes_each_warning() {
    let dir = Dir::new("check_json_options");
    dir.create("in.csv", "id\tmail\n1\tA@X.IO\n");
    let json = check_json(
        &dir,
        "in.csv",
        &["--id-type", "email", "--case", "lower", "--column", "mail"]
            .into_iter()
            .chain(["--delimiter", "tab"])
            .collect::<Vec<_>>(),
        1,
    );
    assert_eq!(json["schema"], "segprep-check/1");
    let mut want = default_options();
    want["id_type"] = json!("email");
    want["case"] = json!("lower");
    want["column"] = json!("mail");
    want["delimiter"] = json!("tab");
    eqjson!(want, json["options"]);
    // A number picks by position; the delimiter as it is spelled.
    let json = check_json(
        &dir,
        "in.csv",
        &["--column", "2", "--delimiter", "tab", "--id-type", "uuid"],
        1,
    );
    assert_eq!(json["options"]["column"], 2);
    assert_eq!(json["options"]["delimiter"], "tab");
    // The id type's own case when --case is not given.
    assert_eq!(json["options"]["case"], "lower");
    // Each warning has its code, in the same order.
    dir.create("cr.csv", "a\rb\rc\r");
    let json = check_json(&dir, "cr.csv", &[], 1);
    assert_eq!(json["warnings"].as_array().map(Vec::len), Some(1));
    eqjson!(json!(["cr-line-ends"]), json["warning_codes"]);
}

#[test]
fn quiet_json_still_prints_the_json() {
    let dir = Dir::new("check_quiet_json");
    dir.create("in.csv", "a#\nb\n");
    let out = dir.cmd(&["check", "-q", "in.csv", "--format", "json"]).run();
    assert_eq!(out.code(), 1, "{}", out.render());
    assert_eq!(out.json()["values_processed"], 1);
    // Human words are what quiet silences.
    let out = dir.cmd(&["check", "-q", "in.csv"]).run();
    eqnice!("exit_code: 1\n--- stdout\n--- stderr\n", out.render());
}
