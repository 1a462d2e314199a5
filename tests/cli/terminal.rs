//! Output on a real terminal: `script` (util-linux) runs the binary on a
//! pseudo-terminal, as a person at a shell would.

use std::process::Command;

use crate::util::{Dir, SEGPREP};

/// Runs `segprep ARGS` on a pseudo-terminal in `dir`, with extra
/// environment; returns what the terminal showed.
fn on_terminal(dir: &Dir, args: &str, env: &[(&str, &str)]) -> String {
    let mut cmd = Command::new("script");
    cmd.args(["-qec", &format!("{SEGPREP} {args}"), "/dev/null"])
        .current_dir(dir.root())
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env("TERM", "xterm-256color");
    for (key, value) in env {
        cmd.env(key, value);
    }
    let out = cmd.output().expect("script (util-linux) runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

const ESC: &str = "\x1b[";

#[test]
fn colours_on_a_terminal_not_in_a_pipe_nor_with_no_color() {
    let dir = Dir::new("terminal_colours");
    dir.create("in.csv", "a#b\nok\n");
    let shown = on_terminal(&dir, "check in.csv", &[]);
    assert!(shown.contains(ESC), "no colour on a terminal: {shown:?}");
    assert!(shown.contains("special-char"), "{shown:?}");

    let shown = on_terminal(&dir, "check in.csv", &[("NO_COLOR", "1")]);
    assert!(!shown.contains(ESC), "colour despite NO_COLOR: {shown:?}");
    assert!(shown.contains("special-char"), "{shown:?}");

    let shown = on_terminal(&dir, "check in.csv --color never", &[]);
    assert!(!shown.contains(ESC), "colour despite --color never");

    let piped = dir.cmd(&["check", "in.csv"]).run();
    assert_eq!(piped.code(), 1, "{}", piped.render());
    assert!(!piped.stdout_text().contains(ESC), "colour in a pipe");
    let forced = dir.cmd(&["check", "in.csv", "--color", "always"]).run();
    assert_eq!(forced.code(), 1, "{}", forced.render());
    assert!(forced.stdout_text().contains(ESC), "--color always in a pipe");
}

#[test]
fn quiet_prints_nothing_and_keeps_the_exit_status() {
    let dir = Dir::new("terminal_quiet");
    dir.create("bad.csv", "a#b\n");
    dir.create("good.csv", "a\n");
    let shown = on_terminal(&dir, "check -q bad.csv; echo status=$?", &[]);
    assert_eq!(shown.trim(), "status=1", "{shown:?}");
    let shown =
        on_terminal(&dir, "check --quiet good.csv; echo status=$?", &[]);
    assert_eq!(shown.trim(), "status=0", "{shown:?}");
    let shown =
        on_terminal(&dir, "clean -q bad.csv -o out.csv; echo status=$?", &[]);
    assert_eq!(shown.trim(), "status=0", "{shown:?}");
}

#[test]
fn clean_says_what_it_wrote_on_any_standard_error() {
    let dir = Dir::new("terminal_clean");
    dir.create("in.csv", "a\na\nb#\n");
    let shown = on_terminal(&dir, "clean in.csv -o out.csv", &[]);
    assert!(
        shown.contains(
            "1 value written to out.csv (3 rows, 1 duplicate, 1 rejected)"
        ),
        "{shown:?}"
    );
    // A CI log (a pipe) gets the same line.
    let piped = dir.cmd(&["clean", "in.csv", "-o", "out.csv"]).run();
    assert_eq!(piped.code(), 0, "{}", piped.render());
    assert_eq!(
        piped.stderr_text(),
        "segprep: in.csv: 1 value written to out.csv (3 rows, 1 \
         duplicate, 1 rejected)\n"
    );
}

#[test]
fn completions_for_every_shell() {
    let dir = Dir::new("completions");
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = dir.cmd(&["completions", shell]).run();
        assert_eq!(out.code(), 0, "{}", out.render());
        assert!(out.stdout_text().contains("segprep"), "{shell}");
        assert!(out.stdout_text().contains("--id-type"), "{shell}");
    }
}

/// The escape sequences that open and close `name` each time it is
/// shown, whatever pads it.
fn styled(shown: &str, name: &str) -> Vec<String> {
    shown
        .match_indices(name)
        .filter_map(|(at, _)| {
            let open = shown[..at].rfind(ESC)?;
            let after = &shown[at + name.len()..];
            after.starts_with(ESC).then(|| {
                let close = &after[..after.find('m')? + 1];
                Some(format!("{}|{close}", &shown[open..at]))
            })?
        })
        .collect()
}

#[test]
fn a_rule_has_one_colour_in_lines_and_summary() {
    let dir = Dir::new("terminal_rule_colours");
    dir.create("in.csv", "id\na\na\nb#\n");
    let shown = on_terminal(&dir, "check in.csv", &[]);
    for name in ["header", "duplicate", "special-char"] {
        let styles = styled(&shown, name);
        // Once on its diagnostic line, once in the summary.
        assert_eq!(styles.len(), 2, "{name} in {shown:?}");
        assert_eq!(styles[0], styles[1], "{name} in {shown:?}");
    }
    assert_ne!(styled(&shown, "duplicate"), styled(&shown, "special-char"));
}

#[test]
fn reconcile_colours_its_verdict() {
    let dir = Dir::new("terminal_reconcile_colour");
    dir.create("in.csv", "a\nb\n");
    let out = dir
        .cmd(&["clean", "in.csv", "-o", "c.csv", "--stats", "s.json"])
        .run();
    assert_eq!(out.code(), 0, "{}", out.render());
    dir.create(
        "cb.json",
        r#"{"status": 201, "values_found": 2, "values_processed": 2,
            "user_count": 2}"#,
    );
    let args = ["reconcile", "--stats", "s.json", "--callback", "cb.json"];
    let forced = dir.cmd(&args).args(&["--color", "always"]).run();
    assert_eq!(forced.code(), 0, "{}", forced.render());
    let verdict = forced.stdout_text();
    let verdict = verdict.lines().last().unwrap();
    assert!(verdict.starts_with(&format!("verdict:    {ESC}")), "{verdict:?}");
    let shown = on_terminal(&dir, &args.join(" "), &[]);
    assert!(shown.contains(&format!("verdict:    {ESC}")), "{shown:?}");
    let piped = dir.cmd(&args).run();
    assert!(!piped.stdout_text().contains(ESC), "colour in a pipe");
}
