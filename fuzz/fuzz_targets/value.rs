//! One row through every id type, and attribute type double for string
//! and numeric ids, engine vs reference: the number and format checks.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use segprep::{HeaderMode, IdType, Pipeline};
use segprep_fuzz::{engine, one_row, reference, Options, ID_TYPES};

static OPTIONS: LazyLock<Vec<(Options, Pipeline)>> = LazyLock::new(|| {
    let doubles = [IdType::String, IdType::Numeric].map(|t| (t, true));
    ID_TYPES
        .map(|t| (t, false))
        .into_iter()
        .chain(doubles)
        .map(|(id_type, double)| {
            let opts = Options {
                id_type,
                double,
                header: HeaderMode::No,
                ..Options::default()
            };
            let pipeline = opts.builder().threads(1).build().unwrap();
            (opts, pipeline)
        })
        .collect()
});

fuzz_target!(|data: &[u8]| {
    let row = one_row(data);
    for (opts, pipeline) in OPTIONS.iter() {
        let got = engine(pipeline, &row).outcome;
        assert_eq!(got, reference(opts, &row), "{opts:?}");
    }
});
