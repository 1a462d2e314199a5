//! `segprep reconcile`: the platform's callback against `clean`'s
//! statistics.

use std::io::Write;

use segprep::{DiffStats, StatsFile};
use serde_json::{json, Value};

use crate::util::{assert_error, eqjson, eqnice, Dir};

/// A folder with `stats.json` from a real `clean` run that writes 3
/// values out of 5 rows (a duplicate and an empty row dropped).
fn cleaned(name: &str) -> Dir {
    let dir = Dir::new(name);
    dir.create("in.csv", "a\nb\na\n\nc\n");
    let out = dir
        .cmd(&["clean", "in.csv", "-o", "clean.csv", "--stats", "stats.json"])
        .run();
    assert_eq!(out.code(), 0, "{}", out.render());
    assert_eq!(dir.read_json("stats.json")["values_processed"], 3);
    dir
}

fn success(found: u64, processed: u64, users: u64) -> Value {
    json!({
        "db_name": "shop",
        "segment_name": "lapsed",
        "request_id": "req-1",
        "status": 201,
        "values_found": found,
        "values_processed": processed,
        "user_count": users,
    })
}

fn write_json(dir: &Dir, name: &str, v: &Value) {
    dir.create(name, serde_json::to_vec_pretty(v).unwrap());
}

const RECONCILE: [&str; 5] =
    ["reconcile", "--stats", "stats.json", "--callback", "cb.json"];

#[test]
fn consistent_upload_exits_0() {
    let dir = cleaned("reconcile_ok");
    write_json(&dir, "cb.json", &success(3, 3, 2));
    let out = dir.cmd(&RECONCILE).run();
    eqnice!(
        "
exit_code: 0
--- stdout
status:     201 success (segment lapsed, request req-1)
rows read:  yes, the platform found the 3 values clean.csv holds
skipped:    none, the platform kept all 3
match rate: 66.67% (2 users for 3 values)
verdict:    consistent: the platform kept every value clean wrote
--- stderr
",
        out.render()
    );
}

#[test]
fn json_format() {
    let dir = cleaned("reconcile_json");
    write_json(&dir, "cb.json", &success(3, 3, 3));
    let out = dir.cmd(&RECONCILE).args(&["--format", "json"]).run();
    assert_eq!(out.code(), 0, "{}", out.render());
    eqjson!(
        json!({
            "status": 201,
            "success": true,
            "error_message": null,
            "db_name": "shop",
            "segment_name": "lapsed",
            "request_id": "req-1",
            "file": "clean.csv",
            "written": 3,
            "values_found": 3,
            "values_processed": 3,
            "user_count": 3,
            "all_rows_read": true,
            "none_skipped": true,
            "match_rate": 1.0,
            "consistent": true,
        }),
        out.json()
    );
}

#[test]
fn platform_found_other_rows_exits_1() {
    let dir = cleaned("reconcile_found_mismatch");
    write_json(&dir, "cb.json", &success(5, 5, 5));
    let out = dir.cmd(&RECONCILE).run();
    eqnice!(
        "
exit_code: 1
--- stdout
status:     201 success (segment lapsed, request req-1)
rows read:  NO, the platform found 5 values, but clean.csv holds 3 values: was another file uploaded?
skipped:    none, the platform kept all 5
match rate: 100.00% (5 users for 5 values)
verdict:    MISMATCH: the platform did not read the file clean wrote
--- stderr
",
        out.render()
    );
    let out = dir.cmd(&RECONCILE).args(&["--format", "json"]).run();
    assert_eq!(out.code(), 1, "{}", out.render());
    let v = out.json();
    assert_eq!(v["all_rows_read"], false);
    assert_eq!(v["none_skipped"], true);
    assert_eq!(v["consistent"], false);
}

#[test]
fn platform_skipped_values_exits_1() {
    let dir = cleaned("reconcile_skipped");
    write_json(&dir, "cb.json", &success(3, 2, 2));
    let out = dir.cmd(&RECONCILE).run();
    assert_eq!(out.code(), 1, "{}", out.render());
    let text = out.stdout_text();
    assert!(text.contains("rows read:  yes"), "{text}");
    assert!(text.contains("skipped:    1 value of 3"), "{text}");
    assert!(text.contains("verdict:    MISMATCH: the platform skipped"));
    let v = dir.cmd(&RECONCILE).args(&["--format", "json"]).run().json();
    assert_eq!(v["all_rows_read"], true);
    assert_eq!(v["none_skipped"], false);
    assert_eq!(v["match_rate"], 1.0);
}

#[test]
fn failure_status_exits_1() {
    let dir = cleaned("reconcile_failure");
    let cb = json!({
        "db_name": "shop",
        "segment_name": "lapsed",
        "request_id": "req-2",
        "status": 400,
        "error_message": "could not download the file",
    });
    write_json(&dir, "cb.json", &cb);
    let out = dir.cmd(&RECONCILE).run();
    eqnice!(
        "
exit_code: 1
--- stdout
status:     400 FAILURE (segment lapsed, request req-2): could not download the file
verdict:    FAILED: the platform did not process the file
--- stderr
",
        out.render()
    );
    let out = dir.cmd(&RECONCILE).args(&["--format", "json"]).run();
    assert_eq!(out.code(), 1, "{}", out.render());
    let v = out.json();
    assert_eq!(v["status"], 400);
    assert_eq!(v["success"], false);
    assert_eq!(v["error_message"], "could not download the file");
    assert_eq!(v["all_rows_read"], Value::Null);
    assert_eq!(v["match_rate"], Value::Null);
    assert_eq!(v["consistent"], false);

    write_json(&dir, "cb.json", &json!({"status": 500}));
    let out = dir.cmd(&RECONCILE).run();
    assert_eq!(out.code(), 1, "{}", out.render());
    assert!(out.stdout_text().contains("500 FAILURE: no error message"));
}

#[test]
fn zero_values_processed_has_no_match_rate() {
    let dir = cleaned("reconcile_zero_processed");
    write_json(&dir, "cb.json", &success(3, 0, 0));
    let out = dir.cmd(&RECONCILE).run();
    assert_eq!(out.code(), 1, "{}", out.render());
    let text = out.stdout_text();
    assert!(text.contains("skipped:    3 values of 3"), "{text}");
    assert!(text.contains("match rate: none, no value was processed"));
    let v = dir.cmd(&RECONCILE).args(&["--format", "json"]).run().json();
    assert_eq!(v["match_rate"], Value::Null);

    // An empty clean file, uploaded and found empty, is consistent.
    let dir = Dir::new("reconcile_empty_upload");
    dir.create("in.csv", "");
    let out = dir
        .cmd(&["clean", "in.csv", "-o", "c.csv", "--stats", "stats.json"])
        .run();
    assert_eq!(out.code(), 0, "{}", out.render());
    write_json(&dir, "cb.json", &success(0, 0, 0));
    let out = dir.cmd(&RECONCILE).args(&["--format", "json"]).run();
    assert_eq!(out.code(), 0, "{}", out.render());
    assert_eq!(out.json()["match_rate"], Value::Null);
}

#[test]
fn standard_input_for_one_of_them() {
    let dir = cleaned("reconcile_stdin");
    let cb = serde_json::to_vec(&success(3, 3, 3)).unwrap();
    let out = dir
        .cmd(&["reconcile", "--stats", "stats.json", "--callback", "-"])
        .stdin(&cb)
        .run();
    assert_eq!(out.code(), 0, "{}", out.render());
    let stats = dir.read("stats.json");
    write_json(&dir, "cb.json", &success(3, 3, 3));
    let out = dir
        .cmd(&["reconcile", "--stats", "-", "--callback", "cb.json"])
        .stdin(&stats)
        .run();
    assert_eq!(out.code(), 0, "{}", out.render());
    let out = dir
        .cmd(&["reconcile", "--stats", "-", "--callback", "-"])
        .stdin(&stats)
        .run();
    assert_error(&out, &["--stats and --callback cannot both be -"]);
}

#[test]
fn malformed_callback_exits_2() {
    let dir = cleaned("reconcile_malformed");
    let cases: [(&str, &[&str]); 6] = [
        ("{\"status\": 201", &["cb.json", "not a JSON callback object"]),
        ("[]", &["cb.json", "expected an object"]),
        (
            r#"{"status": 201, "values_found": 3, "values_processed": 3}"#,
            &["cb.json", "\"user_count\" is missing"],
        ),
        (
            r#"{"status": 201, "values_found": "3", "values_processed": 3,
                "user_count": 3}"#,
            &["cb.json", "\"values_found\"", "not a non-negative integer"],
        ),
        (r#"{"error_message": "x"}"#, &["cb.json", "\"status\" is missing"]),
        (r#"{"status": 2010}"#, &["not an HTTP status code"]),
    ];
    for (text, needles) in cases {
        dir.create("cb.json", text);
        let out = dir.cmd(&RECONCILE).run();
        assert_error(&out, needles);
    }
}

#[test]
fn malformed_stats_exit_2() {
    let dir = cleaned("reconcile_bad_stats");
    write_json(&dir, "cb.json", &success(3, 3, 3));
    dir.create("stats.json", r#"{"values_found": 5}"#);
    let out = dir.cmd(&RECONCILE).run();
    assert_error(&out, &["stats.json", "\"values_processed\"", "missing"]);
    // The two files swapped.
    let out = dir
        .cmd(&["reconcile", "--stats", "cb.json", "--callback", "cb.json"])
        .run();
    assert_error(&out, &["cb.json", "--callback"]);
}

#[test]
fn missing_file_exits_2() {
    let dir = cleaned("reconcile_missing");
    let out = dir.cmd(&RECONCILE).run();
    assert_error(&out, &["cb.json"]);
    write_json(&dir, "cb.json", &success(3, 3, 3));
    let out = dir
        .cmd(&["reconcile", "--stats", "nope.json", "--callback", "cb.json"])
        .run();
    assert_error(&out, &["nope.json"]);
}

#[test]
fn split_stats_name_the_uploaded_part() {
    let dir = Dir::new("reconcile_parts");
    dir.create("in.csv", "1\n2\n3\n4\n5\n");
    let out = dir
        .cmd(&["clean", "in.csv", "-o", "c.csv", "--split-values", "3"])
        .args(&["--stats", "stats.json"])
        .run();
    assert_eq!(out.code(), 0, "{}", out.render());
    write_json(&dir, "cb.json", &success(2, 2, 2));
    let out = dir.cmd(&RECONCILE).run();
    assert_error(&out, &["2 parts", "--part"]);
    let out = dir.cmd(&RECONCILE).args(&["--part", "2"]).run();
    assert_eq!(out.code(), 0, "{}", out.render());
    eqnice!(
        "
exit_code: 0
--- stdout
status:     201 success (segment lapsed, request req-1)
rows read:  yes, the platform found the 2 values c.part-002.csv holds
skipped:    none, the platform kept all 2
match rate: 100.00% (2 users for 2 values)
verdict:    consistent: the platform kept every value clean wrote
--- stderr
",
        out.render()
    );
    let out = dir.cmd(&RECONCILE).args(&["--part", "1"]).run();
    assert_eq!(out.code(), 1, "{}", out.render());
    let out = dir.cmd(&RECONCILE).args(&["--part", "3"]).run();
    assert_error(&out, &["--part 3"]);
}

/// A callback's strings reach a terminal escaped: control characters
/// could otherwise erase the line and forge a verdict.
/// See: issue 19.
#[test]
fn r19_callback_strings_are_escaped() {
    let dir = cleaned("reconcile_escape");
    let forged = "\u{1b}[2K\rverdict:    consistent: the platform kept \
                  every value clean wrote\n";
    let cb = json!({
        "segment_name": format!("lapsed{forged}"),
        "request_id": "r\u{7}1",
        "status": 400,
        "error_message": format!("bad{forged}"),
    });
    write_json(&dir, "cb.json", &cb);
    let out = dir.cmd(&RECONCILE).run();
    let shown = "\\x1B[2K\\rverdict:    consistent: the platform kept \
                 every value clean wrote\\n";
    eqnice!(
        format!(
            "
exit_code: 1
--- stdout
status:     400 FAILURE (segment lapsed{shown}, request r\\x071): bad{shown}
verdict:    FAILED: the platform did not process the file
--- stderr
"
        ),
        out.render()
    );
    // JSON output holds the strings as they are, escaped by JSON itself.
    let out = dir.cmd(&RECONCILE).args(&["--format", "json"]).run();
    assert_eq!(out.code(), 1, "{}", out.render());
    assert_eq!(out.json()["error_message"], format!("bad{forged}"));
    assert!(!out.stdout.contains(&0x1b), "{}", out.render());
}

/// A key given twice is refused, not taken last: a forged second
/// "status" would otherwise turn a failure into a success.
/// See: issue 19.
#[test]
fn r19_duplicate_keys_are_refused() {
    let dir = cleaned("reconcile_duplicate_key");
    dir.create(
        "cb.json",
        r#"{"status": 400, "values_found": 3, "values_processed": 3,
            "user_count": 3, "status": 201}"#,
    );
    let out = dir.cmd(&RECONCILE).run();
    assert_error(&out, &["cb.json", "duplicate key \"status\""]);
    // An unknown key twice, too: nothing in a callback comes twice.
    let mut cb = success(3, 3, 3).to_string();
    cb.insert_str(1, r#""extra": 1, "extra": 2, "#);
    dir.create("cb.json", cb);
    let out = dir.cmd(&RECONCILE).run();
    assert_error(&out, &["cb.json", "duplicate key \"extra\""]);

    write_json(&dir, "cb.json", &success(3, 3, 3));
    let stats = dir.read_text("stats.json");
    let twice = stats.replacen(
        "\"values_processed\": 3,",
        "\"values_processed\": 3,\n  \"values_processed\": 5,",
        1,
    );
    assert_ne!(twice, stats);
    dir.create("stats.json", twice);
    let out = dir.cmd(&RECONCILE).run();
    assert_error(&out, &["stats.json", "duplicate key \"values_processed\""]);
    let nested = stats.replacen(
        "\"rejected\": {",
        "\"rejected\": {\"empty-row\": 1, \"empty-row\": 2, ",
        1,
    );
    dir.create("stats.json", nested);
    let out = dir.cmd(&RECONCILE).run();
    assert_error(&out, &["stats.json", "duplicate key \"empty-row\""]);
}

/// More users than values kept is impossible: a mismatch (exit 1), not
/// a consistent upload. See: issue 19.
#[test]
fn r19_more_users_than_values_is_a_mismatch() {
    let dir = cleaned("reconcile_impossible_rate");
    write_json(&dir, "cb.json", &success(3, 3, 225));
    let out = dir.cmd(&RECONCILE).run();
    eqnice!(
        "
exit_code: 1
--- stdout
status:     201 success (segment lapsed, request req-1)
rows read:  yes, the platform found the 3 values clean.csv holds
skipped:    none, the platform kept all 3
match rate: 7500.00% (225 users for 3 values): impossible, more users than values
verdict:    MISMATCH: the platform matched more users than the values it kept
--- stderr
",
        out.render()
    );
    let out = dir.cmd(&RECONCILE).args(&["--format", "json"]).run();
    assert_eq!(out.code(), 1, "{}", out.render());
    let v = out.json();
    assert_eq!(v["match_rate"], 75.0);
    assert_eq!(v["all_rows_read"], true);
    assert_eq!(v["none_skipped"], true);
    assert_eq!(v["consistent"], false);

    // Users without any value kept: just as impossible.
    let dir = Dir::new("reconcile_users_without_values");
    dir.create("in.csv", "");
    let out = dir
        .cmd(&["clean", "in.csv", "-o", "c.csv", "--stats", "stats.json"])
        .run();
    assert_eq!(out.code(), 0, "{}", out.render());
    write_json(&dir, "cb.json", &success(0, 0, 4));
    let out = dir.cmd(&RECONCILE).run();
    assert_eq!(out.code(), 1, "{}", out.render());
    let text = out.stdout_text();
    assert!(
        text.contains(
            "match rate: none, no value was processed, yet 4 users \
             matched: impossible"
        ),
        "{text}"
    );
    assert!(text.contains("MISMATCH: the platform matched more users"));
}

/// Inputs past 16 MiB are refused before they are read whole: a stats
/// file or a callback is far smaller, and `/dev/zero` never ends.
/// See: issue 19.
#[test]
fn r19_inputs_over_16_mib_are_refused() {
    let dir = cleaned("reconcile_input_cap");
    write_json(&dir, "cb.json", &success(3, 3, 3));
    // Valid JSON, but past the cap: blank space before the object.
    let mut padded = vec![b' '; 16 << 20];
    padded.extend_from_slice(&dir.read("stats.json"));
    dir.create("big.json", &padded);
    let out = dir
        .cmd(&["reconcile", "--stats", "big.json", "--callback", "cb.json"])
        .run();
    assert_error(&out, &["big.json", "larger than 16 MiB"]);
    let out = dir
        .cmd(&["reconcile", "--stats", "stats.json", "--callback", "-"])
        .stdin(&padded)
        .run();
    assert_error(&out, &["<stdin>", "larger than 16 MiB"]);
    // Exactly at the cap is read.
    padded.truncate(16 << 20);
    let cb = serde_json::to_vec(&success(3, 3, 3)).unwrap();
    padded[..cb.len()].copy_from_slice(&cb);
    dir.create("cb.json", &padded);
    let out = dir.cmd(&RECONCILE).run();
    assert_eq!(out.code(), 0, "{}", out.render());
    #[cfg(unix)]
    {
        let out = dir
            .cmd(&["reconcile", "--stats", "/dev/zero"])
            .args(&["--callback", "cb.json"])
            .run();
        assert_error(&out, &["/dev/zero", "larger than 16 MiB"]);
    }
}

/// A callback saved by an editor that adds a UTF-8 byte order mark is
/// read. See: issue 19.
#[test]
fn r19_callback_with_a_bom_is_read() {
    let dir = cleaned("reconcile_bom");
    let mut cb = b"\xEF\xBB\xBF".to_vec();
    cb.extend(serde_json::to_vec(&success(3, 3, 3)).unwrap());
    dir.create("cb.json", &cb);
    let out = dir.cmd(&RECONCILE).run();
    assert_eq!(out.code(), 0, "{}", out.render());
    let mut stats = b"\xEF\xBB\xBF".to_vec();
    stats.extend(dir.read("stats.json"));
    dir.create("stats.json", &stats);
    let out = dir.cmd(&RECONCILE).run();
    assert_eq!(out.code(), 0, "{}", out.render());
}

/// An error message quotes at most the first 200 characters of a field,
/// escaped. See: issue 19.
#[test]
fn r19_messages_quote_a_field_briefly() {
    let dir = cleaned("reconcile_long_field");
    let long = format!("\u{1b}{}", "x".repeat(1 << 20));
    let cases = [
        json!({"status": long}),
        json!({"status": 500, "error_message": [long]}),
        json!({"status": 500, "request_id": {long.as_str(): 1}}),
    ];
    for cb in cases {
        write_json(&dir, "cb.json", &cb);
        let out = dir.cmd(&RECONCILE).run();
        assert_error(&out, &["cb.json", "\"\\u001bxxx", "..."]);
        assert!(out.stderr.len() < 400, "{}", out.stderr.len());
        assert!(!out.stderr.contains(&0x1b));
    }
    // A duplicated long key, too.
    let text = format!(r#"{{"status": 500, "{long}": 1, "{long}": 2}}"#);
    dir.create("cb.json", text.replace('\u{1b}', "\\u001b"));
    let out = dir.cmd(&RECONCILE).run();
    assert_error(&out, &["cb.json", "duplicate key \"\\u001bxxx", "..."]);
    assert!(out.stderr.len() < 400, "{}", out.stderr.len());

    write_json(&dir, "cb.json", &success(3, 3, 3));
    let mut stats = dir.read_json("stats.json");
    stats["values_found"] = json!(long);
    write_json(&dir, "stats.json", &stats);
    let out = dir.cmd(&RECONCILE).run();
    assert_error(&out, &["stats.json", "\"values_found\"", "..."]);
    assert!(out.stderr.len() < 400, "{}", out.stderr.len());
}

/// The statistics `clean` and `diff` write read back as the library's
/// documents, equal after a second trip, and write the same bytes.
#[test]
fn stats_files_round_trip_through_the_library() {
    let dir = Dir::new("reconcile_stats_round_trip");
    let rows = "\u{feff}user_id\r\n1\r\n 2\n1\n\nx#\n3,\n4\n\"5\"\n";
    dir.create("in.csv", rows);
    let mut gz = flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::default(),
    );
    gz.write_all(rows.as_bytes()).unwrap();
    dir.create("in.csv.gz", gz.finish().unwrap());
    let runs: [(&str, &[&str]); 4] = [
        ("whole", &["in.csv", "-o", "whole.csv"]),
        ("split", &["in.csv", "-o", "split.csv", "--split-values", "2"]),
        ("gzip", &["in.csv.gz", "-o", "gzip.csv"]),
        ("stdout", &["in.csv", "-o", "-"]),
    ];
    for (name, args) in runs {
        let stats = format!("{name}.json");
        let out = dir
            .cmd(&["clean", "--id-type", "numeric", "--stats", &stats])
            .args(args)
            .run();
        assert_eq!(out.code(), 0, "{}", out.render());
        let bytes = dir.read_text(&stats);
        let file: StatsFile = serde_json::from_str(&bytes).unwrap();
        let again = serde_json::to_string_pretty(&file).unwrap() + "\n";
        eqnice!(bytes, again, "{name}");
        let back: StatsFile = serde_json::from_str(&again).unwrap();
        assert_eq!(back, file);
        // Every kind of count is there to be read.
        let stats = &file.stats;
        assert!(stats.is_balanced(), "{name}");
        assert!(stats.header.is_some() && stats.duplicates == 1);
        assert_eq!(stats.rejected_total(), 2);
        assert_eq!(stats.fixed_counts().count(), 5, "{name}");
        assert_eq!(stats.uncompressed_bytes.is_some(), name == "gzip");
        // A split clean file keeps the -o name its parts follow.
        assert!(file.output.is_some(), "{name}");
        let parts = file.parts.as_deref().map(<[_]>::len);
        assert_eq!(parts, (name == "split").then_some(3), "{name}");
    }

    let out = dir
        .cmd(&["diff", "in.csv", "in.csv.gz", "--stats", "diff.json"])
        .run();
    assert_eq!(out.code(), 0, "{}", out.render());
    let bytes = dir.read_text("diff.json");
    let diff: DiffStats = serde_json::from_str(&bytes).unwrap();
    let again = serde_json::to_string_pretty(&diff).unwrap() + "\n";
    eqnice!(bytes, again);
    assert_eq!(diff.new.uncompressed_bytes, Some(diff.old.bytes));
}

#[test]
fn quiet_json_still_prints_the_json() {
    let dir = cleaned("reconcile_quiet_json");
    write_json(&dir, "cb.json", &success(3, 3, 2));
    let args = ["reconcile", "--stats", "stats.json", "--callback", "cb.json"];
    let out = dir.cmd(&args).args(&["-q", "--format", "json"]).run();
    assert_eq!(out.code(), 0, "{}", out.render());
    assert_eq!(out.json()["consistent"], true);
    let out = dir.cmd(&args).args(&["-q"]).run();
    eqnice!("exit_code: 0\n--- stdout\n--- stderr\n", out.render());
}
