//! Any input under options from its first bytes: no panic, the counting
//! identity, engine == reference, and the same result (clean file too)
//! for one thread and for three threads over chunks of a few bytes.
#![no_main]

use std::ffi::{c_char, CStr};

use libfuzzer_sys::fuzz_target;
use segprep_fuzz::{decode, engine, reference, threaded};

/// No leak checks: a dropped rayon pool's threads free their buffers
/// after the input has run, and LeakSanitizer calls that a leak.
#[no_mangle]
pub extern "C" fn __asan_default_options() -> *const c_char {
    const OPTIONS: &CStr = c"detect_leaks=0";
    OPTIONS.as_ptr()
}

fuzz_target!(|data: &[u8]| {
    let (opts, chunk, input) = decode(data);
    let single = opts.builder().threads(1).build().unwrap();
    let want = engine(&single, input);
    assert_eq!(want.outcome, reference(&opts, input), "{opts:?}");
    let many = engine(&threaded(&opts, chunk), input);
    assert_eq!(many, want, "{opts:?}, chunks of {chunk} bytes");
});
