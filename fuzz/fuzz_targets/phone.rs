//! Phone numbers, with and without `--default-region`, from the first
//! bytes. No panic, every row counted once, engine == reference (which
//! asks the `phonenumber` crate itself), the same over chunks of a few
//! bytes; with a region every kept value is `+` and 7 to 20 digits; and
//! every kept value comes back unchanged, with no fix, when cleaned
//! again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use segprep::HeaderMode;
use segprep_fuzz::{
    chunked, decode_phone, engine, reference, single, Options,
};

/// The fewest digits of a valid number: 7 (Niue: +683 4002).
const MIN_DIGITS: usize = 7;

/// The most digits of a kept value: a country code of up to 3 and
/// libphonenumber's national number of up to 17. E.164 allows 15, but
/// libphonenumber calls longer numbers valid (SPEC.md follows it): see
/// `regressions/phone-e164-over-15-digits.bin`, +49 and 15 digits.
const MAX_DIGITS: usize = 20;

fuzz_target!(|data: &[u8]| {
    let (opts, layout, input) = decode_phone(data);
    let want = engine(&single(&opts), input);
    assert_eq!(want.outcome, reference(&opts, input), "{opts:?}");
    let got = engine(&chunked(&opts, &layout, input), input);
    assert_eq!(got, want, "{opts:?}, {layout:?}");

    let kept = &want.outcome.kept;
    if opts.default_region.is_some() {
        for k in kept {
            let digits = k.value.strip_prefix(b"+").unwrap_or(&[]);
            assert!(
                (MIN_DIGITS..=MAX_DIGITS).contains(&digits.len())
                    && digits.iter().all(u8::is_ascii_digit),
                "line {}: {:?} is not E.164",
                k.line,
                String::from_utf8_lossy(&k.value)
            );
        }
    }
    // Idempotence: the clean file, cleaned again, is itself. Without the
    // length limit: it counts the digits before E.164 adds the country
    // code, so `015112345678` passes 12 bytes and `+4915112345678` not.
    let again = Options {
        header: HeaderMode::No,
        max_value_len: usize::MAX,
        ..opts.clone()
    };
    let second = engine(&single(&again), &want.clean);
    assert_eq!(second.clean, want.clean, "{again:?}");
    for k in &second.outcome.kept {
        assert!(k.fixes.is_empty(), "{again:?}: {k:?}");
    }
});
