//! Delimited records: `--column N|NAME` with `--delimiter , ; TAB | auto`
//! from the first bytes. No panic, every row counted once with its whole
//! row as raw text, engine == reference, the same over chunks of a few
//! bytes; a name that row 1 lacks is an error of `try_process` and keeps
//! no row.
#![no_main]

use libfuzzer_sys::fuzz_target;
use segprep::{Column, ErrorKind, Input};
use segprep_fuzz::{chunked, decode_records, engine, reference, single};

/// The rejects a row gets before its field is picked, and the one it
/// gets when the named column is not there.
const BEFORE_THE_FIELD: [&str; 4] =
    ["invalid-utf8", "empty-row", "bad-quoting", "missing-column"];

fuzz_target!(|data: &[u8]| {
    let (opts, layout, input) = decode_records(data);
    let pipeline = single(&opts);
    let want = engine(&pipeline, input);
    assert_eq!(want.outcome, reference(&opts, input), "{opts:?}");
    let got = engine(&chunked(&opts, &layout, input), input);
    assert_eq!(got, want, "{opts:?}, {layout:?}");

    let tried = pipeline.try_process(Input::from_bytes(input.to_vec(), "in"));
    if let Err(e) = tried {
        assert!(matches!(e.kind(), ErrorKind::Config(_)), "{e}");
        assert!(matches!(opts.column, Some(Column::Name(_))), "{e}");
        let out = &want.outcome;
        assert!(out.kept.is_empty(), "{e}: {out:?}");
        let rules = out.dropped.iter().map(|d| d.rule.as_str());
        for rule in rules.skip(usize::from(out.header.is_some())) {
            assert!(BEFORE_THE_FIELD.contains(&rule), "{e}: {rule}");
        }
    }
});
