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
