//! Errors: exit 2, one line `segprep: ...` on standard error, and
//! nothing written: no output, no temporary file, an existing output
//! untouched.

use crate::util::{assert_error, Dir};

/// The outputs every `clean` below asks for, besides `-o`.
const OUTPUTS: [&str; 4] = ["--rejects", "r.csv", "--stats", "s.json"];

#[test]
fn missing_input() {
    let dir = Dir::new("err_missing_input");
    let out = dir
        .cmd(&["clean", "missing.csv", "-o", "out.csv"])
        .args(&OUTPUTS)
        .run();
    assert_error(&out, &["missing.csv"]);
    assert!(dir.list("").is_empty(), "{:?}", dir.list(""));
}

#[test]
fn directory_as_input() {
    let dir = Dir::new("err_directory_input");
    dir.mkdir("folder");
    let out =
        dir.cmd(&["clean", "folder", "-o", "out.csv"]).args(&OUTPUTS).run();
    assert_error(&out, &["folder"]);
    assert_eq!(dir.list(""), ["folder"]);
    assert!(dir.list("folder").is_empty());
}

#[test]
fn output_folder_does_not_exist() {
    let dir = Dir::new("err_output_folder");
    dir.create("in.csv", "a\n");
    let out = dir
        .cmd(&["clean", "in.csv", "-o", "nodir/out.csv"])
        .args(&OUTPUTS)
        .run();
    assert_error(&out, &["nodir/out.csv"]);
    assert_eq!(dir.list(""), ["in.csv"]);
}

#[test]
fn rejects_or_stats_folder_does_not_exist() {
    let dir = Dir::new("err_side_output_folder");
    dir.create("in.csv", "a\n");
    let cases: [&[&str]; 2] = [
        &["--rejects", "nodir/r.csv", "--stats", "s.json"],
        &["--rejects", "r.csv", "--stats", "nodir/s.json"],
    ];
    for args in cases {
        let out =
            dir.cmd(&["clean", "in.csv", "-o", "out.csv"]).args(args).run();
        assert_error(&out, &["nodir/"]);
        assert_eq!(dir.list(""), ["in.csv"], "{args:?}");
    }
}

#[cfg(unix)]
#[test]
fn output_is_the_input() {
    let dir = Dir::new("err_output_is_input");
    let input = "b\na\n\"a\"\n";
    dir.create("in.csv", input);
    std::os::unix::fs::symlink("in.csv", dir.path("sym.csv")).unwrap();
    std::fs::hard_link(dir.path("in.csv"), dir.path("hard.csv")).unwrap();
    let cases: &[(&str, &[&str])] = &[
        ("in.csv", &["-o", "in.csv"]),
        ("in.csv", &["-o", "./in.csv"]),
        ("in.csv", &["-o", "sym.csv"]),
        ("in.csv", &["-o", "hard.csv"]),
        ("sym.csv", &["-o", "in.csv"]),
        ("in.csv", &["-o", "out.csv", "--rejects", "hard.csv"]),
        ("in.csv", &["-o", "out.csv", "--stats", "sym.csv"]),
    ];
    for (file, args) in cases {
        let out = dir.cmd(&["clean", file]).args(args).run();
        let named = args[args.len() - 1];
        assert_error(&out, &[named]);
        assert_eq!(dir.list(""), ["hard.csv", "in.csv", "sym.csv"]);
        assert_eq!(dir.read_text("in.csv"), input, "{args:?}");
        let link = std::fs::read_link(dir.path("sym.csv")).unwrap();
        assert_eq!(link, std::path::Path::new("in.csv"));
    }
}

#[test]
fn clean_file_over_max_bytes() {
    let dir = Dir::new("err_clean_too_large");
    dir.create("in.csv", "a\nb\n");
    let out = dir
        .cmd(&["clean", "in.csv", "-o", "out.csv", "--max-bytes", "3"])
        .args(&OUTPUTS)
        .run();
    assert_error(&out, &["out.csv", "--max-bytes"]);
    assert!(!dir.exists("out.csv"));
    assert_eq!(dir.list(""), ["in.csv"]);
}

#[test]
fn double_needs_string_or_numeric_ids() {
    let dir = Dir::new("err_double_uuid");
    dir.create("in.csv", "1\n");
    let out = dir
        .cmd(&["clean", "in.csv", "-o", "out.csv"])
        .args(&["--attribute-type", "double", "--id-type", "uuid"])
        .args(&OUTPUTS)
        .run();
    assert_error(&out, &["double", "uuid"]);
    assert!(!dir.exists("out.csv"));
    assert_eq!(dir.list(""), ["in.csv"]);
}

#[test]
fn unknown_id_type() {
    // Argument errors come from the parser, which explains them over
    // several lines; they only need exit 2 and the bad value named.
    let dir = Dir::new("err_unknown_id_type");
    dir.create("in.csv", "1\n");
    let out = dir
        .cmd(&["clean", "in.csv", "-o", "out.csv", "--id-type", "guid"])
        .args(&OUTPUTS)
        .run();
    assert_eq!(out.code(), 2, "{}", out.render());
    assert!(out.stdout.is_empty(), "{}", out.render());
    let stderr = out.stderr_text();
    assert!(stderr.contains("'guid'"), "{stderr}");
    assert!(stderr.contains("--id-type"), "{stderr}");
    assert_eq!(dir.list(""), ["in.csv"]);
}

#[test]
fn output_and_stats_both_on_standard_output() {
    let dir = Dir::new("err_two_stdouts");
    dir.create("in.csv", "a\n");
    let out = dir
        .cmd(&["clean", "in.csv", "-o", "-", "--stats", "-"])
        .args(&["--rejects", "r.csv"])
        .run();
    assert_error(&out, &["--stats"]);
    assert_eq!(dir.list(""), ["in.csv"]);
    let out = dir.cmd(&["clean", "in.csv", "-o", "-", "--stats", "-"]).run();
    assert_error(&out, &["--stats"]);
    assert_eq!(dir.list(""), ["in.csv"]);
}

#[test]
fn rejects_on_standard_output_is_refused() {
    let dir = Dir::new("err_rejects_dash");
    dir.create("in.csv", "a\n");
    let out =
        dir.cmd(&["clean", "in.csv", "-o", "out.csv", "--rejects", "-"]).run();
    assert_error(&out, &["--rejects"]);
    assert_eq!(dir.list(""), ["in.csv"]);
}

#[test]
fn one_path_for_two_outputs_is_refused() {
    let dir = Dir::new("err_two_outputs_one_path");
    dir.create("in.csv", "a\n");
    let out = dir
        .cmd(&["clean", "in.csv", "-o", "out.csv", "--rejects", "out.csv"])
        .run();
    assert_error(&out, &["out.csv"]);
    assert_eq!(dir.list(""), ["in.csv"]);
}

#[test]
fn existing_outputs_are_left_untouched() {
    let dir = Dir::new("err_existing_untouched");
    dir.create("in.csv", "a\nb\n");
    dir.mkdir("keep");
    let old = [
        ("keep/out.csv", "old clean\n"),
        ("keep/r.csv", "old rejects\n"),
        ("keep/s.json", "{\"old\": true}\n"),
    ];
    for (name, text) in old {
        dir.create(name, text);
    }
    let outputs = ["-o", "keep/out.csv", "--rejects", "keep/r.csv"];
    let cases: &[&[&str]] = &[
        &["--stats", "keep/s.json", "--max-bytes", "3"],
        &["--stats", "keep/nodir/s.json"],
        &[
            "--stats",
            "keep/s.json",
            "--attribute-type",
            "double",
            "--id-type",
            "email",
        ],
        &["--stats", "keep/s.json", "--id-type", "guid"],
    ];
    for args in cases {
        let out =
            dir.cmd(&["clean", "in.csv"]).args(&outputs).args(args).run();
        assert_eq!(out.code(), 2, "{args:?}\n{}", out.render());
        // A bad argument gets clap's usage message; every other error is
        // one `segprep:` line.
        let start = match args.last() {
            Some(&"guid") => "error: invalid value 'guid' for '--id-type",
            _ => "segprep: ",
        };
        assert!(
            out.stderr_text().starts_with(start),
            "{args:?}\n{}",
            out.render()
        );
        assert_eq!(dir.list("keep"), ["out.csv", "r.csv", "s.json"]);
        for (name, text) in old {
            assert_eq!(dir.read_text(name), text, "{name} after {args:?}");
        }
    }
    let out = dir.cmd(&["clean", "missing.csv"]).args(&outputs).run();
    assert_error(&out, &["missing.csv"]);
    assert_eq!(dir.read_text("keep/out.csv"), "old clean\n");
    let out = dir.cmd(&["clean", "keep/out.csv", "-o", "keep/out.csv"]).run();
    assert_error(&out, &["keep/out.csv"]);
    assert_eq!(dir.read_text("keep/out.csv"), "old clean\n");
    assert_eq!(dir.list("keep"), ["out.csv", "r.csv", "s.json"]);
}

/// See issue 16: `--threads 100000` started tens of thousands of threads.
#[test]
fn threads_are_bounded() {
    let dir = Dir::new("err_threads");
    dir.create("in.csv", "1\n2\n");
    let out = dir.cmd(&["check", "in.csv", "--threads", "100000"]).run();
    assert_error(&out, &["100000 threads", "at most 256"]);
    let out = dir.cmd(&["check", "in.csv", "--threads", "256", "-q"]).run();
    assert_eq!(out.code(), 0, "{}", out.render());
}
