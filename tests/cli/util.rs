//! The harness: a fresh folder per test, the `segprep` binary run in it,
//! and its outcome rendered as one text block.

use std::ffi::OsStr;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

/// The binary under test.
pub const SEGPREP: &str = env!("CARGO_BIN_EXE_segprep");

/// Compares an expected text block with the text a test got; on a
/// mismatch, prints both fenced (ripgrep's `eqnice!`). A leading newline
/// in the expected block is ignored, so the block can start on its own
/// line.
macro_rules! eqnice {
    ($expected:expr, $got:expr $(,)?) => {
        eqnice!($expected, $got, "")
    };
    ($expected:expr, $got:expr, $($context:tt)+) => {{
        let expected: &str = &$expected;
        let expected = expected.strip_prefix('\n').unwrap_or(expected);
        let got: &str = &$got;
        if expected != got {
            let fence = "~".repeat(60);
            panic!(
                "{}\n\nexpected:\n{fence}\n{expected}{fence}\n\ngot:\n\
                 {fence}\n{got}{fence}\n",
                format_args!($($context)+),
            );
        }
    }};
}

/// Compares two JSON values; on a mismatch, prints both pretty and fenced.
macro_rules! eqjson {
    ($expected:expr, $got:expr $(,)?) => {{
        let expected: &serde_json::Value = &$expected;
        let got: &serde_json::Value = &$got;
        if expected != got {
            let fence = "~".repeat(60);
            let pretty = |v| serde_json::to_string_pretty(v).unwrap();
            panic!(
                "\n\nexpected JSON:\n{fence}\n{}\n{fence}\n\ngot JSON:\n\
                 {fence}\n{}\n{fence}\n",
                pretty(expected),
                pretty(got),
            );
        }
    }};
}

pub(crate) use {eqjson, eqnice};

static NEXT_ID: AtomicUsize = AtomicUsize::new(0);

/// A folder of its own for one test, created fresh under cargo's
/// temporary folder for integration tests.
#[derive(Debug)]
pub struct Dir {
    root: PathBuf,
}

impl Dir {
    /// Makes an empty folder named after the test.
    pub fn new(name: &str) -> Dir {
        let id = NEXT_ID.fetch_add(1, Ordering::SeqCst);
        let root = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("cli")
            .join(format!("{name}-{id}"));
        if root.exists() {
            fs::remove_dir_all(&root).expect("remove an old test folder");
        }
        fs::create_dir_all(&root).expect("create the test folder");
        Dir { root }
    }

    /// The folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// A path inside the folder.
    pub fn path(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    /// Writes `bytes` to `name`, exactly.
    pub fn create(&self, name: &str, bytes: impl AsRef<[u8]>) {
        let path = self.path(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("create a folder");
        }
        fs::write(&path, bytes).expect("write an input file");
    }

    /// Makes a folder inside the test folder.
    pub fn mkdir(&self, name: &str) {
        fs::create_dir_all(self.path(name)).expect("create a folder");
    }

    /// The bytes of `name`; panics when it does not exist.
    pub fn read(&self, name: &str) -> Vec<u8> {
        fs::read(self.path(name))
            .unwrap_or_else(|e| panic!("reading {name}: {e}"))
    }

    /// The text of `name`, invalid UTF-8 replaced.
    pub fn read_text(&self, name: &str) -> String {
        String::from_utf8_lossy(&self.read(name)).into_owned()
    }

    /// `name` parsed as JSON.
    pub fn read_json(&self, name: &str) -> Value {
        let bytes = self.read(name);
        serde_json::from_slice(&bytes).unwrap_or_else(|e| {
            panic!(
                "{name} is not JSON: {e}\n{}",
                String::from_utf8_lossy(&bytes)
            )
        })
    }

    /// Whether `name` exists (a dangling link counts).
    pub fn exists(&self, name: &str) -> bool {
        fs::symlink_metadata(self.path(name)).is_ok()
    }

    /// The names in `folder` (relative to the test folder; `""` for the
    /// test folder itself), hidden ones included, sorted.
    pub fn list(&self, folder: &str) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(self.path(folder))
            .expect("list a folder")
            .map(|e| e.expect("a folder entry").file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// A `segprep` command that runs in the test folder.
    pub fn cmd<S: AsRef<OsStr>>(&self, args: &[S]) -> Cmd {
        let mut cmd = Command::new(SEGPREP);
        cmd.current_dir(&self.root).args(args);
        Cmd { cmd, stdin: None }
    }
}

/// A command and the bytes of its standard input.
#[derive(Debug)]
pub struct Cmd {
    cmd: Command,
    stdin: Option<Vec<u8>>,
}

impl Cmd {
    /// Adds arguments.
    pub fn args<S: AsRef<OsStr>>(&mut self, args: &[S]) -> &mut Cmd {
        self.cmd.args(args);
        self
    }

    /// Feeds `bytes` to standard input (otherwise it is empty).
    pub fn stdin(&mut self, bytes: impl AsRef<[u8]>) -> &mut Cmd {
        self.stdin = Some(bytes.as_ref().to_vec());
        self
    }

    /// Runs the command to its end.
    pub fn run(&mut self) -> Output {
        self.cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = self.cmd.spawn().expect("start segprep");
        let mut pipe = child.stdin.take().expect("piped stdin");
        let bytes = self.stdin.take().unwrap_or_default();
        // A thread, so that a child that writes before it reads all of
        // its input cannot deadlock with us.
        let feeder = std::thread::spawn(move || {
            // segprep may exit without reading (a bad argument).
            let _ = pipe.write_all(&bytes);
        });
        let out = child.wait_with_output().expect("wait for segprep");
        feeder.join().expect("the stdin thread");
        let args: Vec<_> = self.cmd.get_args().collect();
        let summarizes = args.first().is_some_and(|a| *a == "clean")
            && !args.iter().any(|a| *a == "-q" || *a == "--quiet");
        Output { summarizes, ..Output::from(out) }
    }
}

/// What a run of `segprep` did.
#[derive(Debug)]
pub struct Output {
    pub status: std::process::ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// A `clean` run without `-q`: it ends with its summary line on
    /// standard error.
    pub summarizes: bool,
}

impl From<std::process::Output> for Output {
    fn from(out: std::process::Output) -> Output {
        Output {
            status: out.status,
            stdout: out.stdout,
            stderr: out.stderr,
            summarizes: false,
        }
    }
}

/// Renders a stream for a text block: lossy UTF-8, and a marker when
/// the last line has no terminator.
fn stream(bytes: &[u8]) -> String {
    let mut text = String::from_utf8_lossy(bytes).into_owned();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push_str("[no newline at end]\n");
    }
    text
}

impl Output {
    /// The exit code; panics on a signal.
    pub fn code(&self) -> i32 {
        self.status
            .code()
            .unwrap_or_else(|| panic!("segprep died: {}", self.status))
    }

    /// Exit code, standard output and standard error as one block.
    pub fn render(&self) -> String {
        let code = match self.status.code() {
            Some(code) => code.to_string(),
            None => self.status.to_string(),
        };
        format!(
            "exit_code: {code}\n--- stdout\n{}--- stderr\n{}",
            stream(&self.stdout),
            stream(&self.stderr),
        )
    }

    /// `render` without the summary line `clean` ends with, which it
    /// asserts is there: for tests about everything else.
    #[track_caller]
    pub fn render_without_summary(&self) -> String {
        let render = self.render();
        let line = render
            .lines()
            .last()
            .filter(|l| {
                l.starts_with("segprep: ") && l.contains(" written to ")
            })
            .unwrap_or_else(|| panic!("no summary line:\n{render}"));
        render[..render.len() - line.len() - 1].to_string()
    }

    /// Standard output as text.
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Standard error as text.
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// Standard output parsed as one JSON document.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.stdout).unwrap_or_else(|e| {
            panic!("stdout is not JSON: {e}\n{}", self.render())
        })
    }
}

/// Runs `check FILE --format json ARGS`, asserts its exit code and an
/// empty standard error, and returns the report.
#[track_caller]
pub fn check_json(dir: &Dir, file: &str, args: &[&str], code: i32) -> Value {
    let out = dir.cmd(&["check", file, "--format", "json"]).args(args).run();
    assert_eq!(out.code(), code, "{}", out.render());
    assert!(out.stderr.is_empty(), "{}", out.render());
    out.json()
}

/// Asserts a run that exited 0 and wrote nothing to either stream but,
/// for `clean`, its one summary line on standard error.
#[track_caller]
pub fn assert_quiet_success(out: &Output) {
    if out.summarizes {
        let stderr = out.stderr_text();
        assert!(
            stderr.starts_with("segprep: ")
                && stderr.contains(" written to ")
                && stderr.lines().count() == 1
                && stderr.ends_with(")\n"),
            "one summary line on stderr:\n{}",
            out.render()
        );
        eqnice!("exit_code: 0\n--- stdout\n", {
            let render = out.render();
            render[..render.find("--- stderr").unwrap()].to_string()
        });
        return;
    }
    eqnice!("exit_code: 0\n--- stdout\n--- stderr\n", out.render());
}

/// Asserts a fatal error: exit 2, nothing on standard output, and one
/// line `segprep: ...` on standard error that contains every needle.
pub fn assert_error(out: &Output, needles: &[&str]) {
    let stderr = out.stderr_text();
    let ok = out.status.code() == Some(2)
        && out.stdout.is_empty()
        && stderr.starts_with("segprep: ")
        && stderr.ends_with('\n')
        && stderr.lines().count() == 1
        && needles.iter().all(|n| stderr.contains(n))
        && !stderr.contains("panicked");
    assert!(
        ok,
        "expected exit 2 and one line `segprep: ...` naming {needles:?} \
         on stderr, got:\n{}",
        out.render()
    );
}

/// Asserts the counting identity of a statistics object:
/// `values_found = values_processed + duplicates + sum(rejected) +
/// header`.
pub fn assert_balanced(stats: &Value) {
    let n = |key: &str| {
        stats[key].as_u64().unwrap_or_else(|| panic!("{key} in {stats}"))
    };
    let rejected: u64 = stats["rejected"]
        .as_object()
        .expect("rejected is an object")
        .values()
        .map(|v| v.as_u64().expect("a count"))
        .sum();
    let header = u64::from(!stats["header"].is_null());
    assert_eq!(
        n("values_found"),
        n("values_processed") + n("duplicates") + rejected + header,
        "the counting identity does not hold:\n{stats:#}"
    );
}

/// The `"options"` the JSON documents echo for a run with no option
/// given.
pub fn default_options() -> Value {
    serde_json::json!({
        "id_type": "string", "attribute_type": "string", "case": "keep",
        "header": "auto", "attribute_name": null, "column": null,
        "delimiter": ",", "default_region": null, "allow_chars": "",
        "deny_chars": "", "ascii_only": false, "max_value_len": 256,
        "max_bytes": 150_000_000, "max_input_bytes": 1_500_000_000u64,
        "encoding": "auto",
    })
}
