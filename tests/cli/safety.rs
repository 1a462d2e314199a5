//! What an output may and may not do to the files around it: never delete
//! or replace a file named on the command line except as the output it
//! was named for, never let two names of one file be two outputs, write
//! streams in place, and put the clean file in place before the files
//! that describe it.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::util::{assert_error, assert_quiet_success, Dir, Output, SEGPREP};

/// `segprep ARGS` run by `sh -c SCRIPT`, where the script says `"$0"
/// "$@"` for it, in the test folder, with standard input empty.
fn sh(dir: &Dir, script: &str, args: &[&str]) -> Output {
    let out = Command::new("sh")
        .current_dir(dir.root())
        .args(["-c", script, SEGPREP])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run sh");
    let summarizes = args.first() == Some(&"clean") && !args.contains(&"-q");
    Output { summarizes, ..Output::from(out) }
}

/// The lines `1` to `n`.
fn numbers(n: usize) -> String {
    (1..=n).map(|i| format!("{i}\n")).collect()
}

#[test]
fn split_never_removes_a_file_named_on_the_command_line() {
    let dir = Dir::new("safety_stale_named");
    let input = "u1\nu2\nu3\n";
    dir.create("clean.part-002.csv", input);
    // Named as the input: one part, and the input looks like a stale
    // second one.
    let out = dir
        .cmd(&["clean", "clean.part-002.csv", "-o", "clean.csv"])
        .args(&["--split-values", "1000"])
        .run();
    assert_quiet_success(&out);
    assert_eq!(dir.read_text("clean.part-002.csv"), input);
    assert_eq!(dir.read_text("clean.part-001.csv"), input);

    // The same file as standard input.
    fs::remove_file(dir.path("clean.part-001.csv")).unwrap();
    let stdin = fs::File::open(dir.path("clean.part-002.csv")).unwrap();
    let out = Command::new(SEGPREP)
        .current_dir(dir.root())
        .args(["clean", "-", "-o", "clean.csv", "--split-values", "1000"])
        .stdin(stdin)
        .output()
        .expect("run segprep");
    assert_quiet_success(&Output { summarizes: true, ..Output::from(out) });
    assert_eq!(dir.read_text("clean.part-002.csv"), input);

    // Outputs named like stale parts stay, with what they were written
    // for; a part no one named is still removed.
    dir.create("clean.part-005.csv", "old\n");
    let out = dir
        .cmd(&["clean", "clean.part-002.csv", "-o", "clean.csv"])
        .args(&["--split-values", "1000", "--rejects", "clean.part-007.csv"])
        .args(&["--stats", "./clean.part-009.csv"])
        .run();
    assert_quiet_success(&out);
    assert_eq!(
        dir.list(""),
        [
            "clean.part-001.csv",
            "clean.part-002.csv",
            "clean.part-007.csv",
            "clean.part-009.csv"
        ]
    );
    assert_eq!(dir.read_text("clean.part-007.csv"), "line,rule,detail,raw\n");
    assert_eq!(dir.read_json("clean.part-009.csv")["values_processed"], 3);
}

#[cfg(unix)]
#[test]
fn split_never_removes_the_input_through_a_link() {
    let dir = Dir::new("safety_stale_link");
    dir.create("data.csv", "a\nb\n");
    std::os::unix::fs::symlink("data.csv", dir.path("o.part-004.csv"))
        .unwrap();
    let out = dir
        .cmd(&["clean", "o.part-004.csv", "-o", "o.csv"])
        .args(&["--split-values", "5"])
        .run();
    assert_quiet_success(&out);
    assert_eq!(dir.list(""), ["data.csv", "o.part-001.csv", "o.part-004.csv"]);
}

#[test]
fn two_spellings_of_one_output_are_refused() {
    let dir = Dir::new("safety_spellings");
    dir.create("in.csv", "a\n#\nb\n");
    dir.create("old.csv", "a\nb\n");
    dir.mkdir("sub");
    #[cfg(unix)]
    std::os::unix::fs::symlink("target.csv", dir.path("dangling.csv"))
        .unwrap();
    let before = dir.list("");
    let root = dir.root().display().to_string();
    let absolute = format!("{root}/out.csv");
    let mut cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["diff", "old.csv", "in.csv", "--added", "a.csv"],
            "--removed ./a.csv",
        ),
        (vec!["clean", "in.csv", "-o", "out.csv"], "--rejects ./out.csv"),
        (vec!["clean", "in.csv", "-o", "out.csv"], "--stats ABSOLUTE"),
        (vec!["clean", "in.csv", "-o", "x.csv"], "--stats sub/../x.csv"),
        (
            vec!["clean", "in.csv", "-o", "o.csv", "--split-values", "1"],
            "--stats o.part-001.csv",
        ),
        (
            vec!["clean", "in.csv", "-o", "o.csv", "--split-values", "1"],
            "--rejects ./o.part-002.csv",
        ),
    ];
    #[cfg(unix)]
    cases.push((
        vec!["clean", "in.csv", "-o", "target.csv"],
        "--stats dangling.csv",
    ));
    for (args, extra) in cases {
        let (flag, path) = extra.split_once(' ').unwrap();
        let path = if path == "ABSOLUTE" { &absolute } else { path };
        let out = dir.cmd(&args).args(&[flag, path]).run();
        let needle = match path.contains("part") {
            true => "part",
            false => "named as two outputs",
        };
        assert_error(&out, &[needle]);
        assert_eq!(dir.list(""), before, "{args:?} {flag} {path}");
    }
}

#[cfg(unix)]
#[test]
fn streams_named_by_path_are_written_in_place() {
    let dir = Dir::new("safety_streams");
    dir.create("in.csv", "a\n#\nb\n");
    let stats = dir
        .cmd(&["clean", "in.csv", "-o", "o.csv", "--stats", "-"])
        .run()
        .stdout_text();
    let clean = dir.cmd(&["clean", "in.csv", "-o", "-"]).run().stdout_text();
    assert!(stats.contains("values_processed"), "{stats}");

    // Standard error appending to a log, named as /dev/stderr or by the
    // log's own name: the statistics join the log.
    for name in ["/dev/stderr", "job.log"] {
        let out = sh(
            &dir,
            "exec 2>>job.log; echo starting >&2; \"$0\" \"$@\"; \
             echo done >&2",
            &["clean", "in.csv", "-o", "o.csv", "--stats", name, "-q"],
        );
        assert_eq!(out.code(), 0, "{name}\n{}", out.render());
        let log = dir.read_text("job.log");
        assert_eq!(log, format!("starting\n{stats}done\n"), "{name}");
        fs::remove_file(dir.path("job.log")).unwrap();
    }

    // Standard output, and another descriptor, appending to a file.
    let cases = [
        ("exec \"$0\" \"$@\" >>s.log", "/dev/stdout"),
        ("exec \"$0\" \"$@\" 3>>s.log", "/dev/fd/3"),
        ("exec \"$0\" \"$@\" 3>>s.log", "/proc/self/fd/3"),
    ];
    for (script, name) in cases {
        if name.starts_with("/proc") && !Path::new("/proc/self/fd").exists() {
            continue;
        }
        dir.create("s.log", "head\n");
        let out = sh(&dir, script, &["clean", "in.csv", "-o", name]);
        assert_eq!(out.code(), 0, "{name}\n{}", out.render());
        assert_eq!(dir.read_text("s.log"), format!("head\n{clean}"), "{name}");
    }

    // A descriptor that is not open.
    let out = dir.cmd(&["clean", "in.csv", "-o", "/dev/fd/9"]).run();
    assert_error(&out, &["/dev/fd/9", "Bad file descriptor"]);

    // Standard output named twice.
    let out = dir
        .cmd(&["clean", "in.csv", "-o", "-", "--stats", "/dev/stdout"])
        .run();
    assert_error(&out, &["would both write standard output"]);
}

#[cfg(unix)]
#[test]
fn a_clean_file_that_cannot_be_renamed_leaves_no_description() {
    // The rejects file is a FIFO: segprep waits for its reader after it
    // has made the clean file's temporary file. Meanwhile a folder takes
    // the clean file's name, so that its rename fails.
    let dir = Dir::new("safety_commit_order");
    dir.create("in.csv", "a\n#\nb\n");
    let status = Command::new("mkfifo")
        .arg(dir.path("r.fifo"))
        .status()
        .expect("run mkfifo");
    assert!(status.success());
    let child = Command::new(SEGPREP)
        .current_dir(dir.root())
        .args(["clean", "in.csv", "-o", "out.csv", "--rejects", "r.fifo"])
        .args(["--stats", "s.json"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start segprep");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !dir.list("").iter().any(|n| n.ends_with(".tmp")) {
        assert!(Instant::now() < deadline, "no temporary file appeared");
        thread::sleep(Duration::from_millis(5));
    }
    dir.mkdir("out.csv");
    let rejects = fs::read(dir.path("r.fifo")).expect("read the FIFO");
    let out = Output::from(child.wait_with_output().expect("wait"));
    assert_error(&out, &["out.csv"]);
    assert!(rejects.starts_with(b"line,rule,detail,raw\n"));
    assert_eq!(dir.list(""), ["in.csv", "out.csv", "r.fifo"]);
    assert_eq!(dir.list("out.csv"), Vec::<String>::new());
}

#[test]
fn every_output_is_opened_before_standard_output_is_written() {
    let dir = Dir::new("safety_open_first");
    dir.create("old.csv", "a\nb\n");
    dir.create("new.csv", "b\nc\n");
    let out = dir
        .cmd(&["diff", "old.csv", "new.csv", "--added", "-"])
        .args(&["--removed", "nodir/r.csv"])
        .run();
    assert_error(&out, &["nodir/r.csv"]);
    let out = dir
        .cmd(&["diff", "old.csv", "new.csv", "--stats", "-"])
        .args(&["--removed", "r.csv", "--added", "nodir/a.csv"])
        .run();
    assert_error(&out, &["nodir/a.csv"]);
    assert_eq!(dir.list(""), ["new.csv", "old.csv"]);
}

#[cfg(target_os = "linux")]
#[test]
fn standard_output_closed_at_start_is_an_error() {
    let dir = Dir::new("safety_closed_stdout");
    dir.create("in.csv", "a\nb\n");
    dir.create("old.csv", "a\n");
    let closed = "exec \"$0\" \"$@\" >&-";
    let cases: &[&[&str]] = &[
        &["clean", "in.csv", "-o", "-"],
        &["clean", "in.csv", "-o", "out.csv", "--stats", "-"],
        &["clean", "in.csv", "-o", "/dev/stdout"],
        &["diff", "old.csv", "in.csv", "--added", "-", "--removed", "r.csv"],
        &["completions", "bash"],
        &["--version"],
    ];
    for args in cases {
        let out = sh(&dir, closed, args);
        assert_error(&out, &["Bad file descriptor"]);
        assert_eq!(dir.list(""), ["in.csv", "old.csv"], "{args:?}");
    }
    // An explicit /dev/null is not a closed standard output.
    let out = sh(&dir, "exec \"$0\" \"$@\" >/dev/null", cases[0]);
    assert_quiet_success(&out);
}

#[cfg(target_os = "linux")]
#[test]
fn write_errors_on_standard_output_are_errors() {
    let dir = Dir::new("safety_dev_full");
    let cases: &[&[&str]] = &[
        &["completions", "bash"],
        &["completions", "zsh"],
        &["--help"],
        &["--version"],
        &["clean", "--help"],
    ];
    for args in cases {
        let out = sh(&dir, "exec \"$0\" \"$@\" >/dev/full", args);
        assert_error(&out, &["standard output", "No space left on device"]);
    }
    // Standard error full as well: the status still tells.
    let out = sh(&dir, "exec \"$0\" \"$@\" >/dev/full 2>&1", &["--help"]);
    assert_eq!(out.code(), 2, "{}", out.render());
}

#[cfg(unix)]
#[test]
fn more_parts_than_open_files() {
    let dir = Dir::new("safety_many_parts");
    dir.create("in.csv", numbers(3000));
    for sort in [&[][..], &["--sort"][..]] {
        let whole = dir.cmd(&["clean", "in.csv", "-o", "-"]).args(sort).run();
        assert_eq!(whole.code(), 0, "{}", whole.render());
        let args = [&["clean", "in.csv", "-o", "p.csv"][..], sort].concat();
        let out = sh(
            &dir,
            "ulimit -n 64 && exec \"$0\" \"$@\" --split-values 2",
            &args,
        );
        assert_quiet_success(&out);
        let mut joined = Vec::new();
        for n in 1..=1500 {
            joined.extend(dir.read(&format!("p.part-{n:03}.csv")));
        }
        assert_eq!(joined, whole.stdout, "{sort:?}");
        assert_eq!(dir.list("").len(), 1501, "{sort:?}");
    }
}

#[cfg(unix)]
#[test]
fn part_names_keep_the_bytes_of_a_name_that_is_not_utf8() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;

    let dir = Dir::new("safety_non_utf8");
    dir.create("in.csv", "a\nb\n");
    let out = dir
        .cmd(&[OsStr::new("clean"), OsStr::new("in.csv"), OsStr::new("-o")])
        .args(&[OsStr::from_bytes(b"n\xff.csv")])
        .args(&["--split-values", "1"])
        .run();
    assert_quiet_success(&out);
    let mut names: Vec<Vec<u8>> = fs::read_dir(dir.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().as_bytes().to_vec())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [&b"in.csv"[..], b"n\xff.part-001.csv", b"n\xff.part-002.csv"]
    );
}

#[test]
fn an_output_name_near_the_length_limit() {
    let dir = Dir::new("safety_long_name");
    dir.create("in.csv", "a\nb\n");
    // 255 bytes, the usual limit for one name.
    let name = format!("{}.csv", "n".repeat(251));
    let out = dir.cmd(&["clean", "in.csv", "-o", &name]).run();
    assert_quiet_success(&out);
    assert_eq!(dir.read_text(&name), "a\nb\n");
    // Its parts' names are longer still: refused before anything is
    // written.
    fs::remove_file(dir.path(&name)).unwrap();
    let out = dir
        .cmd(&["clean", "in.csv", "-o", &name, "--split-values", "1"])
        .args(&["--stats", "s.json"])
        .run();
    assert_error(&out, &["part-001"]);
    assert_eq!(dir.list(""), ["in.csv"]);
}

#[cfg(unix)]
#[test]
fn several_outputs_may_be_dev_null() {
    let dir = Dir::new("safety_dev_null");
    dir.create("in.csv", "a\n#\n");
    let out = dir
        .cmd(&["clean", "in.csv", "-o", "/dev/null"])
        .args(&["--rejects", "/dev/null", "--stats", "/dev/null"])
        .run();
    assert_quiet_success(&out);
    let out = dir
        .cmd(&["diff", "in.csv", "in.csv", "--added", "/dev/null"])
        .args(&["--removed", "/dev/null"])
        .run();
    assert_quiet_success(&out);
    assert_eq!(dir.list(""), ["in.csv"]);
}

#[cfg(unix)]
#[test]
fn a_replaced_output_keeps_its_permission_bits() {
    use std::os::unix::fs::PermissionsExt;

    let dir = Dir::new("safety_permissions");
    dir.create("in.csv", "a\n");
    // Bits no umask gives a new file.
    for name in ["out.csv", "r.csv"] {
        dir.create(name, "old\n");
        let mode = fs::Permissions::from_mode(0o604);
        fs::set_permissions(dir.path(name), mode).unwrap();
    }
    let out = dir
        .cmd(&["clean", "in.csv", "-o", "out.csv", "--rejects", "r.csv"])
        .run();
    assert_quiet_success(&out);
    for name in ["out.csv", "r.csv"] {
        let mode = fs::metadata(dir.path(name)).unwrap().permissions().mode();
        assert_eq!(mode & 0o7777, 0o604, "{name}");
    }
    assert_eq!(dir.read_text("out.csv"), "a\n");
}
