//! Memory bounded by the input: a long row, or a number whose canonical
//! form is long, costs a few bytes of its own, not a copy per field or
//! per row. Each test runs the binary with its address space capped well
//! below what a copy of the input per field or per row would take.

use std::process::{Command, Stdio};

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
