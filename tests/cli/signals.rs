//! Interrupted runs and inputs changed while read: temporary files
//! removed, the documented status and one line on standard error.
//!
//! A run is paused at a known point without timing: its clean file goes
//! to a standard output pipe that the test does not read, so segprep
//! blocks once the pipe is full, with its other outputs already in
//! temporary files.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use crate::util::{eqnice, Dir, SEGPREP};

/// `n` distinct identifiers, one a line.
fn ids(n: usize) -> String {
    (0..n).map(|i| format!("user{i:09}\n")).collect()
}

/// segprep's temporary files in the test folder.
fn temps(dir: &Dir) -> Vec<String> {
    let mut names = dir.list("");
    names.retain(|name| name.starts_with(".segprep-"));
    names
}

/// Starts segprep with `args` and standard output piped and unread, and
/// waits until `count` temporary files exist.
fn start_blocked(dir: &Dir, args: &[&str], count: usize) -> Child {
    let child = Command::new(SEGPREP)
        .current_dir(dir.root())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start segprep");
    let start = Instant::now();
    while temps(dir).len() < count {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "segprep never created its temporary files"
        );
        sleep(Duration::from_millis(10));
    }
    child
}

/// `clean big.csv -o -` with a rejects file and statistics, paused.
fn start_clean(dir: &Dir, extra: &[&str]) -> Child {
    // Far more than a pipe and segprep's buffer hold.
    dir.create("big.csv", ids(300_000));
    let mut args = vec![
        "clean",
        "big.csv",
        "-o",
        "-",
        "--rejects",
        "rejects.csv",
        "--stats",
        "stats.json",
    ];
    args.extend(extra);
    start_blocked(dir, &args, 2)
}

/// Sends `signal` to the child by its process id.
fn send(child: &Child, signal: &str) {
    let sent = Command::new("kill")
        .args([format!("-{signal}"), child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(sent.success());
}

/// Reads standard output to its end, then waits: the status and standard
/// error.
fn finish(mut child: Child) -> (ExitStatus, String) {
    let mut stdout = child.stdout.take().expect("piped");
    io::copy(&mut stdout, &mut io::sink()).expect("read standard output");
    let out = child.wait_with_output().expect("wait for segprep");
    (out.status, String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Nothing of the run is left in the folder but its input.
fn assert_nothing_written(dir: &Dir) {
    assert_eq!(temps(dir), Vec::<String>::new());
    assert!(!dir.exists("rejects.csv"));
    assert!(!dir.exists("stats.json"));
}

fn interrupted(signal: &str, code: i32) {
    let dir = Dir::new(&format!("signals-{signal}"));
    let child = start_clean(&dir, &[]);
    send(&child, signal);
    let (status, stderr) = finish(child);
    assert_eq!(status.code(), Some(code), "{stderr}");
    eqnice!(
        format!(
            "segprep: interrupted ({signal}); removed 2 temporary files, \
             nothing written except to standard output, which may be \
             incomplete\n"
        ),
        stderr
    );
    assert_nothing_written(&dir);
}

#[test]
fn sigint_removes_temporary_files_and_exits_130() {
    interrupted("SIGINT", 130);
}

#[test]
fn sigterm_removes_temporary_files_and_exits_143() {
    interrupted("SIGTERM", 143);
}

fn truncate(path: &Path) {
    let file = OpenOptions::new().write(true).open(path).expect("open");
    file.set_len(0).expect("truncate");
}

/// The rest of the clean file lies in pages of the map past the new end
/// of the input: reading them raises SIGBUS.
#[test]
fn sigbus_from_a_truncated_input_exits_2() {
    let dir = Dir::new("signals-sigbus");
    let child = start_clean(&dir, &[]);
    truncate(&dir.path("big.csv"));
    let (status, stderr) = finish(child);
    assert_eq!(status.code(), Some(2), "{status:?} {stderr}");
    eqnice!(
        "segprep: big.csv changed while it was read; run again, or use \
         --no-mmap\n",
        stderr
    );
    assert_nothing_written(&dir);
}

/// Truncated while the worker threads read the map, at a few moments:
/// whenever it lands, the run exits 0 or 2, never by the signal, and
/// leaves no temporary file.
#[test]
fn truncated_while_processed_never_dies_of_sigbus() {
    let dir = Dir::new("signals-sigbus-race");
    let mut caught = 0;
    for delay in [10, 30, 100, 300] {
        dir.create("big.csv", ids(2_000_000));
        let mut child = Command::new(SEGPREP)
            .current_dir(dir.root())
            .args(["clean", "big.csv", "-o", "out.csv"])
            .args(["--rejects", "rejects.csv", "-q"])
            .stderr(Stdio::piped())
            .spawn()
            .expect("start segprep");
        sleep(Duration::from_millis(delay));
        truncate(&dir.path("big.csv"));
        let status = child.wait().expect("wait");
        assert!(
            matches!(status.code(), Some(0 | 2)),
            "after {delay} ms: {status:?}"
        );
        assert_eq!(temps(&dir), Vec::<String>::new(), "after {delay} ms");
        caught += usize::from(status.code() == Some(2));
        let _ = fs::remove_file(dir.path("out.csv"));
        let _ = fs::remove_file(dir.path("rejects.csv"));
    }
    fs::remove_file(dir.path("big.csv")).expect("remove the input");
    // The input takes the debug build over a second: some truncation
    // lands while it is read.
    assert!(caught > 0, "every run finished before its truncation");
}

/// Overwrites the first bytes of `path` in place: its size stays, its
/// modification time moves.
fn rewrite_in_place(path: &Path) {
    let mut file = OpenOptions::new().write(true).open(path).expect("open");
    file.write_all(b"junk\n").expect("write");
}

const CHANGED: &str = "changed while it was read (its size or \
                       modification time differs from the start); nothing \
                       written, run again\n";

#[test]
fn clean_refuses_an_input_rewritten_while_read() {
    let dir = Dir::new("signals-rewritten");
    let child = start_clean(&dir, &[]);
    rewrite_in_place(&dir.path("big.csv"));
    let (status, stderr) = finish(child);
    assert_eq!(status.code(), Some(2), "{stderr}");
    eqnice!(format!("segprep: big.csv: {CHANGED}"), stderr);
    assert_nothing_written(&dir);
}

/// Read into memory, the input can be truncated without a signal; the
/// change is still seen.
#[test]
fn clean_refuses_an_input_truncated_while_read_without_mmap() {
    let dir = Dir::new("signals-truncated-no-mmap");
    let child = start_clean(&dir, &["--no-mmap"]);
    truncate(&dir.path("big.csv"));
    let (status, stderr) = finish(child);
    assert_eq!(status.code(), Some(2), "{stderr}");
    eqnice!(format!("segprep: big.csv: {CHANGED}"), stderr);
    assert_nothing_written(&dir);
}

#[test]
fn diff_refuses_an_input_rewritten_while_read() {
    let dir = Dir::new("signals-diff-rewritten");
    dir.create("old.csv", "someone\n");
    dir.create("new.csv", ids(300_000));
    let args = [
        "diff",
        "old.csv",
        "new.csv",
        "--added",
        "-",
        "--removed",
        "removed.csv",
    ];
    let child = start_blocked(&dir, &args, 1);
    rewrite_in_place(&dir.path("new.csv"));
    let (status, stderr) = finish(child);
    assert_eq!(status.code(), Some(2), "{stderr}");
    eqnice!(format!("segprep: new.csv: {CHANGED}"), stderr);
    assert_eq!(temps(&dir), Vec::<String>::new());
    assert!(!dir.exists("removed.csv"));
}

/// A temporary file whose process is gone is removed by the next run
/// writing into its folder; one of a live process, and other names, stay.
#[cfg(target_os = "linux")]
#[test]
fn stale_temporary_files_are_removed() {
    let dir = Dir::new("signals-stale");
    // No process has the number pid_max (a recent one's number could be
    // taken again by a thread of a test running alongside).
    let pid_max =
        fs::read_to_string("/proc/sys/kernel/pid_max").expect("read pid_max");
    let dead = format!(".segprep-{}-0.tmp", pid_max.trim());
    let live = format!(".segprep-{}-0.tmp", std::process::id());
    let other = ".segprep-x-0.tmp";
    for name in [dead.as_str(), live.as_str(), other] {
        dir.create(name, "partial");
    }
    dir.create("in.csv", "a\nb\n");
    let out = dir.cmd(&["clean", "in.csv", "-o", "out.csv"]).run();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(dir.read_text("out.csv"), "a\nb\n");
    assert!(!dir.exists(&dead), "{dead} stayed");
    assert!(dir.exists(&live) && dir.exists(other));
}

/// fsync itself cannot be seen from here; the flag is taken and the
/// files are the same as without it.
#[test]
fn fsync_writes_the_same_files() {
    let dir = Dir::new("signals-fsync");
    dir.create("in.csv", "b\na\nb\nc d\n");
    dir.create("old.csv", "a\nz\n");
    for (flag, suffix) in [(None, "plain"), (Some("--fsync"), "synced")] {
        let clean = format!("clean-{suffix}.csv");
        let rejects = format!("rejects-{suffix}.csv");
        let mut cmd = dir.cmd(&["clean", "in.csv", "-o", &clean]);
        cmd.args(&["--rejects", &rejects]).args(&Vec::from_iter(flag));
        assert_eq!(cmd.run().status.code(), Some(0));
        let added = format!("added-{suffix}.csv");
        let mut cmd = dir.cmd(&["diff", "old.csv", "in.csv", "--added"]);
        cmd.args(&[added.as_str()]).args(&Vec::from_iter(flag));
        assert_eq!(cmd.run().status.code(), Some(0));
    }
    for name in ["clean", "rejects", "added"] {
        let plain = dir.read_text(&format!("{name}-plain.csv"));
        assert_eq!(plain, dir.read_text(&format!("{name}-synced.csv")));
        assert!(!plain.is_empty(), "{name}");
    }
    assert_eq!(temps(&dir), Vec::<String>::new());
}
