//! Hostile input and a hostile environment: bytes that are not text,
//! huge rows, millions of rows, other encodings and line endings, pipes,
//! full disks, closed readers and a writer killed half-way.
//!
//! Sizes are chosen so that the whole module stays fast with the debug
//! build of the binary that `cargo test` runs.

use std::fs::{self, OpenOptions};
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::util::{
    assert_balanced, assert_error, assert_quiet_success, check_json, eqjson,
    eqnice, Dir, Output, SEGPREP,
};

/// A seeded generator (SplitMix64): "random" inputs are the same on
/// every run, so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(len + 8);
        while out.len() < len {
            out.extend_from_slice(&self.next().to_le_bytes());
        }
        out.truncate(len);
        out
    }
}

/// A `segprep` command run in the test folder, for the tests that need
/// their own standard streams.
fn segprep(dir: &Dir) -> Command {
    let mut cmd = Command::new(SEGPREP);
    cmd.current_dir(dir.root());
    cmd
}

/// Runs `cmd` with standard input empty and standard output going to
/// `stdout`, and collects standard error.
fn run_with_stdout(cmd: &mut Command, stdout: Stdio) -> Output {
    let out = cmd
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::piped())
        .output()
        .expect("run segprep");
    Output::from(out)
}

/// Rows as the spec counts them: one per LF, plus a last row without
/// one.
fn rows_in(bytes: &[u8]) -> u64 {
    let lfs = bytes.iter().filter(|&&b| b == b'\n').count() as u64;
    lfs + u64::from(!bytes.is_empty() && !bytes.ends_with(b"\n"))
}

/// Compares two byte strings without printing megabytes on a mismatch.
fn assert_same_bytes(expected: &[u8], got: &[u8], what: &str) {
    if expected != got {
        let at = expected
            .iter()
            .zip(got)
            .position(|(a, b)| a != b)
            .unwrap_or(expected.len().min(got.len()));
        let show = |b: &[u8]| {
            let end = b.len().min(at + 40);
            b[at.saturating_sub(40)..end].escape_ascii().to_string()
        };
        panic!(
            "{what}: {} bytes expected, {} bytes got, first difference at \
             byte {at}:\nexpected ...{}...\ngot      ...{}...",
            expected.len(),
            got.len(),
            show(expected),
            show(got),
        );
    }
}

/// The statistics of `check --format json`, without the keys that only
/// `check` has.
fn check_stats(report: &Value) -> Value {
    let mut stats = report.clone();
    let map = stats.as_object_mut().expect("an object");
    for key in ["schema", "conforms", "file_findings", "diagnostics"] {
        map.remove(key).unwrap_or_else(|| panic!("{key} in {report}"));
    }
    stats
}

/// The statistics of `clean --stats`, without the keys that only
/// `clean` has.
fn clean_stats(stats: &Value) -> Value {
    let mut stats = stats.clone();
    let map = stats.as_object_mut().expect("an object");
    for key in ["schema", "output", "output_bytes"] {
        map.remove(key).unwrap_or_else(|| panic!("{key} in stats"));
    }
    stats
}

/// Asserts human `check` output: the exit code, nothing on standard
/// error, the diagnostic lines (`FILE:LINE: RULE DETAIL: "RAW"`, the
/// format the spec fixes) exactly, and a summary after them that says
/// each of `says`. The summary's layout is for people and may change, so
/// only what it must say is checked.
fn assert_human(
    out: &Output,
    code: i32,
    file: &str,
    diagnostics: &str,
    says: &[&str],
) {
    let diagnostics = diagnostics.strip_prefix('\n').unwrap_or(diagnostics);
    let ok = out.status.code() == Some(code) && out.stderr.is_empty();
    assert!(ok, "expected exit {code}, got:\n{}", out.render());
    let stdout = out.stdout_text();
    let is_diagnostic = |line: &str| {
        line.strip_prefix(file)
            .and_then(|rest| rest.strip_prefix(':'))
            .map(|rest| {
                (rest, rest.trim_start_matches(|c: char| c.is_ascii_digit()))
            })
            .is_some_and(|(rest, after)| {
                after.len() < rest.len() && after.starts_with(": ")
            })
    };
    let lines: Vec<&str> = stdout.split_inclusive('\n').collect();
    let n = lines.iter().take_while(|l| is_diagnostic(l)).count();
    let (got, summary) = (lines[..n].concat(), lines[n..].concat());
    eqnice!(diagnostics, got, "the diagnostic lines");
    for needle in says {
        assert!(
            summary.contains(needle),
            "the summary does not say {needle:?}:\n{summary}"
        );
    }
    assert!(
        !summary.lines().any(is_diagnostic),
        "a diagnostic after the summary began:\n{stdout}"
    );
}

// --- Bytes that are not text ----------------------------------------------

/// Row by row: a BOM then invalid UTF-8; kept; NUL first, in the middle,
/// last, alone, inside quotes, before a CRLF; an overlong encoding, a
/// surrogate, a code point past U+10FFFF, a lone continuation byte,
/// invalid UTF-8 inside quotes and before a trailing comma; a duplicate;
/// a kept two-byte character; a three-byte character cut off by the end
/// of the file.
const BAD_BYTES: &[u8] = b"\xEF\xBB\xBF\xFFfirst\n\
    ok\n\
    \x00lead\n\
    mid\x00dle\n\
    trail\x00\n\
    \x00\n\
    \"q\x00\"\n\
    a\x00\r\n\
    ab\xC0\xAF\n\
    \xED\xA0\x80\n\
    \xF4\x90\x80\x80\n\
    x\x80y\n\
    \"\xFF\"\n\
    \xFF,\n\
    ok\n\
    caf\xC3\xA9\n\
    end\xE2\x82";

#[test]
fn invalid_utf8_and_nul_anywhere() {
    let dir = Dir::new("hostile_bad_bytes");
    dir.create("in.csv", BAD_BYTES);
    let out = dir.cmd(&["check", "in.csv", "--max-diagnostics", "0"]).run();
    assert_human(
        &out,
        1,
        "in.csv",
        r#"
in.csv:1: invalid-utf8 invalid UTF-8 at byte 1: "\xFFfirst"
in.csv:3: special-char value has '\0': "\x00lead"
in.csv:4: special-char value has '\0': "mid\x00dle"
in.csv:5: special-char value has '\0': "trail\x00"
in.csv:6: special-char value has '\0': "\x00"
in.csv:7: special-char value has '\0': "\"q\x00\""
in.csv:8: special-char value has '\0': "a\x00"
in.csv:9: invalid-utf8 invalid UTF-8 at byte 3: "ab\xC0\xAF"
in.csv:10: invalid-utf8 invalid UTF-8 at byte 1: "\xED\xA0\x80"
in.csv:11: invalid-utf8 invalid UTF-8 at byte 1: "\xF4\x90\x80\x80"
in.csv:12: invalid-utf8 invalid UTF-8 at byte 2: "x\x80y"
in.csv:13: invalid-utf8 invalid UTF-8 at byte 2: "\"\xFF\""
in.csv:14: invalid-utf8 invalid UTF-8 at byte 1: "\xFF,"
in.csv:15: duplicate same value as line 2: "ok"
in.csv:17: invalid-utf8 invalid UTF-8 at byte 4: "end\xE2\x82"
"#,
        &["17 rows", "invalid-utf8", "special-char"],
    );

    let out = dir
        .cmd(&["clean", "in.csv", "-o", "out.csv", "--rejects", "r.csv"])
        .args(&["--stats", "s.json"])
        .run();
    assert_quiet_success(&out);
    eqnice!("ok\ncafé\n", dir.read_text("out.csv"));
    // The rejects file carries each row's bytes as they were (the BOM
    // and the terminator's CR excepted), NUL and invalid bytes included.
    let rejects: &[u8] = b"line,rule,detail,raw
1,invalid-utf8,invalid UTF-8 at byte 1,\xFFfirst
3,special-char,value has '\\0',\x00lead
4,special-char,value has '\\0',mid\x00dle
5,special-char,value has '\\0',trail\x00
6,special-char,value has '\\0',\x00
7,special-char,value has '\\0',\"\"\"q\x00\"\"\"
8,special-char,value has '\\0',a\x00
9,invalid-utf8,invalid UTF-8 at byte 3,ab\xC0\xAF
10,invalid-utf8,invalid UTF-8 at byte 1,\xED\xA0\x80
11,invalid-utf8,invalid UTF-8 at byte 1,\xF4\x90\x80\x80
12,invalid-utf8,invalid UTF-8 at byte 2,x\x80y
13,invalid-utf8,invalid UTF-8 at byte 2,\"\"\"\xFF\"\"\"
14,invalid-utf8,invalid UTF-8 at byte 1,\"\xFF,\"
15,duplicate,same value as line 2,ok
17,invalid-utf8,invalid UTF-8 at byte 4,end\xE2\x82
";
    eqnice!(
        rejects.escape_ascii().to_string(),
        dir.read("r.csv").escape_ascii().to_string()
    );
    let stats = dir.read_json("s.json");
    eqjson!(
        json!({
            "input": "in.csv",
            "bytes": BAD_BYTES.len(),
            "values_found": 17,
            "values_processed": 2,
            "duplicates": 1,
            "header": null,
            "rejected": {"invalid-utf8": 8, "special-char": 6},
            "fixed": {"bom": 1},
            "warnings": [],
            "warning_codes": [],
            "schema": "segprep-stats/1",
            "options": crate::util::default_options(),
            "output": "out.csv",
            "output_bytes": 9,
        }),
        stats
    );
    assert_balanced(&stats);
}

#[test]
fn file_ends_inside_a_multibyte_character() {
    let dir = Dir::new("hostile_cut_character");
    // (input, the last row's raw text in JSON, the clean file, fixes)
    let cases: &[(&[u8], &str, &str, Value)] = &[
        (b"\xE2\x82", "\u{FFFD}", "", json!({})),
        (b"ok\n\xF0\x9F\x98", "\u{FFFD}", "ok\n", json!({})),
        (b"ok\r\nab\xC3", "ab\u{FFFD}", "ok\n", json!({"crlf": 1})),
        // A byte order mark cut short is no byte order mark.
        (b"\xEF\xBB", "\u{FFFD}", "", json!({})),
    ];
    for (input, raw, clean, fixed) in cases {
        let (input, raw, clean) = (*input, *raw, *clean);
        let shown = input.escape_ascii();
        dir.create("in.csv", input);
        let out = dir.cmd(&["check", "in.csv", "--format", "json"]).run();
        assert_eq!(out.code(), 1, "{shown}\n{}", out.render());
        let json = out.json();
        assert_balanced(&json);
        assert_eq!(json["values_found"], rows_in(input), "{shown}");
        eqjson!(json!({"invalid-utf8": 1}), json["rejected"]);
        eqjson!(fixed, &json["fixed"]);
        let last = json["diagnostics"]
            .as_array()
            .and_then(|d| d.last())
            .unwrap_or_else(|| panic!("no diagnostics for {shown}"));
        assert_eq!(last["rule"], "invalid-utf8", "{shown}");
        assert_eq!(last["line"], rows_in(input), "{shown}");
        assert_eq!(last["raw"], raw, "{shown}");

        let out = dir.cmd(&["clean", "in.csv", "-o", "out.csv"]).run();
        assert_quiet_success(&out);
        eqnice!(clean, dir.read_text("out.csv"), "{shown}");
    }
}

/// Checks and cleans `input`, and holds the results to every invariant
/// that does not depend on what the input holds.
fn check_and_clean_anything(dir: &Dir, input: &[u8]) {
    dir.create("in.csv", input);
    let out = dir.cmd(&["check", "in.csv", "--format", "json"]).run();
    assert_eq!(out.code(), 1, "{}", out.render());
    assert!(out.stderr.is_empty(), "{}", out.render());
    let report = out.json();
    assert_balanced(&report);
    assert_eq!(report["values_found"], rows_in(input));
    assert_eq!(report["bytes"], input.len());
    assert_eq!(report["conforms"], false);

    // The same bytes for one thread as for all of them.
    let one = dir
        .cmd(&["check", "in.csv", "--format", "json", "--threads", "1"])
        .run();
    assert_eq!(one.code(), 1, "{}", one.render());
    assert!(one.stdout == out.stdout, "--threads 1 reports otherwise");

    let out = dir
        .cmd(&["clean", "in.csv", "-o", "out.csv", "--rejects", "r.csv"])
        .args(&["--stats", "s.json"])
        .run();
    assert_quiet_success(&out);
    let stats = dir.read_json("s.json");
    assert_balanced(&stats);
    eqjson!(check_stats(&report), clean_stats(&stats));

    // The clean file: valid UTF-8, one value per line, no empty line, no
    // duplicate, as many lines as values_processed.
    let clean = dir.read("out.csv");
    assert_eq!(stats["output_bytes"], clean.len());
    let text = String::from_utf8(clean).expect("the clean file is UTF-8");
    assert!(text.is_empty() || text.ends_with('\n'));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(stats["values_processed"], lines.len());
    let mut unique = lines.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), lines.len(), "the clean file has duplicates");
    assert!(lines.iter().all(|l| !l.is_empty()), "an empty line");

    // Every dropped row is in the rejects file: its header line plus one
    // record per row not kept.
    let dropped = stats["values_found"].as_u64().unwrap()
        - stats["values_processed"].as_u64().unwrap();
    let rejects = dir.read("r.csv");
    assert!(rejects.starts_with(b"line,rule,detail,raw\n"));
    let records = count_csv_records(&rejects);
    assert_eq!(records, dropped + 1, "records in the rejects file");

    // The clean file passes its own check (or is empty).
    let out = dir.cmd(&["check", "out.csv", "--format", "json"]).run();
    let again = out.json();
    if lines.is_empty() {
        assert_eq!(out.code(), 1, "{}", out.render());
        eqjson!(json!(["empty-file"]), again["file_findings"]);
    } else {
        assert_eq!(out.code(), 0, "{}", out.render());
        assert_eq!(again["conforms"], true);
    }
}

/// Counts the records of a CSV file: LFs outside quotes.
fn count_csv_records(bytes: &[u8]) -> u64 {
    let mut quoted = false;
    let mut records = 0;
    for &b in bytes {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => records += 1,
            _ => {}
        }
    }
    records
}

#[test]
fn random_binary_data() {
    let dir = Dir::new("hostile_random_binary");
    let mut rng = Rng(0x5E6_0001);
    // 2 MiB of noise: many chunks, a few thousand rows, almost all of
    // them invalid UTF-8.
    let noise = rng.bytes(2 << 20);
    check_and_clean_anything(&dir, &noise);
}

#[test]
fn random_rows_of_hostile_bytes() {
    let dir = Dir::new("hostile_random_rows");
    let mut rng = Rng(0x5E6_0002);
    // Short rows drawn from the bytes that matter: terminators, quotes,
    // commas, white space, NUL, a BOM's bytes, bytes that are never
    // UTF-8, and letters; so some rows are kept, some are duplicates,
    // and every rule gets its turn.
    let alphabet: &[&[u8]] = &[
        b"\n",
        b"\r",
        b"\r\n",
        b"\"",
        b",",
        b" ",
        b"\t",
        b"\x00",
        b"#",
        b"\xEF\xBB\xBF",
        b"\xC3\xA9",
        b"\xC2\xA0",
        b"\xFF",
        b"\x80",
        b"a",
        b"b",
        b"c",
        b"A",
        b"1",
        b"\n",
        b"\n",
    ];
    let mut input = Vec::new();
    while input.len() < 1 << 20 {
        let piece = alphabet[rng.below(alphabet.len() as u64) as usize];
        input.extend_from_slice(piece);
    }
    check_and_clean_anything(&dir, &input);
}

// --- Sizes ---------------------------------------------------------------

#[test]
fn huge_single_line_without_lf() {
    // The platform's limit is 150 MB; 20 MB in one row is enough to show
    // that a row of any length is one row, and keeps the test fast with
    // the debug build of the binary.
    const LEN: usize = 20_000_000;
    let dir = Dir::new("hostile_huge_line");
    dir.create("in.csv", vec![b'a'; LEN]);
    let out = dir.cmd(&["check", "in.csv"]).run();
    let shown = "a".repeat(120);
    assert_human(
        &out,
        1,
        "in.csv",
        &format!(
            "in.csv:1: too-long 20000000 bytes, over the limit of 256: \
             \"{shown}...(20000000 bytes in all)\"\n"
        ),
        &["too-long", "empty-file"],
    );

    let out = dir
        .cmd(&["clean", "in.csv", "-o", "out.csv", "--stats", "-", "-q"])
        .run();
    assert_eq!(out.code(), 0, "{}", out.render());
    assert!(out.stderr.is_empty(), "{}", out.render());
    eqjson!(
        json!({
            "input": "in.csv",
            "bytes": LEN,
            "values_found": 1,
            "values_processed": 0,
            "duplicates": 0,
            "header": null,
            "rejected": {"too-long": 1},
            "fixed": {},
            "warnings": [],
            "warning_codes": [],
            "schema": "segprep-stats/1",
            "options": crate::util::default_options(),
            "output": "out.csv",
            "output_bytes": 0,
        }),
        out.json()
    );
    assert_eq!(dir.read("out.csv"), b"");
}

#[test]
fn a_million_empty_rows() {
    const ROWS: usize = 1_000_000;
    let dir = Dir::new("hostile_million_empty");
    dir.create("in.csv", "\n".repeat(ROWS));
    let out = dir.cmd(&["check", "in.csv", "--max-diagnostics", "3"]).run();
    assert_human(
        &out,
        1,
        "in.csv",
        r#"
in.csv:1: empty-row no value in the row: ""
in.csv:2: empty-row no value in the row: ""
in.csv:3: empty-row no value in the row: ""
"#,
        &["1,000,000 rows", "1,000,000", "empty-file", "999,997 more"],
    );

    let out = dir
        .cmd(&["clean", "in.csv", "-o", "out.csv", "--stats", "s.json"])
        .run();
    assert_quiet_success(&out);
    assert_eq!(dir.read("out.csv"), b"");
    let stats = dir.read_json("s.json");
    assert_balanced(&stats);
    assert_eq!(stats["values_found"], ROWS);
    assert_eq!(stats["values_processed"], 0);
    eqjson!(json!({"empty-row": ROWS}), stats["rejected"]);
}

#[test]
fn every_row_the_same_value() {
    const ROWS: usize = 200_000;
    let dir = Dir::new("hostile_same_value");
    dir.create("in.csv", "id-1\n".repeat(ROWS));
    let out = dir.cmd(&["check", "in.csv", "--max-diagnostics", "2"]).run();
    assert_human(
        &out,
        1,
        "in.csv",
        r#"
in.csv:2: duplicate same value as line 1: "id-1"
in.csv:3: duplicate same value as line 1: "id-1"
"#,
        &["200,000 rows", "199,999", "199,997 more"],
    );

    let out = dir
        .cmd(&["clean", "in.csv", "-o", "out.csv", "--rejects", "r.csv"])
        .args(&["--stats", "s.json"])
        .run();
    assert_quiet_success(&out);
    eqnice!("id-1\n", dir.read_text("out.csv"));
    let stats = dir.read_json("s.json");
    assert_balanced(&stats);
    assert_eq!(stats["duplicates"], ROWS - 1);
    // Every copy, in every chunk, names line 1 as the first occurrence.
    let rejects = dir.read_text("r.csv");
    let mut records = rejects.lines();
    assert_eq!(records.next(), Some("line,rule,detail,raw"));
    for (i, record) in records.enumerate() {
        let want = format!("{},duplicate,same value as line 1,id-1", i + 2);
        assert_eq!(record, want);
    }
    assert_eq!(rejects.lines().count(), ROWS);
}

// --- Line endings and encodings -------------------------------------------

#[test]
fn cr_only_line_endings_warn() {
    let dir = Dir::new("hostile_cr_only");
    dir.create("in.csv", "a\rb\rc\r");
    let json = check_json(&dir, "in.csv", &[], 1);
    assert_eq!(json["values_found"], 1);
    eqjson!(json!({"special-char": 1}), json["rejected"]);
    let warnings = json["warnings"].as_array().expect("warnings");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let warning = warnings[0].as_str().expect("a string");
    assert!(
        warning.contains("CR line endings") && warning.contains("no LF"),
        "{warning}"
    );

    let out = dir.cmd(&["check", "in.csv"]).run();
    assert_human(
        &out,
        1,
        "in.csv",
        r#"
in.csv:1: special-char value has '\r': "a\rb\rc\r"
"#,
        &[warning, "empty-file"],
    );

    let out =
        dir.cmd(&["clean", "in.csv", "-o", "out.csv", "--stats", "-"]).run();
    assert_eq!(out.code(), 0, "{}", out.render());
    eqjson!(json!([warning]), out.json()["warnings"]);
    assert_eq!(dir.read("out.csv"), b"");

    // One LF anywhere, and the rows are LF rows: no warning.
    dir.create("in.csv", "a\rb\rc\r\n");
    let out = dir.cmd(&["check", "in.csv", "--format", "json"]).run();
    eqjson!(json!([]), out.json()["warnings"]);
}

// --- Inputs that are not regular files ------------------------------------

/// Makes a FIFO at `path`.
fn mkfifo(path: &Path) {
    let status =
        Command::new("mkfifo").arg(path).status().expect("run mkfifo");
    assert!(status.success(), "mkfifo {}: {status}", path.display());
}

/// Writes `bytes` into the FIFO at `path` from a thread (the open
/// blocks until segprep opens the other end); the receiver hears when
/// all of them went through, and hangs up if writing failed.
fn feed_fifo(path: &Path, bytes: &[u8]) -> mpsc::Receiver<()> {
    let path = path.to_path_buf();
    let bytes = bytes.to_vec();
    let (done, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut fifo = OpenOptions::new()
            .write(true)
            .open(&path)
            .expect("open the FIFO for writing");
        fifo.write_all(&bytes).expect("write into the FIFO");
        drop(fifo);
        let _ = done.send(());
    });
    rx
}

/// About 200 kB, more than a pipe holds: a BOM, CRLF rows, findings
/// of many kinds, duplicates, no final LF.
fn piped_input() -> Vec<u8> {
    let mut input = b"\xEF\xBB\xBFid\r\n".to_vec();
    for i in 0..20_000u32 {
        let row = match i % 7 {
            0 => format!("user-{}\r\n", i % 1500),
            1 => format!("\"USER-{i}\",\n"),
            2 => format!(" user {i} \n"),
            3 => "\n".to_string(),
            4 => format!("u\u{a0}{i}\n"),
            5 => format!("a,b{i}\n"),
            _ => format!("user-{i}\n"),
        };
        input.extend_from_slice(row.as_bytes());
    }
    input.extend_from_slice(b"last\xFF");
    input
}

#[cfg(unix)]
#[test]
fn fifo_and_standard_input_read_like_a_file() {
    let dir = Dir::new("hostile_fifo");
    let input = piped_input();
    // The same name, in.csv, in two folders: a regular file and a FIFO,
    // so that even the human output must be the same bytes.
    dir.mkdir("file");
    dir.mkdir("fifo");
    dir.create("file/in.csv", &input);
    mkfifo(&dir.path("fifo/in.csv"));

    let run_in = |folder: &str, args: &[&str], fifo: bool| {
        let feeder = fifo.then(|| feed_fifo(&dir.path("fifo/in.csv"), &input));
        // Quiet: the subject is the outputs, not clean's summary.
        let quiet: &[&str] = if args[0] == "clean" { &["-q"] } else { &[] };
        let out = Command::new(SEGPREP)
            .current_dir(dir.path(folder))
            .args(args)
            .args(quiet)
            .stdin(Stdio::null())
            .output()
            .expect("run segprep");
        let out = Output::from(out);
        assert!(
            out.stderr.is_empty(),
            "{args:?} in {folder}\n{}",
            out.render()
        );
        // A writer still blocked in its open would wait forever: wait
        // for it with a limit (the thread is left behind on a failure).
        if let Some(feeder) = feeder {
            feeder
                .recv_timeout(Duration::from_secs(20))
                .expect("segprep read all of the FIFO");
        }
        out
    };

    for format in ["human", "json"] {
        let args = ["check", "in.csv", "--format", format];
        let file = run_in("file", &args, false);
        assert_eq!(file.code(), 1, "{}", file.render());
        let fifo = run_in("fifo", &args, true);
        assert_eq!(fifo.code(), 1, "{}", fifo.render());
        eqnice!(
            file.stdout_text(),
            fifo.stdout_text(),
            "check --format {format}"
        );
    }
    let file_report =
        run_in("file", &["check", "in.csv", "--format", "json"], false).json();
    assert_balanced(&file_report);
    assert_eq!(file_report["values_found"], rows_in(&input));

    let clean =
        ["clean", "in.csv", "-o", "../out.csv", "--rejects", "../r.csv"];
    let out = run_in("file", &clean, false);
    assert_eq!(out.code(), 0, "{}", out.render());
    let expected = ["out.csv", "r.csv"].map(|name| dir.read(name));
    let remove = || {
        for name in ["out.csv", "r.csv"] {
            fs::remove_file(dir.path(name)).expect("remove an output");
        }
    };
    remove();
    let out = run_in("fifo", &clean, true);
    assert_eq!(out.code(), 0, "{}", out.render());
    for (name, want) in ["out.csv", "r.csv"].iter().zip(&expected) {
        assert_same_bytes(want, &dir.read(name), name);
    }

    // Standard input: named `<stdin>` in human output and `-` in JSON,
    // otherwise the same.
    let out = dir.cmd(&["check", "-"]).stdin(&input).run();
    assert_eq!(out.code(), 1, "{}", out.render());
    let file = run_in("file", &["check", "in.csv"], false);
    eqnice!(
        file.stdout_text(),
        out.stdout_text().replace("<stdin>:", "in.csv:"),
        "check -"
    );
    let out = dir.cmd(&["check", "-", "--format", "json"]).stdin(&input).run();
    let mut report = out.json();
    assert_eq!(report["input"], "-");
    report["input"] = json!("in.csv");
    eqjson!(file_report, report);

    remove();
    let out = dir
        .cmd(&["clean", "-", "-o", "out.csv", "--rejects", "r.csv"])
        .stdin(&input)
        .run();
    assert_quiet_success(&out);
    for (name, want) in ["out.csv", "r.csv"].iter().zip(&expected) {
        assert_same_bytes(want, &dir.read(name), name);
    }
    let out = dir.cmd(&["clean", "-", "-o", "-"]).stdin(&input).run();
    assert_eq!(out.code(), 0, "{}", out.render());
    assert_same_bytes(&expected[0], &out.stdout, "clean - -o -");
}

#[cfg(unix)]
/// Reads the FIFO at `path` to its end from a thread (the open blocks
/// until segprep opens the other end); the receiver gets the bytes.
fn drain_fifo(path: &Path) -> mpsc::Receiver<Vec<u8>> {
    let path = path.to_path_buf();
    let (done, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut fifo =
            fs::File::open(&path).expect("open the FIFO for reading");
        let mut bytes = Vec::new();
        fifo.read_to_end(&mut bytes).expect("read the FIFO");
        let _ = done.send(bytes);
    });
    rx
}

#[cfg(unix)]
#[test]
fn outputs_that_are_fifos_or_pipes_get_a_stream() {
    let dir = Dir::new("hostile_fifo_out");
    // Larger than a chunk, so that the clean file has many parts that a
    // regular file would take at their offsets.
    let mut input = piped_input();
    for i in 0..400_000u32 {
        input.extend_from_slice(format!("\nid-{i}").as_bytes());
    }
    dir.create("in.csv", &input);
    let args = ["clean", "in.csv", "-o", "out.csv", "--rejects", "r.csv"];
    let out = dir.cmd(&args).run();
    assert_quiet_success(&out);
    let expected = dir.read("out.csv");
    let expected_rejects = dir.read("r.csv");
    assert!(expected.len() > 3 << 20, "several chunks of output");

    for name in ["clean.fifo", "rejects.fifo"] {
        mkfifo(&dir.path(name));
    }
    let clean = drain_fifo(&dir.path("clean.fifo"));
    let rejects = drain_fifo(&dir.path("rejects.fifo"));
    let args =
        ["clean", "in.csv", "-o", "clean.fifo", "--rejects", "rejects.fifo"];
    let out = dir.cmd(&args).run();
    assert_quiet_success(&out);
    let wait = Duration::from_secs(20);
    let clean = clean.recv_timeout(wait).expect("the clean FIFO was written");
    assert_same_bytes(&expected, &clean, "-o FIFO");
    let rejects = rejects.recv_timeout(wait).expect("the rejects FIFO");
    assert_same_bytes(&expected_rejects, &rejects, "--rejects FIFO");

    // /dev/stdout when standard output is a pipe.
    let out = dir.cmd(&["clean", "in.csv", "-o", "/dev/stdout"]).run();
    assert_eq!(out.code(), 0, "{}", out.render());
    assert_same_bytes(&expected, &out.stdout, "-o /dev/stdout");
}

#[test]
fn no_mmap_reads_the_same() {
    let dir = Dir::new("hostile_no_mmap");
    let mut rng = Rng(0x5E6_0003);
    let mut input = piped_input();
    input.extend(rng.bytes(64 << 10));
    dir.create("in.csv", &input);
    let runs: &[(i32, &[&str])] = &[
        (1, &["check", "in.csv", "--max-diagnostics", "0"]),
        (1, &["check", "in.csv", "--format", "json"]),
        (0, &["clean", "in.csv", "-o", "-", "--rejects", "r.csv", "-q"]),
    ];
    for &(code, args) in runs {
        let mapped = dir.cmd(args).run();
        assert_eq!(mapped.code(), code, "{}", mapped.render());
        assert!(mapped.stderr.is_empty(), "{}", mapped.render());
        let rejects = dir.exists("r.csv").then(|| dir.read("r.csv"));
        if rejects.is_some() {
            fs::remove_file(dir.path("r.csv")).unwrap();
        }
        let read = dir.cmd(args).args(&["--no-mmap"]).run();
        assert_eq!(read.code(), code, "{}", read.render());
        assert!(read.stderr.is_empty(), "{}", read.render());
        assert_same_bytes(&mapped.stdout, &read.stdout, &format!("{args:?}"));
        if let Some(rejects) = rejects {
            assert_same_bytes(&rejects, &dir.read("r.csv"), "r.csv");
        }
    }
}

// --- Outputs ---------------------------------------------------------------

#[cfg(unix)]
#[test]
fn output_through_odd_paths() {
    // errors.rs covers a missing folder and the input named through a
    // link; these are the other ways a path can go wrong.
    let dir = Dir::new("hostile_output_paths");
    dir.create("in.csv", "a\nb\n");
    dir.mkdir("folder");
    std::os::unix::fs::symlink("in.csv", dir.path("l1")).unwrap();
    std::os::unix::fs::symlink("l1", dir.path("l2")).unwrap();
    std::os::unix::fs::symlink(".", dir.path("here")).unwrap();
    let before = dir.list("");
    let cases: &[(&str, &str)] = &[
        // The input through a chain of links, a linked folder, `..`.
        ("in.csv", "l2"),
        ("l2", "l1"),
        ("in.csv", "here/in.csv"),
        ("in.csv", "folder/../in.csv"),
        // A folder, and a "folder" that is a file.
        ("in.csv", "folder"),
        ("in.csv", "in.csv/out.csv"),
        ("in.csv", "a/b/c/out.csv"),
    ];
    for &(input, output) in cases {
        let out = dir.cmd(&["clean", input, "-o", output]).run();
        assert_error(&out, &[output]);
        assert_eq!(dir.list(""), before, "-o {output}");
        assert!(dir.list("folder").is_empty(), "-o {output}");
        assert_eq!(dir.read_text("in.csv"), "a\nb\n");
    }
}

/// Whether `name` in `dir` is a symbolic link to `target`.
#[cfg(unix)]
fn is_link_to(dir: &Dir, name: &str, target: &str) -> bool {
    fs::read_link(dir.path(name)).is_ok_and(|t| t == Path::new(target))
}

#[cfg(unix)]
#[test]
fn output_that_is_a_dangling_link() {
    // The README: an output that is a symbolic link is replaced through
    // the link, and the link stays. That holds for a link whose target
    // does not exist yet as well: like `>` in a shell, the target is
    // created.
    let dir = Dir::new("hostile_dangling_link");
    dir.create("in.csv", "a\nb\n");
    std::os::unix::fs::symlink("new.csv", dir.path("link.csv")).unwrap();
    let out = dir.cmd(&["clean", "in.csv", "-o", "link.csv"]).run();
    assert_quiet_success(&out);
    assert!(
        is_link_to(&dir, "link.csv", "new.csv"),
        "link.csv is no longer a link to new.csv; the folder holds {:?}",
        dir.list("")
    );
    assert_eq!(dir.read_text("new.csv"), "a\nb\n");
    assert_eq!(dir.list(""), ["in.csv", "link.csv", "new.csv"]);
}

#[cfg(unix)]
#[test]
fn output_link_into_a_missing_folder() {
    // A link into a folder that does not exist: an error, like any other
    // missing folder, and the link is left alone.
    let dir = Dir::new("hostile_link_missing_folder");
    dir.create("in.csv", "a\nb\n");
    std::os::unix::fs::symlink("nodir/x.csv", dir.path("lost.csv")).unwrap();
    let out = dir.cmd(&["clean", "in.csv", "-o", "lost.csv"]).run();
    assert_error(&out, &["lost.csv"]);
    assert!(
        is_link_to(&dir, "lost.csv", "nodir/x.csv"),
        "lost.csv is no longer a link to nodir/x.csv; the folder holds {:?}",
        dir.list("")
    );
    assert_eq!(dir.list(""), ["in.csv", "lost.csv"]);
}

/// Opens /dev/full for writing: every write fails with ENOSPC.
fn dev_full() -> Stdio {
    OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("open /dev/full")
        .into()
}

/// Asserts exit 2 and one line `segprep: ...` about standard output on
/// standard error (the child's standard output went to /dev/full, so
/// there is nothing to look at there).
fn assert_full_disk(out: &Output, what: &str) {
    let stderr = out.stderr_text();
    assert!(
        out.status.code() == Some(2)
            && stderr.starts_with("segprep: ")
            && stderr.lines().count() == 1
            && stderr.contains("standard output")
            && stderr.contains("No space left on device")
            && !stderr.contains("panicked"),
        "{what}: expected exit 2 and one line `segprep: ...` about the \
         full standard output, got:\n{}",
        out.render()
    );
}

#[cfg(target_os = "linux")]
#[test]
fn standard_output_to_a_full_disk() {
    let dir = Dir::new("hostile_dev_full");
    // Each row is kept with a fix (a finding for check): 1.08 MB of
    // clean file and 4 MB of findings, more than any buffer in front of
    // standard output, so writes fail half-way, not only at the end.
    let input: String = (0..120_000).map(|i| format!("v{i:07},\n")).collect();
    dir.create("in.csv", input);
    dir.create("old.csv", "old\n");
    let cases: &[&[&str]] = &[
        &["clean", "in.csv", "-o", "-"],
        &["clean", "in.csv", "-o", "-", "--stats", "s.json"],
        &["check", "in.csv", "--max-diagnostics", "0"],
        &["check", "in.csv", "--format", "json", "--max-diagnostics", "0"],
        // Small outputs: only the final flush can fail.
        &["check", "in.csv"],
        &["check", "old.csv"],
        &["clean", "old.csv", "-o", "-"],
    ];
    for args in cases {
        let out = run_with_stdout(segprep(&dir).args(*args), dev_full());
        assert_full_disk(&out, &format!("{args:?}"));
        assert_eq!(dir.list(""), ["in.csv", "old.csv"], "{args:?}");
    }
}

#[cfg(target_os = "linux")]
#[test]
fn output_files_on_a_full_disk() {
    // /dev/full as a named output: it is a device, written in place, and
    // every write fails. Exit 2, and none of the other outputs appears
    // or changes.
    let dir = Dir::new("hostile_dev_full_files");
    let input: String =
        (0..60_000).map(|i| format!("v{i:07},\n#{i}\n")).collect();
    dir.create("in.csv", input);
    dir.create("out.csv", "old\n");
    let cases: &[&[&str]] = &[
        &["-o", "/dev/full", "--rejects", "r.csv", "--stats", "s.json"],
        &["-o", "out.csv", "--rejects", "/dev/full", "--stats", "s.json"],
        &["-o", "out.csv", "--rejects", "r.csv", "--stats", "/dev/full"],
    ];
    for args in cases {
        let out = dir.cmd(&["clean", "in.csv"]).args(args).run();
        assert_error(&out, &["/dev/full", "No space left on device"]);
        assert_eq!(dir.list(""), ["in.csv", "out.csv"], "{args:?}");
        assert_eq!(dir.read_text("out.csv"), "old\n", "{args:?}");
    }
}

#[cfg(target_os = "linux")]
#[test]
fn stats_to_a_full_disk_writes_nothing() {
    // Exit 2 means "an error, and nothing written" (SPEC, clean): when
    // the statistics cannot reach standard output, the clean file must
    // not have replaced the old one either.
    let dir = Dir::new("hostile_dev_full_stats");
    dir.create("in.csv", "a\nb\n");
    dir.create("out.csv", "old\n");
    let mut cmd = segprep(&dir);
    cmd.args(["clean", "in.csv", "-o", "out.csv", "--stats", "-"]);
    let out = run_with_stdout(&mut cmd, dev_full());
    assert_full_disk(&out, "--stats -");
    assert_eq!(dir.read_text("out.csv"), "old\n", "out.csv was replaced");
    assert_eq!(dir.list(""), ["in.csv", "out.csv"]);
}

/// Runs segprep with `args` in `dir`, reads a few bytes of its standard
/// output and closes it.
fn run_and_close_stdout_early(dir: &Dir, args: &[&str]) -> Output {
    let mut child = segprep(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start segprep");
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut head = [0; 8];
    stdout.read_exact(&mut head).expect("read the first bytes");
    drop(stdout);
    Output::from(child.wait_with_output().expect("wait for segprep"))
}

/// Runs `check` on `rows` rows that are each a finding and closes its
/// standard output early.
fn check_closed_early(name: &str, rows: usize, format: &str) {
    let dir = Dir::new(name);
    let input: String = (0..rows).map(|i| format!("v#{i}\n")).collect();
    dir.create("in.csv", input);
    let args = ["check", "in.csv", "--max-diagnostics", "0", "--format"];
    let out =
        run_and_close_stdout_early(&dir, &[&args[..], &[format]].concat());
    // The reader has what it wanted; the verdict stands: no row conforms.
    eqnice!(
        "exit_code: 1\n--- stdout\n--- stderr\n",
        out.render(),
        "{format}"
    );
}

#[test]
fn clean_to_a_closed_standard_output_is_an_error() {
    let dir = Dir::new("hostile_closed_stdout_clean");
    let input: String = (0..100_000).map(|i| format!("id-{i}\n")).collect();
    dir.create("in.csv", input);
    let args = ["clean", "in.csv", "-o", "-"];
    let outputs = ["--rejects", "r.csv", "--stats", "s.json"];
    let out = run_and_close_stdout_early(&dir, &[args, outputs].concat());
    // The clean file did not reach its reader: an error, and the rejects
    // and statistics are not written either.
    assert_error(&out, &["writing standard output"]);
    assert_eq!(dir.list(""), ["in.csv"]);
}

#[test]
fn closed_standard_output_with_100k_findings() {
    check_closed_early("hostile_closed_stdout_human", 100_000, "human");
}

#[test]
fn closed_standard_output_with_100k_findings_json() {
    check_closed_early("hostile_closed_stdout_json", 100_000, "json");
}

/// About 30 MB of 33-byte ids, with trailing commas, empty rows and
/// duplicates, so that the clean file differs from the input.
fn thirty_megabytes() -> Vec<u8> {
    let mut rng = Rng(0x5E6_0004);
    let mut input = Vec::with_capacity(30_000_000);
    let (mut i, mut previous) = (0u64, String::new());
    while input.len() < 30_000_000 {
        let id = rng.next();
        let row = match i % 50 {
            0 => format!("{:016x}{:016X},\n", id, i),
            1 => "\n".to_string(),
            2 => previous.clone(),
            _ => format!("{:016x}{:016x}\n", id, i),
        };
        input.extend_from_slice(row.as_bytes());
        if i % 50 > 2 {
            previous = row;
        }
        i += 1;
    }
    input
}

#[test]
fn killed_writer_leaves_old_or_new_never_half() {
    let dir = Dir::new("hostile_kill_9");
    dir.create("in.csv", thirty_megabytes());
    let old = b"old contents\n".repeat(1000);

    // The complete new output, from a run left alone.
    let out = dir.cmd(&["clean", "in.csv", "-o", "ref.csv"]).run();
    assert_quiet_success(&out);
    let reference = dir.read("ref.csv");
    assert!(reference.len() > 10_000_000 && reference != old);

    // Fixed delays from the start, then delays from the moment the output
    // starts to be written (a temporary file with bytes in it, or
    // out.csv changed), so that kills land half-way through writing
    // whatever the machine's speed.
    let kills = [(0, false), (5, false), (20, false), (50, false)]
        .into_iter()
        .chain([(0, true), (10, true)]);
    let mut outcomes = Vec::new();
    for (ms, from_writing) in kills {
        dir.create("out.csv", &old);
        let mut child = segprep(&dir)
            .args(["clean", "in.csv", "-o", "out.csv"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start segprep");
        if from_writing {
            let deadline = Instant::now() + Duration::from_secs(30);
            while child.try_wait().expect("poll segprep").is_none()
                && !writing_started(&dir, old.len())
                && Instant::now() < deadline
            {
                thread::yield_now();
            }
        }
        thread::sleep(Duration::from_millis(ms));
        // SIGKILL; an error only when it has already been reaped.
        let _ = child.kill();
        let status = child.wait().expect("wait for segprep");
        let when = match from_writing {
            false => format!("{ms} ms"),
            true => format!("{ms} ms after writing began"),
        };
        let got = dir.read("out.csv");
        if got == old {
            outcomes.push(format!("{when}: old ({status})"));
        } else {
            assert_same_bytes(
                &reference,
                &got,
                &format!("out.csv after a kill at {when} ({status})"),
            );
            outcomes.push(format!("{when}: new ({status})"));
        }
        // No process can clean up after SIGKILL: its temporary file may
        // stay (after a normal error none is left: see errors.rs). Only
        // that file may appear.
        for name in dir.list("") {
            if ["in.csv", "out.csv", "ref.csv"].contains(&name.as_str()) {
                continue;
            }
            assert!(
                name.starts_with(".segprep-") && name.ends_with(".tmp"),
                "{name} left after a kill at {when}"
            );
            fs::remove_file(dir.path(&name)).unwrap();
        }
    }
    eprintln!("kill -9 outcomes: {outcomes:#?}");
}

/// Whether `clean -o out.csv` has begun to write: a temporary file
/// beside out.csv holds bytes, or out.csv is no longer `old_len` long.
fn writing_started(dir: &Dir, old_len: usize) -> bool {
    let Ok(entries) = fs::read_dir(dir.root()) else { return false };
    let temp_with_bytes = entries.flatten().any(|entry| {
        entry.file_name().to_string_lossy().starts_with(".segprep-")
            && entry.metadata().is_ok_and(|m| m.len() > 0)
    });
    let out_changed = fs::metadata(dir.path("out.csv"))
        .map_or(true, |m| m.len() != old_len as u64);
    temp_with_bytes || out_changed
}

// --- Limits ----------------------------------------------------------------

#[test]
fn input_over_max_bytes() {
    let dir = Dir::new("hostile_max_bytes");
    // 15 bytes in, 6 bytes of clean file.
    dir.create("in.csv", "a\r\nb\r\nc\r\n\r\n\"a\"\n");
    let json = check_json(&dir, "in.csv", &["--max-bytes", "14"], 1);
    eqjson!(json!(["too-large"]), json["file_findings"]);
    assert_eq!(json["conforms"], false);

    let out = dir
        .cmd(&["clean", "in.csv", "-o", "out.csv", "--stats", "-"])
        .args(&["--max-bytes", "6"])
        .run();
    assert_eq!(out.code(), 0, "{}", out.render());
    eqnice!("a\nb\nc\n", dir.read_text("out.csv"));
    let stats = out.json();
    assert_balanced(&stats);
    let warnings = stats["warnings"].as_array().expect("warnings");
    assert_eq!(warnings.len(), 1, "{stats:#}");
    let warning = warnings[0].as_str().unwrap();
    assert!(
        warning.contains("--max-bytes") && warning.contains("15"),
        "{warning}"
    );
    // Warnings reach standard error too, not only the statistics, before
    // the summary.
    eqnice!(
        format!(
            "segprep: warning: {warning}\nsegprep: in.csv: 3 values written \
             to out.csv (5 rows, 1 duplicate, 1 rejected)\n"
        ),
        out.stderr_text()
    );

    // At the limit: no warning.
    let out = dir
        .cmd(&["clean", "in.csv", "-o", "out.csv", "--stats", "-"])
        .args(&["--max-bytes", "15"])
        .run();
    assert_eq!(out.code(), 0, "{}", out.render());
    eqjson!(json!([]), out.json()["warnings"]);
}

#[test]
fn past_the_daily_limit_warns() {
    // 2,000,001 unique values, about 15 MB: about 3 s of CPU for the
    // two runs with the debug build.
    const LIMIT: usize = 2_000_000;
    let dir = Dir::new("hostile_daily_limit");
    let mut input: String = (0..=LIMIT).map(|i| format!("{i}\n")).collect();
    dir.create("in.csv", &input);
    // Warnings do not affect conformance: check exits 0.
    let report = check_json(&dir, "in.csv", &[], 0);
    assert_eq!(report["values_processed"], LIMIT + 1);
    assert_eq!(report["conforms"], true);
    let warnings = report["warnings"].as_array().expect("warnings");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let warning = warnings[0].as_str().unwrap();
    assert!(
        warning.contains("2000001") && warning.contains("daily limit"),
        "{warning}"
    );

    // Exactly 2,000,000 values (the last row a duplicate of the first):
    // no warning in the statistics of clean.
    let last = input.len() - "2000000\n".len();
    input.replace_range(last.., "0\n");
    dir.create("in.csv", &input);
    let out =
        dir.cmd(&["clean", "in.csv", "-o", "out.csv", "--stats", "-"]).run();
    assert_eq!(out.code(), 0, "{}", out.render());
    let stats = out.json();
    assert_eq!(stats["values_processed"], LIMIT);
    assert_eq!(stats["duplicates"], 1);
    eqjson!(json!([]), stats["warnings"]);
}

#[test]
fn an_output_that_is_a_folder_fails_before_anything_is_written() {
    let dir = Dir::new("hostile_output_folder");
    dir.create("in.csv", "a\nb\nc\n");
    dir.mkdir("out");
    let out = dir
        .cmd(&["clean", "in.csv", "-o", "out"])
        .args(&["--rejects", "r.csv", "--stats", "s.json"])
        .run();
    assert_error(&out, &["out", "is a directory"]);
    assert_eq!(dir.list(""), ["in.csv", "out"]);

    // A part of a split that would land on a folder.
    dir.mkdir("c.part-002.csv");
    let out = dir
        .cmd(&["clean", "in.csv", "-o", "c.csv", "--split-values", "2"])
        .args(&["--rejects", "r.csv", "--stats", "s.json"])
        .run();
    assert_error(&out, &["c.part-002.csv", "is a directory"]);
    assert_eq!(dir.list(""), ["c.part-002.csv", "in.csv", "out"]);
}

#[test]
/// Standard input redirected from a file is mapped: it is read from where
/// the file's position stood (a caller may have read a line already),
/// and the position is left at the end, as reading would leave it.
fn standard_input_from_a_file_starts_at_its_position() {
    use std::io::{Seek, SeekFrom};

    let dir = Dir::new("stdin_from_a_file");
    let input = b"# users\nB\na\nb \"\nb\n".repeat(3);
    dir.create("in.csv", &input);
    let skip = b"# users\n".len();
    let rest = &input[skip..];
    for extra in [&[][..], &["--no-mmap"][..]] {
        let args =
            [&["clean", "-", "-o", "-", "--rejects", "r.csv"], extra].concat();
        let piped = dir.cmd(&args).stdin(rest).run();
        assert_eq!(piped.code(), 0, "{}", piped.render());
        let piped_rejects = dir.read("r.csv");

        let mut file = fs::File::open(dir.path("in.csv")).expect("open");
        file.seek(SeekFrom::Start(skip as u64)).expect("seek");
        let out = Command::new(SEGPREP)
            .current_dir(dir.path(""))
            .args(&args)
            .stdin(file.try_clone().expect("a second handle"))
            .output()
            .expect("run segprep");
        let out = Output::from(out);
        assert_eq!(out.code(), 0, "{extra:?}\n{}", out.render());
        assert_same_bytes(&piped.stdout, &out.stdout, "clean file");
        assert_same_bytes(&piped_rejects, &dir.read("r.csv"), "rejects");
        let end = file.stream_position().expect("the position");
        assert_eq!(end, input.len() as u64, "{extra:?}");
    }
}

#[cfg(unix)]
#[test]
/// A regular output file that fails part way (here: past a file-size
/// limit, with the signal it raises ignored), whether the clean file or
/// the rejects file: exit 2, and neither file appears.
fn an_output_past_a_file_size_limit_leaves_nothing() {
    let dir = Dir::new("hostile_file_size_limit");
    // Each case: the input, then the file that outgrows 1 MiB.
    let many_rejects: String =
        (0..60_000).map(|i| format!("#{i}\n")).collect();
    let many_values: String =
        (0..150_000).map(|i| format!("v{i:07}\n#\n")).collect();
    for (input, failing) in [(many_rejects, "r.csv"), (many_values, "out.csv")]
    {
        dir.create("in.csv", &input);
        dir.create("out.csv", "old\n");
        let out = Command::new("sh")
            .current_dir(dir.path(""))
            .args(["-c", "trap '' XFSZ; ulimit -f 2048; exec \"$0\" \"$@\""])
            .arg(SEGPREP)
            .args(["clean", "in.csv", "-o", "out.csv", "--rejects", "r.csv"])
            .args(["--threads", "2"])
            .stdin(Stdio::null())
            .output()
            .expect("run segprep under a file-size limit");
        let out = Output::from(out);
        assert_error(&out, &[failing, "File too large"]);
        assert_eq!(dir.list(""), ["in.csv", "out.csv"], "{failing}");
        assert_eq!(dir.read_text("out.csv"), "old\n", "{failing}");
    }
}
