//! Help that reads well: per-operation help for `request`. See: issue
//! 15.

use std::process::{Command, Stdio};

use crate::util::{Output, SEGPREP};

/// Runs `segprep ARGS` with standard streams that are not terminals and
/// COLUMNS as given (unset: `None`).
fn run_with_columns(args: &[&str], columns: Option<&str>) -> Output {
    let mut cmd = Command::new(SEGPREP);
    cmd.args(args)
        .env_remove("COLUMNS")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(columns) = columns {
        cmd.env("COLUMNS", columns);
    }
    Output::from(cmd.output().expect("start segprep"))
}

/// The help `segprep ARGS` prints (ARGS end with `-h` or `--help`).
#[track_caller]
fn help_at(args: &[&str], columns: Option<&str>) -> String {
    let out = run_with_columns(args, columns);
    assert_eq!(out.code(), 0, "{args:?}\n{}", out.render());
    assert!(out.stderr.is_empty(), "{args:?}\n{}", out.render());
    out.stdout_text()
}

#[track_caller]
fn help(path: &[&str], flag: &str) -> String {
    help_at(&[path, &[flag]].concat(), None)
}

/// The names listed under `heading` (`Commands`, `Operations`), if any.
fn listed(text: &str, heading: &str) -> Vec<String> {
    let start = format!("{heading}:\n");
    let Some(at) = text.find(&start) else {
        return Vec::new();
    };
    text[at + start.len()..]
        .lines()
        .take_while(|l| !l.is_empty())
        // A name starts at column 2; wrapped descriptions start further.
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect()
}

/// One entry of a help section: `--max-bytes <SIZE>` and its text.
#[derive(Debug)]
struct Entry {
    spec: String,
    text: String,
}

impl Entry {
    /// The long flag (`--max-bytes`), or the positional (`<SHELL>`).
    fn name(&self) -> &str {
        self.spec
            .split([',', ' '])
            .find(|w| w.starts_with("--") || w.starts_with('<'))
            .unwrap_or(&self.spec)
    }
}

/// The sections of a help text with entries (`Outputs:`, `Global
/// options:`...), in order.
fn sections(text: &str) -> Vec<(String, Vec<Entry>)> {
    let mut out: Vec<(String, Vec<Entry>)> = Vec::new();
    for line in text.lines() {
        let indent = line.len() - line.trim_start().len();
        let trimmed = line.trim();
        if line == "Examples:" {
            break;
        } else if indent == 0 && trimmed.ends_with(':') {
            out.push((trimmed.trim_end_matches(':').to_string(), vec![]));
        } else if (indent == 2 || indent == 6)
            && (trimmed.starts_with('-') || trimmed.starts_with('<'))
        {
            let Some((_, entries)) = out.last_mut() else { continue };
            let (spec, text) =
                trimmed.split_once("  ").unwrap_or((trimmed, ""));
            entries.push(Entry {
                spec: spec.to_string(),
                text: text.trim().to_string(),
            });
        } else if indent > 6 {
            if let Some(entry) = out.last_mut().and_then(|s| s.1.last_mut()) {
                entry.text.push(' ');
                entry.text.push_str(trimmed);
            }
        }
    }
    out.retain(|(heading, entries)| {
        !entries.is_empty() && heading != "Arguments" && heading != "Commands"
    });
    out
}

fn names(entries: &[Entry]) -> Vec<&str> {
    entries.iter().map(Entry::name).collect()
}

/// The options `request OP -h` lists, globals left out.
fn request_options(op: &str) -> Vec<String> {
    sections(&help(&["request", op], "-h"))
        .iter()
        .flat_map(|(_, entries)| names(entries))
        .filter(|name| !["--color", "--quiet", "--help"].contains(name))
        .map(str::to_string)
        .collect()
}

#[test]
fn request_help_lists_only_the_operations_options() {
    let ops = ["create", "add", "remove", "replace", "archive", "unarchive"];
    assert_eq!(listed(&help(&["request"], "-h"), "Operations"), ops);
    let file =
        ["--name", "--attribute-name", "--attribute-type", "--file-url"];
    let result = ["--callback-url", "--email"];
    assert_eq!(
        request_options("create"),
        [&file[..], &["--expiry-days"], &result, &["--dc"]].concat()
    );
    for op in ["add", "remove", "replace"] {
        assert_eq!(request_options(op), [&file[..], &result].concat(), "{op}");
    }
    for op in ["archive", "unarchive"] {
        assert_eq!(
            request_options(op),
            ["--name", "--segment-id", "--dc"],
            "{op}"
        );
    }

    // What the help shows is what each operation takes: a listed option
    // is accepted, any other one is refused with the reason.
    const URL: &str = "https://files.example.com/seg.csv";
    let value = |flag: &str| match flag {
        "--attribute-type" => "double",
        "--file-url" => URL,
        "--callback-url" => "https://hooks.example.com/moe",
        "--email" => "ops@example.com",
        "--expiry-days" => "3",
        "--segment-id" => "65f0c0ffee",
        "--dc" => "01",
        _ => "seg",
    };
    let every = ["--expiry-days", "--segment-id", "--dc"];
    let every = [&file[..], &result, &every].concat();
    for op in ops {
        let shown = request_options(op);
        let needed: &[&str] = match op {
            "create" => &["--name", "--attribute-name", "--file-url"],
            "add" | "remove" | "replace" => {
                &["--name", "--attribute-name", "--file-url"]
            }
            _ => &["--name"],
        };
        let mut base = vec!["request", op];
        for flag in needed {
            base.extend([*flag, value(flag)]);
        }
        if op == "create" {
            base.extend(["--expiry-days", "30"]);
        }
        for flag in &every {
            if base.contains(flag) {
                assert!(shown.iter().any(|s| s == flag), "{op} {flag}");
                continue;
            }
            let args = [&base[..], &[*flag, value(flag)]].concat();
            let out = run_with_columns(&args, None);
            if shown.iter().any(|s| s == flag) {
                assert_eq!(out.code(), 0, "{args:?}\n{}", out.render());
            } else {
                assert_eq!(out.code(), 2, "{args:?}\n{}", out.render());
                let stderr = out.stderr_text();
                assert!(
                    stderr.contains(&format!("{flag} is not used by {op}"))
                        || stderr.contains("endpoint not documented"),
                    "{args:?}\n{}",
                    out.render()
                );
            }
        }
    }
}
