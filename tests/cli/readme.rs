//! README.md's "Upload workflow" runs as written: its shell commands, in
//! order, in a fresh folder, with the callback the platform would post.

use std::path::Path;
use std::process::Command;

use serde_json::json;

use crate::util::{eqnice, Dir, SEGPREP};

/// The README's section that starts with `heading`, up to the next one.
fn section(heading: &str) -> String {
    let readme = include_str!("../../README.md");
    let start = readme.find(heading).expect("the section is in the README");
    let rest = &readme[start + heading.len()..];
    let end = rest.find("\n## ").unwrap_or(rest.len());
    rest[..end].to_string()
}

/// The fenced blocks of `text` whose fence says `lang` ("" for none).
fn blocks(text: &str, lang: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    // Outside any block: None; inside one: Some(the text, if kept).
    let mut inside: Option<Option<String>> = None;
    for line in text.lines() {
        match (&mut inside, line.strip_prefix("```")) {
            (None, Some(fence)) => {
                inside = Some((fence.trim() == lang).then(String::new));
            }
            (Some(block), Some(_)) => {
                blocks.extend(block.take());
                inside = None;
            }
            (Some(Some(block)), None) => {
                block.push_str(line);
                block.push('\n');
            }
            _ => {}
        }
    }
    blocks
}

/// The commands of a shell block: comments dropped, continued lines
/// joined.
fn commands(block: &str) -> Vec<String> {
    let joined = block.replace("\\\n", " ");
    joined
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_string)
        .collect()
}

#[test]
fn the_upload_workflow_runs_as_written() {
    let text = section("## Upload workflow");
    let shell = blocks(&text, "sh");
    assert_eq!(shell.len(), 1, "one shell block:\n{text}");
    let commands = commands(&shell[0]);
    let names: Vec<&str> =
        commands.iter().map(|c| c.split(' ').nth(1).unwrap()).collect();
    assert_eq!(names, ["check", "clean", "request", "reconcile"]);

    let dir = Dir::new("readme_upload_workflow");
    // A spreadsheet export: a header, CRLF, upper case, a duplicate.
    dir.create(
        "users.csv",
        "gaid\r\n38400000-8CF0-11BD-B23E-10B96E40000D\r\n\
         6f9619ff-8b86-d011-b42d-00c04fc964ff\r\n\
         38400000-8cf0-11bd-b23e-10b96e40000d\r\n\
         0ff1ce00-0000-4000-8000-000000000001\r\n\
         0ff1ce00-0000-4000-8000-000000000002\r\n",
    );
    // What the platform posts for the file of the README's output.
    let callback = json!({
        "db_name": "shop", "segment_name": "Lapsed players",
        "request_id": "a1b2", "status": 201, "values_found": 4,
        "values_processed": 4, "user_count": 3,
    });
    dir.create("callback.json", callback.to_string());

    let bin = Path::new(SEGPREP).parent().unwrap();
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![bin.to_path_buf()];
    paths.extend(std::env::split_paths(&path));
    let path = std::env::join_paths(paths).unwrap();
    let mut outputs = Vec::new();
    for (command, code) in commands.iter().zip([1, 0, 0, 0]) {
        let out = Command::new("sh")
            .args(["-c", command])
            .current_dir(dir.root())
            .env("PATH", &path)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(code),
            "{command}\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        outputs.push(String::from_utf8(out.stdout).unwrap());
    }
    // The files the README names are the files written.
    assert!(dir.exists("clean.part-001.csv"));
    assert!(dir.exists("rejects.csv") && dir.exists("stats.json"));
    let request: serde_json::Value =
        serde_json::from_str(&outputs[2]).expect("request prints JSON");
    assert_eq!(
        request["body"]["file_url"],
        "https://cdn.example.com/clean.part-001.csv"
    );
    // And reconcile prints what the README shows.
    let shown = blocks(&text, "");
    assert_eq!(shown.len(), 1, "one output block:\n{text}");
    eqnice!(shown[0], outputs[3]);
}
