//! Any bytes through the decoders (gzip, zstd, the refused formats) and
//! each encoding, then the pipeline: no panic, a small cap holds, what
//! was transcoded is UTF-8, and every row is counted once.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use segprep::{Encoding, InputBuilder, Pipeline, PipelineBuilder};

const CAP: u64 = 1 << 20;

static PIPELINE: LazyLock<Pipeline> =
    LazyLock::new(|| PipelineBuilder::new().threads(1).build().unwrap());

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let encodings = [
        Encoding::Auto,
        Encoding::Utf8,
        Encoding::Utf16Le,
        Encoding::Utf16Be,
        Encoding::Windows1252,
        Encoding::Latin1,
    ];
    let encoding = encodings[usize::from(pick) % encodings.len()];
    let decoded = InputBuilder::new()
        .encoding(encoding)
        .max_input_bytes(CAP)
        .decode(bytes.to_vec(), "fuzz");
    let Ok(input) = decoded else {
        return;
    };
    assert!(input.as_bytes().len() as u64 <= CAP);
    if input.transcoded_from().is_some() {
        assert!(std::str::from_utf8(input.as_bytes()).is_ok());
    }
    let run = PIPELINE.process(input);
    assert!(run.stats().is_balanced(), "{:?}", run.stats());
});
