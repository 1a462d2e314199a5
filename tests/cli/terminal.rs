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

/// `n` rows of 16-digit hex ids, each id twice: a few MB that decode and
/// dedupe in well under a second, and do not compress to nothing.
fn hex_ids(n: usize) -> Vec<u8> {
    let mut state = 7u64;
    let mut ids = Vec::with_capacity(n * 17);
    for i in 0..n {
        if i % 2 == 0 {
            state = state.wrapping_mul(6364136223846793005) + 1442695;
        }
        ids.extend(format!("{state:016x}\n").into_bytes());
    }
    ids
}

/// The progress display waits for inputs of 64 MiB; tests lower that.
const LOW_THRESHOLD: (&str, &str) = ("SEGPREP_PROGRESS_MIN_BYTES", "1");

/// Where `needle` is first shown, or a failure listing what was.
#[track_caller]
fn shown_at(shown: &str, needle: &str) -> usize {
    shown.find(needle).unwrap_or_else(|| panic!("no {needle:?} in {shown:?}"))
}

#[test]
fn progress_names_each_phase_then_clears() {
    let dir = Dir::new("terminal_progress_phases");
    dir.create("in.csv", hex_ids(120_000));
    let args = "clean in.csv -o out.csv --rejects rejects.csv";
    let shown = on_terminal(&dir, args, &[LOW_THRESHOLD]);
    // The rows with their bytes, then the phases that have none, each
    // with a spinner, in the order they run.
    let rows = shown_at(&shown, "cleaning [");
    let deduping = shown_at(&shown, "deduping ");
    let counting = shown_at(&shown, "counting ");
    let writing = shown_at(&shown, "writing ");
    assert!(rows < deduping && deduping < counting && counting < writing);
    let total = indicatif::HumanBytes(120_000 * 17).to_string();
    assert!(shown[rows..deduping].contains(&format!("/{total}")), "{shown}");
    // The summary follows the cleared display.
    let summary = shown_at(&shown, "segprep: in.csv: ");
    assert!(writing < summary, "{shown:?}");
    assert!(shown[writing..summary].ends_with("\r\x1b[2K"), "{shown:?}");

    // check names its own first phase and shows no writing.
    let shown = on_terminal(&dir, "check in.csv >/dev/null", &[LOW_THRESHOLD]);
    shown_at(&shown, "checking [");
    shown_at(&shown, "deduping ");
    assert!(!shown.contains("writing"), "{shown:?}");
    // Below the threshold, or quiet: nothing.
    let shown = on_terminal(&dir, "check in.csv >/dev/null", &[]);
    assert_eq!(shown, "", "{shown:?}");
    let shown = on_terminal(&dir, "check -q in.csv", &[LOW_THRESHOLD]);
    assert_eq!(shown, "", "{shown:?}");
}

#[test]
fn progress_over_the_compressed_bytes_while_decoding() {
    use std::io::Write;

    let dir = Dir::new("terminal_progress_gzip");
    // Stored blocks: as many compressed bytes as text, made fast.
    let mut gz =
        flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::none());
    gz.write_all(&hex_ids(130_000)).unwrap();
    let gz = gz.finish().unwrap();
    // Progress is reported each MiB of compressed bytes.
    assert!(gz.len() > 2 << 20, "{} bytes", gz.len());
    dir.create("in.csv.gz", &gz);
    let args = "check in.csv.gz >/dev/null";
    let shown = on_terminal(&dir, args, &[LOW_THRESHOLD]);
    // Before any row is read: a bar over the compressed size, seen part
    // way.
    let decoding = shown_at(&shown, "decompressing [");
    let rows = shown_at(&shown, "checking [");
    assert!(decoding < rows, "{shown:?}");
    let total = indicatif::HumanBytes(gz.len() as u64).to_string();
    let positions: Vec<&str> = shown[decoding..rows]
        .split("decompressing [")
        .filter_map(|bar| {
            bar.split_once(&format!("/{total} "))?.0.rsplit_once("] ")
        })
        .map(|(_, done)| done)
        .collect();
    assert!(positions.len() >= 2, "{shown:?}");
    assert!(positions.iter().any(|&done| done != total), "{positions:?}");
}

#[test]
fn no_progress_when_standard_error_is_not_a_terminal() {
    let dir = Dir::new("terminal_progress_redirected");
    dir.create("in.csv", hex_ids(120_000));
    // Standard output on the terminal, standard error in a file or a
    // pipe: the summary line alone, as when both are pipes.
    let piped = dir.cmd(&["clean", "in.csv", "-o", "out.csv"]).run();
    assert_eq!(piped.code(), 0, "{}", piped.render());
    let line = piped.stderr_text();
    assert!(
        line.starts_with("segprep: in.csv: ") && line.lines().count() == 1
    );
    for args in [
        "clean in.csv -o out.csv 2>err.txt",
        "clean in.csv -o out.csv 2>&1 | cat >err.txt",
    ] {
        let shown = on_terminal(&dir, args, &[LOW_THRESHOLD]);
        assert_eq!(shown, "", "{shown:?}");
        assert_eq!(dir.read_text("err.txt"), line, "{args}");
    }
    // Nor with -q on a terminal.
    let shown =
        on_terminal(&dir, "clean -q in.csv -o out.csv", &[LOW_THRESHOLD]);
    assert_eq!(shown, "", "{shown:?}");
}
