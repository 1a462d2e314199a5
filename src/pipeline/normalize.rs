//! One value at a time, for values that live in another engine (a
//! dataframe column, a SQL function, a Spark job) rather than in a file:
//! there the engine does the dedupe and segprep only the per-value rules.

use crate::pipeline::row::{Scratch, Value};
use crate::pipeline::{chunk, Pipeline};
use crate::rule::{Fix, FixSet, Reject};

impl Pipeline {
    /// Runs steps 2 to 10 on one value exactly as on a row of a file.
    /// A kept value is appended to `out`, and the fixes that changed it
    /// are returned; a rejected one leaves `out` alone.
    ///
    /// `value` is a row without its LF: a CR at its end is removed (the
    /// `crlf` fix), any other CR or LF is a control character. There is
    /// no header (step 6) and no dedupe (step 11): those belong to a
    /// whole file. So the kept values, deduped, are the clean file of
    /// these values written one per line, whatever `--header` says
    /// about row 1 of such a file.
    ///
    /// ```
    /// use segprep::{Fix, IdType, PipelineBuilder, Reject};
    ///
    /// let pipeline = PipelineBuilder::new().id_type(IdType::Gaid).build()?;
    /// let mut out = Vec::new();
    /// let raw = b" \"38400000-8CF0-11BD-B23E-10B96E40000D\" ";
    /// let fixes = pipeline.normalize(raw, &mut out).expect("kept");
    /// assert_eq!(out, b"38400000-8cf0-11bd-b23e-10b96e40000d");
    /// assert!(fixes.contains(Fix::Quoted) && fixes.contains(Fix::Case));
    ///
    /// let zero = b"00000000-0000-0000-0000-000000000000";
    /// assert_eq!(pipeline.normalize(zero, &mut out), Err(Reject::ZeroAdId));
    /// assert_eq!(out.len(), 36, "a rejected value adds nothing");
    /// # Ok::<(), segprep::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The rule that rejects the value (a value, not a failure: the
    /// [`Finding`](crate::Finding) of a file run adds a
    /// [`Detail`](crate::Detail)).
    pub fn normalize(
        &self,
        value: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<FixSet, Reject> {
        let mut fixes = FixSet::EMPTY;
        let raw = match value.strip_suffix(b"\r") {
            Some(raw) => {
                fixes.insert(Fix::Crlf);
                raw
            }
            None => value,
        };
        // The file pipeline's limit on row length, so that results stay
        // the same as for a file.
        if raw.len() >= u32::MAX as usize {
            let (reject, _) = chunk::rejection(&self.rules, raw)
                .expect("overlong rows are rejected");
            return Err(reject);
        }
        let mut scratch = Scratch::default();
        match self.rules.process(raw, &mut scratch, &mut fixes) {
            Ok(Value::Borrowed(value)) => out.extend_from_slice(value),
            Ok(Value::Scratch) => out.extend_from_slice(&scratch.value),
            Err((reject, _)) => return Err(reject),
        }
        Ok(fixes)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use crate::sink::sinks::Collect;
    use crate::sink::FindingKind;
    use crate::{
        AttributeType, Case, Fix, HeaderMode, IdType, PipelineBuilder, Reject,
    };

    fn piece() -> impl Strategy<Value = &'static [u8]> {
        prop::sample::select(vec![
            &b"abc"[..],
            b"ABC",
            b"007",
            b"1.50",
            b"1e3",
            b"-0",
            b"9007199254740993",
            b"+1 (555) 123-4567",
            b"User@Example.COM",
            b"38400000-8CF0-11BD-B23E-10B96E40000D",
            b"38400000-8cf0-11bd-b23e-10b96e40000d",
            b"00000000-0000-0000-0000-000000000000",
            b" ",
            b"\t",
            b"\"",
            b",",
            b"#",
            b"\r",
            "\u{a0}".as_bytes(),
            "\u{feff}".as_bytes(),
            "é".as_bytes(),
            b"\xff",
            b"\x00",
            b"x",
        ])
    }

    fn builder() -> impl Strategy<Value = PipelineBuilder> {
        let id_type = prop::sample::select(vec![
            IdType::String,
            IdType::Numeric,
            IdType::Uuid,
            IdType::Gaid,
            IdType::Idfa,
            IdType::Email,
            IdType::Phone,
        ]);
        let case = prop::option::of(prop::sample::select(vec![
            Case::Lower,
            Case::Upper,
            Case::Keep,
        ]));
        let chars = prop::sample::select(vec!["", "#", " ", "é", ",\""]);
        (
            id_type,
            any::<bool>(),
            case,
            chars.clone(),
            chars,
            any::<bool>(),
            prop::sample::select(vec![3usize, 36, 256]),
        )
            .prop_map(
                |(id_type, double, case, allow, deny, ascii, max)| {
                    let double = double
                        && matches!(id_type, IdType::String | IdType::Numeric);
                    let mut b = PipelineBuilder::new();
                    b.id_type(id_type)
                        .attribute_type(if double {
                            AttributeType::Double
                        } else {
                            AttributeType::String
                        })
                        .case(case)
                        .allow_chars(allow)
                        .deny_chars(deny)
                        .ascii_only(ascii)
                        .max_value_len(max)
                        .threads(1);
                    b
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// `normalize` gives what a file run gives for the same value as
        /// a row: the clean value and its fixes, or the same reject.
        #[test]
        fn normalize_equals_a_one_row_run(
            pieces in prop::collection::vec(piece(), 0..4),
            builder in builder(),
        ) {
            let value = pieces.concat();
            let pipeline = builder.build().unwrap();
            // Row 1 is an empty row, so that the value is never row 1
            // (the BOM belongs to row 1 only) and no header is guessed.
            let mut input = b"\n".to_vec();
            input.extend_from_slice(&value);
            input.push(b'\n');
            let mut rows = Collect::default();
            let run = pipeline.process(crate::Input::from_bytes(input, "x"));
            run.emit(&mut rows).unwrap();
            let mut out = b"before".to_vec();
            let dropped: Vec<_> =
                rows.dropped.iter().filter(|d| d.line == 2).collect();
            match pipeline.normalize(&value, &mut out) {
                Ok(fixes) => {
                    prop_assert!(dropped.is_empty(), "{:?}", dropped);
                    prop_assert_eq!(rows.kept.len(), 1);
                    prop_assert_eq!(&out[6..], &rows.kept[0].value[..]);
                    prop_assert_eq!(fixes, rows.kept[0].fixes);
                }
                Err(reject) => {
                    prop_assert_eq!(&out[..], b"before");
                    prop_assert!(rows.kept.is_empty());
                    prop_assert_eq!(dropped.len(), 1);
                    let FindingKind::Reject(want, _) = dropped[0].kind else {
                        panic!("{:?}", dropped[0]);
                    };
                    prop_assert_eq!(reject, want);
                }
            }
        }
    }

    #[test]
    fn a_final_cr_is_the_crlf_fix_and_other_line_ends_are_rejected() {
        let pipeline = PipelineBuilder::new()
            .header(HeaderMode::No)
            .threads(1)
            .build()
            .unwrap();
        let mut out = Vec::new();
        let fixes = pipeline.normalize(b"abc\r", &mut out).unwrap();
        assert_eq!(out, b"abc");
        assert!(fixes.contains(Fix::Crlf));
        for value in [&b"a\rb"[..], b"a\nb", b"abc\n", b"abc\r\r"] {
            let rejected = pipeline.normalize(value, &mut out);
            assert_eq!(rejected, Err(Reject::SpecialChar), "{value:?}");
        }
        assert_eq!(out, b"abc");
    }
}
