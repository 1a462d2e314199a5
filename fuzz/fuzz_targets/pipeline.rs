//! Any input under options from its first bytes: no panic, the counting
//! identity, engine == reference, and the same result (clean file too)
//! over chunks of a few bytes, and over two threads (a pool kept for the
//! process).
#![no_main]

use libfuzzer_sys::fuzz_target;
use segprep_fuzz::{chunked, decode, engine, reference, single, threaded};

fuzz_target!(|data: &[u8]| {
    let (opts, layout, input) = decode(data);
    let want = engine(&single(&opts), input);
    assert_eq!(want.outcome, reference(&opts, input), "{opts:?}");
    let got = engine(&chunked(&opts, &layout, input), input);
    assert_eq!(got, want, "{opts:?}, {layout:?}");
    let many = threaded(&opts, layout.threaded_chunk(input));
    assert_eq!(engine(&many, input), want, "{opts:?}, threads, {layout:?}");
});
