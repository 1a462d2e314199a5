//! Limits that no run can meet: inputs larger than memory, a
//! `--max-bytes` no part can fit under.

use crate::util::Dir;

/// The split `check` advises for a too-large file must work; when no
/// part can hold the longest value (`--max-bytes 0`, or a value longer
/// than the limit) it advises none.
#[test]
fn check_advises_only_a_split_that_works() {
    let dir = Dir::new("limits_split_advice");
    dir.create("in.csv", "abcdefghij\nk\nlm\n");
    // The longest value takes 11 bytes with its LF.
    for limit in ["0", "10"] {
        let out = dir.cmd(&["check", "in.csv", "--max-bytes", limit]).run();
        assert_eq!(out.code(), 1, "{}", out.render());
        let text = out.stdout_text();
        assert!(!text.contains("--split-bytes"), "{limit}: {text}");
        assert!(
            text.contains("its longest value takes 11 bytes with its LF"),
            "{limit}: {text}"
        );
        let next = format!(
            "no file of at most --max-bytes {limit} can hold its longest \
             value (11 bytes)"
        );
        assert!(text.contains(&next), "{limit}: {text}");
        // Splitting at that size fails, as the advice no longer says.
        let out = dir
            .cmd(&["clean", "in.csv", "-o", "c.csv", "--split-bytes", limit])
            .run();
        assert_eq!(out.code(), 2, "{}", out.render());
    }
    // At 11 bytes a part holds it: the split is advised, and it works.
    let out = dir.cmd(&["check", "in.csv", "--max-bytes", "11"]).run();
    assert_eq!(out.code(), 1, "{}", out.render());
    let text = out.stdout_text();
    assert!(text.contains("clean --split-bytes 11 writes it"), "{text}");
    let out = dir
        .cmd(&["clean", "in.csv", "-o", "c.csv", "--split-bytes", "11"])
        .run();
    assert_eq!(out.code(), 0, "{}", out.render());
    assert_eq!(dir.read_text("c.part-001.csv"), "abcdefghij\n");
}

/// The memory Linux says a process could get: `MemAvailable` plus
/// `SwapFree`, in bytes.
#[cfg(target_os = "linux")]
fn available_memory() -> u64 {
    let text = std::fs::read_to_string("/proc/meminfo").expect("meminfo");
    let field = |name: &str| -> u64 {
        let line = text.lines().find(|l| l.starts_with(name)).expect(name);
        let kib = line[name.len()..].trim().trim_end_matches("kB").trim();
        kib.parse::<u64>().expect("a number of KiB") * 1024
    };
    field("MemAvailable:") + field("SwapFree:")
}

/// A sparse file of `bytes` NULs: no disk used, read as fast as memory.
#[cfg(target_os = "linux")]
fn sparse(dir: &Dir, name: &str, bytes: u64) {
    let file = std::fs::File::create(dir.path(name)).expect("create");
    file.set_len(bytes).expect("size a sparse file");
}

/// `--no-mmap` on a file larger than the machine's memory: refused
/// before reading it, naming the file, both sizes and the fix.
#[cfg(target_os = "linux")]
#[test]
fn a_file_larger_than_memory_is_refused_before_it_is_read() {
    let dir = Dir::new("limits_file_over_memory");
    let size = 2 * available_memory() + (1 << 30);
    sparse(&dir, "big.csv", size);
    let out = dir
        .cmd(&["clean", "big.csv", "--no-mmap", "--max-input-bytes", "0"])
        .args(&["-o", "out.csv", "--stats", "stats.json"])
        .run();
    assert_eq!(out.code(), 2, "{}", out.render());
    let err = out.stderr_text();
    let needles = [
        "segprep: big.csv: larger than memory: the file is",
        &format!("{size} bytes"),
        "of memory available (free RAM and swap); nothing written",
        "drop --no-mmap, so that the file is mapped",
    ];
    for needle in needles {
        assert!(err.contains(needle), "{needle:?} in {err}");
    }
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(dir.list(""), ["big.csv"]);
}

/// Runs `segprep ARGS` through `sh -c SCRIPT` with an address-space
/// limit of 256 MiB: `ulimit -v`, as a user would.
#[cfg(target_os = "linux")]
fn limited(dir: &Dir, script: &str, args: &[&str]) -> crate::util::Output {
    let script = format!("ulimit -v 262144 || exit 99; {script}");
    let out = std::process::Command::new("sh")
        .current_dir(dir.root())
        .arg("-c")
        .arg(script)
        .arg(crate::util::SEGPREP)
        .args(args)
        .output()
        .expect("run sh");
    crate::util::Output::from(out)
}

/// `--no-mmap`, and a pipe, larger than the memory the process may have:
/// exit 2 and a message, never an abort; nothing written.
#[cfg(target_os = "linux")]
#[test]
fn inputs_past_the_memory_limit_exit_2_with_the_fix() {
    let dir = Dir::new("limits_over_ulimit");
    let size: u64 = 512 << 20;
    sparse(&dir, "big.csv", size);
    let run = r#"exec "$0" "$@""#;
    let args = ["clean", "big.csv", "--no-mmap", "-o", "out.csv"];
    let out = limited(&dir, run, &args);
    assert_eq!(out.code(), 2, "{}", out.render());
    let err = out.stderr_text();
    let needles = [
        "segprep: big.csv: larger than memory: no room for the file's",
        &format!("{size} bytes"),
        "drop --no-mmap",
    ];
    for needle in needles {
        assert!(err.contains(needle), "{needle:?} in {err}");
    }
    assert_eq!(dir.list(""), ["big.csv"]);

    // A pipe: no size ahead; the buffer stops growing at the limit.
    let pipe = r#"cat big.csv | "$0" "$@""#;
    let out = limited(&dir, pipe, &["clean", "-", "-o", "out.csv"]);
    assert_eq!(out.code(), 2, "{}", out.render());
    let err = out.stderr_text();
    let needles = [
        "segprep: standard input is larger than memory: no room for more \
         than",
        "save it to a file first and name the file",
    ];
    for needle in needles {
        assert!(err.contains(needle), "{needle:?} in {err}");
    }
    assert_eq!(dir.list(""), ["big.csv"]);
}
