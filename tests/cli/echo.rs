//! What the outputs echo: nothing from `diff -q`, the delimiter that
//! `--delimiter auto` picked in `"options"`.

use crate::util::{eqnice, Dir};

#[test]
fn diff_quiet_prints_nothing() {
    let dir = Dir::new("echo_diff_quiet");
    dir.create("old.csv", "a\nb\n");
    dir.create("new.csv", "b\nc\n");
    let out = dir.cmd(&["diff", "old.csv", "new.csv"]).run();
    assert_eq!(out.code(), 0, "{}", out.render());
    assert!(out.stdout_text().contains("1 value to add"), "{}", out.render());
    for quiet in ["-q", "--quiet"] {
        let out = dir.cmd(&["diff", quiet, "old.csv", "new.csv"]).run();
        eqnice!("exit_code: 0\n--- stdout\n--- stderr\n", out.render());
    }
    // Quiet silences words, not the files asked for.
    let out = dir
        .cmd(&["diff", "-q", "old.csv", "new.csv", "--added", "add.csv"])
        .run();
    eqnice!("exit_code: 0\n--- stdout\n--- stderr\n", out.render());
    assert_eq!(dir.read_text("add.csv"), "c\n");
    // An error still says what went wrong.
    let out = dir.cmd(&["diff", "-q", "old.csv", "missing.csv"]).run();
    assert_eq!(out.code(), 2, "{}", out.render());
    assert!(out.stderr_text().contains("missing.csv"), "{}", out.render());
}

#[test]
fn options_echo_the_delimiter_auto_picked() {
    let dir = Dir::new("echo_auto_delimiter");
    dir.create("semi.csv", "user_id;name\nU1;x\nU2;y\n");
    dir.create("tabs.csv", "user_id\tname\nU1\tx\nU2\ty\n");
    let auto = ["--column", "user_id", "--delimiter", "auto"];
    for (file, picked) in [("semi.csv", ";"), ("tabs.csv", "tab")] {
        let out =
            dir.cmd(&["check", file, "--format", "json"]).args(&auto).run();
        // 1: the header row is dropped.
        assert_eq!(out.code(), 1, "{}", out.render());
        assert_eq!(out.json()["options"]["delimiter"], picked, "{file}");

        let out = dir
            .cmd(&["clean", file, "-o", "out.csv", "--stats", "s.json"])
            .args(&auto)
            .run();
        assert_eq!(out.code(), 0, "{}", out.render());
        let stats = dir.read_json("s.json");
        assert_eq!(stats["options"]["delimiter"], picked, "{file}");
    }
    // diff: each input's own pick.
    let out = dir
        .cmd(&["diff", "semi.csv", "tabs.csv", "--stats", "-"])
        .args(&auto)
        .run();
    assert_eq!(out.code(), 0, "{}", out.render());
    let json = out.json();
    assert_eq!(json["old"]["options"]["delimiter"], ";");
    assert_eq!(json["new"]["options"]["delimiter"], "tab");
    // A delimiter given is echoed as given.
    let out = dir
        .cmd(&["check", "semi.csv", "--format", "json", "--delimiter", ";"])
        .args(&["--column", "1"])
        .run();
    assert_eq!(out.code(), 1, "{}", out.render());
    assert_eq!(out.json()["options"]["delimiter"], ";");
}
