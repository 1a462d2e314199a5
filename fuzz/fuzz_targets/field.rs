//! One row through the RFC 4180 field reader, engine vs reference: with
//! the defaults, and with every special character allowed so that the
//! unquoted value itself is compared.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use segprep::{HeaderMode, Pipeline};
use segprep_fuzz::{engine, one_row, reference, Options};

static OPTIONS: LazyLock<[Options; 2]> = LazyLock::new(|| {
    let plain = Options { header: HeaderMode::No, ..Options::default() };
    let open = Options {
        allow: "\0\t\r \"#',;<>\\`|\u{7f}\u{a0}\u{200b}\u{feff}".into(),
        max_value_len: usize::MAX,
        ..plain.clone()
    };
    [plain, open]
});
static PIPELINES: LazyLock<Vec<Pipeline>> = LazyLock::new(|| {
    OPTIONS.iter().map(|o| o.builder().threads(1).build().unwrap()).collect()
});

fuzz_target!(|data: &[u8]| {
    let row = one_row(data);
    for (opts, pipeline) in OPTIONS.iter().zip(PIPELINES.iter()) {
        let got = engine(pipeline, &row).outcome;
        assert_eq!(got, reference(opts, &row), "{opts:?}");
    }
});
