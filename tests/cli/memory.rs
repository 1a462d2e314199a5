//! Memory bounded by the input: a long row, or a number whose canonical
//! form is long, costs a few bytes of its own, not a copy per field or
//! per row. Each test runs the binary with its address space capped well
//! below what a copy of the input per field or per row would take.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{Dir, Output, SEGPREP};

/// The address space each run gets, in KiB: room for the binary, its
/// threads and a mapped input of tens of MB, not for a few copies more.
const CAP_KIB: u64 = 128 << 10;

/// `segprep ARGS` in the test folder with the address space capped at
/// `CAP_KIB`, on two threads. One malloc arena: each thread's own would
/// reserve 64 MiB of address space, more or less at random.
fn capped(dir: &Dir, args: &[&str]) -> Output {
    let script =
        format!("ulimit -v {CAP_KIB}; exec \"$0\" \"$@\" --threads 2");
    let out = Command::new("sh")
        .current_dir(dir.root())
        .env("MALLOC_ARENA_MAX", "1")
        .args(["-c", &script, SEGPREP])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run sh");
    let summarizes = args.first() == Some(&"clean") && !args.contains(&"-q");
    Output { summarizes, ..Output::from(out) }
}

#[test]
fn a_row_of_five_million_fields_is_counted_in_place() {
    let dir = Dir::new("memory_fields");
    // Two values 5 MB of commas apart, and a row of commas only.
    let commas = ",".repeat(5_000_000);
    dir.create("c.csv", format!("x{commas}y\n{commas}\nok\n"));
    let out = capped(&dir, &["check", "c.csv"]);
    assert_eq!(out.code(), 1, "{}", out.render());
    let text = out.stdout_text();
    assert!(
        text.contains("c.csv:1: multi-column 5000001 fields where 1"),
        "{text}"
    );
    assert!(text.contains("c.csv:2: empty-row no value"), "{text}");
    // Trailing commas after one value are a fix, the value kept.
    dir.create("t.csv", format!("x{commas}\n"));
    let out = capped(&dir, &["clean", "-q", "t.csv", "-o", "-"]);
    assert_eq!((out.code(), out.stdout_text()), (0, "x\n".into()));
}

#[test]
fn long_canonical_numbers_are_kept_as_numbers_until_written() {
    let dir = Dir::new("memory_numbers");
    // 600,000 rows of `1e308`, whose canonical text is 309 digits,
    // among other spellings of it and of numbers as long.
    let mut input = String::from("10e307\n-1e-300\n");
    input.push_str(&"1e308\n".repeat(600_000));
    input.push_str("\"1.0E308\"\n1e300\n-0.1e-299\n 1e300 \n");
    dir.create("n.csv", &input);
    let want: String = [1e308, -1e-300, 1e300]
        .iter()
        .map(|n: &f64| format!("{n}\n"))
        .collect();
    assert_eq!(want.len(), 310 + 304 + 302);
    let out = capped(
        &dir,
        &["clean", "-q", "n.csv", "-o", "-", "--attribute-type", "double"],
    );
    assert_eq!(out.code(), 0, "{}", out.render());
    assert!(out.stdout_text() == want, "{}", out.stdout_text());
    let out =
        capped(&dir, &["check", "-q", "n.csv", "--attribute-type", "double"]);
    assert_eq!(out.code(), 1, "{}", out.render());
}

/// A row of 40 MB: the cap leaves room for it mapped, not for a copy or
/// two more of it.
const LONG: usize = 40_000_000;

/// `a\xFF"` repeated to `LONG` bytes: not UTF-8, with a quote on every
/// third byte; its base64 is `Yf8i` repeated.
fn not_utf8_row() -> Vec<u8> {
    b"a\xff\"".repeat(LONG / 3)
}

#[test]
fn a_long_row_goes_into_the_json_diagnostics_in_pieces() {
    let dir = Dir::new("memory_json");
    // Half of it quotes, each escaped as two bytes.
    let text = format!("{}#{}", "a".repeat(LONG / 2), "\"".repeat(LONG / 2));
    dir.create("text.csv", format!("u1\n{text}\nu2\n"));
    let bytes = not_utf8_row();
    dir.create("bytes.csv", [&b"u1\n"[..], &bytes, b"\nu2\n"].concat());
    let lossy = String::from_utf8_lossy(&bytes);
    let base64 = "Yf8i".repeat(LONG / 3);
    let check = |diagnostics: &serde_json::Value, raw: &str, b64| {
        let diagnostic = &diagnostics[0];
        assert_eq!(diagnostics.as_array().map(Vec::len), Some(1));
        assert_eq!(diagnostic["line"], 2);
        assert!(diagnostic["raw"] == raw, "the row as it was");
        assert!(diagnostic["raw_base64"].as_str() == b64, "its bytes");
    };
    for (file, raw, b64) in
        [("text.csv", &text[..], None), ("bytes.csv", &lossy, Some(&base64))]
    {
        let out = capped(&dir, &["check", "--format", "json", file]);
        assert_eq!(out.code(), 1, "{}", out.stderr_text());
        check(&out.json()["diagnostics"], raw, b64.map(String::as_str));
    }
    // Two files: JSON Lines, an object per file.
    let out =
        capped(&dir, &["check", "--format", "json", "text.csv", "bytes.csv"]);
    assert_eq!(out.code(), 1, "{}", out.stderr_text());
    let lines: Vec<serde_json::Value> = out
        .stdout
        .split(|&b| b == b'\n')
        .filter(|line| !line.is_empty())
        .map(|line| serde_json::from_slice(line).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 2);
    check(&lines[0]["diagnostics"], &text, None);
    check(&lines[1]["diagnostics"], &lossy, Some(&base64));
}

#[test]
fn a_long_row_goes_into_the_rejects_file_from_the_input() {
    let dir = Dir::new("memory_rejects");
    let text = format!("{}#{}", "a".repeat(LONG / 2), "b".repeat(LONG / 2));
    dir.create("text.csv", format!("u1\n{text}\nu2\n"));
    let bytes = not_utf8_row();
    dir.create("bytes.csv", [&b"u1\n"[..], &bytes, b"\nu2\n"].concat());
    // The csv crate's quoting: in quotes, each quote doubled.
    let quoted = [&b"\""[..], &b"a\xff\"\"".repeat(LONG / 3), b"\""].concat();
    for (file, field) in
        [("text.csv", text.as_bytes()), ("bytes.csv", &quoted)]
    {
        let out = capped(
            &dir,
            &["clean", "-q", file, "-o", "out.csv", "--rejects", "r.csv"],
        );
        assert_eq!(out.code(), 0, "{}", out.render());
        assert_eq!(dir.read_text("out.csv"), "u1\nu2\n");
        let rejects = dir.read("r.csv");
        let record = rejects
            .strip_prefix(&b"line,rule,detail,raw\n2,"[..])
            .expect("the header and the row's record");
        let (rest, field_end) = record.split_at(record.len() - 1);
        assert_eq!(field_end, b"\n");
        // Rule and detail, then the row.
        assert!(rest.ends_with(field), "{file}: the row's bytes");
        let head = &rest[..rest.len() - field.len()];
        assert!(head.len() < 100, "{}", String::from_utf8_lossy(head));
        assert_eq!(head.iter().filter(|&&b| b == b',').count(), 2);
    }
}

/// `segprep ARGS` in the test folder; `None` when it takes more than
/// `secs` seconds (it is killed).
fn within(dir: &Dir, secs: u64, args: &[&str]) -> Option<Output> {
    let mut child = Command::new(SEGPREP)
        .current_dir(dir.root())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run segprep");
    let deadline = Instant::now() + Duration::from_secs(secs);
    while child.try_wait().expect("wait for segprep").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(Output::from(child.wait_with_output().expect("segprep's output")))
}

#[test]
fn a_long_field_in_quotes_is_written_in_linear_time() {
    let dir = Dir::new("memory_quoted_time");
    // A comma, then 20 MB without one quote: the csv writer scanned the
    // rest of such a run for each 256 bytes it wrote, for hours.
    let row = format!(",{}", "a".repeat(20_000_000));
    dir.create("in.csv", format!("u1\n{row}\n"));
    let args =
        ["clean", "-q", "in.csv", "-o", "out.csv", "--rejects", "r.csv"];
    let out = within(&dir, 60, &args).expect("done within a minute");
    assert_eq!(out.code(), 0, "{}", out.render());
    let rejects = dir.read("r.csv");
    let quoted = format!("\"{row}\"\n");
    assert!(rejects.ends_with(quoted.as_bytes()), "the row, in quotes");
}
