//! Property tests: the engine equals the naive reference on nasty inputs,
//! for every thread count and chunking, and keeps its own invariants.

use proptest::prelude::*;

use crate::reference::{self as naive, NaiveOutcome, Options};
use crate::{
    Case, Column, Delimiter, HeaderMode, IdType, Input, Order, Pipeline,
};

/// Runs the engine and renders its result in the reference's shape.
fn engine(pipeline: &Pipeline, input: &[u8]) -> NaiveOutcome {
    naive::engine_outcome(pipeline, input)
}

fn reference(input: &[u8], opts: &Options) -> NaiveOutcome {
    naive::run(input, &opts.naive())
}

/// The pipeline of `opts` on one thread, and on three with chunks of
/// `chunk` bytes, dedupe tables of `table_rows` rows, hash `seed`, and
/// 1 to 256 dedupe shards from the seed's low bits (a small input gets
/// one by default).
fn one_and_three(
    opts: &Options,
    chunk: usize,
    table_rows: usize,
    seed: u64,
) -> (Pipeline, Pipeline) {
    let single = opts.builder().threads(1).build().unwrap();
    let three = opts
        .builder()
        .threads(3)
        .chunk_bytes(chunk)
        .dedupe_table_rows(table_rows)
        .hash_seed(seed)
        .dedupe_shards(1 << (seed % 9))
        .build()
        .unwrap();
    (single, three)
}

fn row_piece() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "abc", "ABC", "a#bc", "007", "1.50", "1e3", "-0", ".5", "nan",
            "9007199254740993", "12345678", "+1 (555) 123-4567",
            "user@example.com", "User@Example.COM", "a@b", "id", "ID",
            "38400000-8cf0-11bd-b23e-10b96e40000d",
            "38400000-8CF0-11BD-B23E-10B96E40000D",
            "00000000-0000-0000-0000-000000000000",
            // Spreadsheet damage, phone spellings, header words.
            "4.41E+11", "1.23457e+17", "12345.0", "+1555.00", "5551234567.0",
            "+1 (650) 253-0000", "650.253.0000", "1 650 253 0000",
            "00 1 650 253 0000", "011 44 20 7031 3000", "user_id", "E-Mail",
            "Phone Number", "phone",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
        3 => prop::sample::select(vec![
            " ", "\t", "\"", "\"\"", ",", "#", "\r", "\u{a0}", "\u{200b}",
            "\u{feff}", "'", ";", "é", "x", "1", "-", ".", "E", "|", "\" ",
            "0",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
        1 => prop::sample::select(vec![
            &b"\xff"[..], b"\xc3", b"\x00", b"\xef\xbb\xbf", b"\x7f",
        ])
        .prop_map(|s| s.to_vec()),
    ]
}

fn row() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(row_piece(), 0..4).prop_map(|p| p.concat())
}

/// Rows drawn from a small pool so duplicates are common, joined by LF,
/// CRLF or a lone CR, with or without a final terminator and a BOM.
fn input() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::collection::vec(row(), 1..6),
        prop::collection::vec((0usize..6, 0u8..10), 0..24),
        any::<bool>(),
        0u8..4,
    )
        .prop_map(|(pool, picks, bom, end)| {
            let mut out = Vec::new();
            if bom {
                out.extend_from_slice(b"\xEF\xBB\xBF");
            }
            for (i, (pick, term)) in picks.iter().enumerate() {
                out.extend_from_slice(&pool[pick % pool.len()]);
                let last = i + 1 == picks.len();
                match (last, end, term) {
                    (true, 0, _) => {}
                    (true, 1, _) => out.push(b'\r'),
                    (_, _, 0..=1) => out.extend_from_slice(b"\r\n"),
                    (_, _, 2) => out.push(b'\r'),
                    _ => out.push(b'\n'),
                }
            }
            out
        })
}

fn options() -> impl Strategy<Value = Options> {
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
    let header = prop::sample::select(vec![
        HeaderMode::Auto,
        HeaderMode::Yes,
        HeaderMode::No,
    ]);
    let chars = prop::sample::select(vec![
        "", "#", "\u{a0}", " ", "é", "a", ",\"", "#x", ";|",
    ]);
    let delimiter = prop_oneof![
        4 => Just(Delimiter::default()),
        1 => prop::sample::select(vec![b';', b'\t', b'|', b'x'])
            .prop_map(Delimiter::Char),
        1 => Just(Delimiter::Auto),
    ];
    let column = prop_oneof![
        3 => Just(None),
        1 => (1usize..4).prop_map(|n| Some(Column::Number(n))),
        1 => prop::sample::select(vec!["user_id", "x", "phone"])
            .prop_map(|n| Some(Column::Name(n.to_string()))),
    ];
    (
        (
            id_type,
            any::<bool>(),
            case,
            header,
            prop::option::of(prop::sample::select(vec!["id", "ID", "user"])),
            chars.clone(),
            chars,
            any::<bool>(),
            prop::sample::select(vec![3usize, 8, 256]),
        ),
        (
            delimiter,
            column,
            prop::option::of(prop::sample::select(vec!["US", "gb"])),
        ),
    )
        .prop_map(
            |(
                (id_type, double, case, header, name, allow, deny, ascii, max),
                (delimiter, column, region),
            )| {
                let named = matches!(column, Some(Column::Name(_)));
                Options {
                    id_type,
                    double: double
                        && matches!(id_type, IdType::String | IdType::Numeric),
                    case,
                    // A column name needs row 1 as the header.
                    header: if named && header == HeaderMode::No {
                        HeaderMode::Auto
                    } else {
                        header
                    },
                    attribute_name: name.map(str::to_string),
                    allow: allow.to_string(),
                    deny: deny.to_string(),
                    ascii_only: ascii,
                    max_value_len: max,
                    delimiter,
                    column,
                    default_region: region
                        .filter(|_| id_type == IdType::Phone)
                        .map(str::to_string),
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn engine_equals_reference(input in input(), opts in options()) {
        let pipeline = opts.builder().threads(1).build().unwrap();
        prop_assert_eq!(engine(&pipeline, &input), reference(&input, &opts));
    }

    #[test]
    fn chunking_and_threads_do_not_matter(
        input in input(),
        opts in options(),
        chunk in 1usize..40,
        table_rows in 1usize..6,
        seed in any::<u64>(),
        shard_bits in 0u32..=8,
    ) {
        let single = opts.builder().threads(1).build().unwrap();
        let want = engine(&single, &input);
        for threads in [1, 2, 3, 8] {
            // Tiny dedupe tables split shards as a large input's are, and
            // up to 256 shards as a large input has; the hash seed differs
            // from the random one of `single`.
            let pipeline = opts
                .builder()
                .threads(threads)
                .chunk_bytes(chunk)
                .dedupe_table_rows(table_rows)
                .hash_seed(seed)
                .dedupe_shards(1 << shard_bits)
                .build()
                .unwrap();
            prop_assert_eq!(&engine(&pipeline, &input), &want, "threads {}", threads);
            let mut a = Vec::new();
            let mut b = Vec::new();
            pipeline.process(Input::from_bytes(input.to_vec(), "x")).write_clean(&mut a, Order::FirstSeen).unwrap();
            single.process(Input::from_bytes(input.to_vec(), "x")).write_clean(&mut b, Order::FirstSeen).unwrap();
            prop_assert_eq!(a, b);
        }
    }

    #[test]
    fn clean_is_idempotent_and_conforms(input in input(), opts in options()) {
        // A clean file is one column: the second run reads it as such.
        let mut opts = opts;
        if let Some(Column::Name(_)) = opts.column {
            opts.column = Some(Column::Number(1));
        }
        let pipeline = opts.builder().header(HeaderMode::No).build().unwrap();
        let mut plain = opts.clone();
        plain.column = None;
        plain.delimiter = Delimiter::default();
        let plain = plain.builder().header(HeaderMode::No).build().unwrap();
        let mut first = Vec::new();
        let run = pipeline.process(Input::from_bytes(input.to_vec(), "x"));
        run.write_clean(&mut first, Order::FirstSeen).unwrap();
        // Two documented ways a number's clean form fails its own check
        // (spec steps 9 and 10): the length limit applies before the
        // canonical form (`1e3` passes a limit of 3, `1000` does not), and
        // only integer literals are checked against 2^53 (`1e17` passes,
        // `100000000000000000` does not).
        let big_integer = |v: &[u8]| {
            let v = v.strip_prefix(b"-").unwrap_or(v);
            v.iter().all(u8::is_ascii_digit) && v.len() >= 16
                && (v.len() > 16 || v > &b"9007199254740992"[..])
        };
        let refused = |v: &[u8]| {
            opts.double && (v.len() > opts.max_value_len || big_integer(v))
        };
        let mut second = Vec::new();
        let again = plain.process(Input::from_bytes(first.to_vec(), "x"));
        again.write_clean(&mut second, Order::FirstSeen).unwrap();
        // A third: --allow-chars can let through a value that reads back as
        // another (`a,b`, `"x`). Clean warns exactly then.
        let warned = run
            .stats()
            .warnings
            .iter()
            .any(|w| w.contains("read back as other values"));
        if warned {
            prop_assert_ne!(&first, &second);
            return Ok(());
        }
        // The second clean keeps every value but those two kinds of
        // numbers, which it rejects.
        let kept: Vec<u8> = run
            .values()
            .filter(|v| !refused(v))
            .flat_map(|v| [v, b"\n"].concat())
            .collect();
        prop_assert_eq!(&second, &kept);
        let stats = again.stats();
        if kept == first && stats.values_processed > 0 {
            prop_assert!(stats.conforms(), "{:?}", stats);
        }
    }
}

/// A sink that asks only for rows with findings.
#[derive(Default)]
struct Findings(Vec<(u64, &'static str)>);

impl crate::Sink for Findings {
    type Error = std::convert::Infallible;

    fn kept(&mut self, row: &crate::Kept<'_>) -> Result<(), Self::Error> {
        self.0.extend(row.findings().map(|f| (f.line, f.rule().name())));
        Ok(())
    }

    fn dropped(&mut self, f: &crate::Finding<'_>) -> Result<(), Self::Error> {
        self.0.push((f.line, f.rule().name()));
        Ok(())
    }

    fn unchanged_rows(&self) -> bool {
        false
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn skipping_unchanged_rows_loses_no_finding(
        input in input(),
        opts in options(),
        chunk in 1usize..40,
    ) {
        let pipeline =
            opts.builder().threads(2).chunk_bytes(chunk).build().unwrap();
        let run = pipeline.process(Input::from_bytes(input.to_vec(), "x"));
        let mut all = crate::sinks::Collect::default();
        run.emit(&mut all).unwrap();
        let mut want: Vec<(u64, &str)> = Vec::new();
        for k in &all.kept {
            want.extend(k.fixes.iter().map(|f| (k.line, f.name())));
        }
        want.extend(all.dropped.iter().map(|d| (d.line, d.rule.name())));
        want.sort();
        let mut got = Findings::default();
        run.emit(&mut got).unwrap();
        let mut got = got.0;
        prop_assert!(got.windows(2).all(|w| w[0].0 <= w[1].0), "line order");
        got.sort();
        prop_assert_eq!(got, want);
    }
}

/// A findings-only sink that wants the first `want` rows and no more.
struct FirstRows {
    lines: Vec<u64>,
    want: usize,
}

impl crate::Sink for FirstRows {
    type Error = std::convert::Infallible;

    fn kept(&mut self, k: &crate::Kept<'_>) -> Result<(), Self::Error> {
        self.lines.push(k.line);
        Ok(())
    }

    fn dropped(&mut self, f: &crate::Finding<'_>) -> Result<(), Self::Error> {
        self.lines.push(f.line);
        Ok(())
    }

    fn unchanged_rows(&self) -> bool {
        false
    }

    fn wants_more(&self) -> bool {
        self.lines.len() < self.want
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn emit_stops_when_the_sink_wants_no_more(
        input in input(),
        opts in options(),
        chunk in 1usize..40,
        want in 0usize..6,
    ) {
        let pipeline =
            opts.builder().threads(2).chunk_bytes(chunk).build().unwrap();
        let run = pipeline.process(Input::from_bytes(input.to_vec(), "x"));
        let mut all = FirstRows { lines: Vec::new(), want: usize::MAX };
        run.emit(&mut all).unwrap();
        let mut first = FirstRows { lines: Vec::new(), want };
        run.emit(&mut first).unwrap();
        let n = want.min(all.lines.len());
        prop_assert_eq!(&first.lines[..], &all.lines[..n]);
    }
}

/// Hundreds of UUID rows, for the fast path's runs: most valid and drawn
/// from a small pool so that duplicates fall inside runs; some upper case
/// with CRLF, zero ids and junk to break the runs.
fn uuid_input() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec((0u8..40, 0u32..1000), 0..400).prop_map(|rows| {
        let mut out = Vec::new();
        for (kind, n) in rows {
            let row = match kind {
                0 => "not-a-uuid\n".to_string(),
                1 => format!("{n:08X}-8CF0-11BD-B23E-{:012X}\r\n", n % 7),
                2 => "00000000-0000-0000-0000-000000000000\n".to_string(),
                _ => format!("{:08x}-8cf0-11bd-b23e-{n:012x}\n", n % 3),
            };
            out.extend_from_slice(row.as_bytes());
        }
        out
    })
}

fn uuid_options() -> impl Strategy<Value = Options> {
    let id_type =
        prop::sample::select(vec![IdType::Uuid, IdType::Gaid, IdType::Idfa]);
    let case = prop::option::of(prop::sample::select(vec![
        Case::Lower,
        Case::Upper,
        Case::Keep,
    ]));
    // Column 1 of one-field rows takes the picked-field path.
    let column = prop::option::of(Just(Column::Number(1)));
    (id_type, case, column).prop_map(|(id_type, case, column)| Options {
        column,
        id_type,
        double: false,
        case,
        header: HeaderMode::No,
        attribute_name: None,
        allow: String::new(),
        deny: String::new(),
        ascii_only: false,
        max_value_len: 256,
        ..Options::default()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn long_uuid_runs_equal_reference(
        input in uuid_input(),
        opts in uuid_options(),
        chunk in 1usize..6000,
        table_rows in 1usize..6,
        seed in any::<u64>(),
    ) {
        let want = reference(&input, &opts);
        let (single, pipeline) = one_and_three(&opts, chunk, table_rows, seed);
        prop_assert_eq!(&engine(&single, &input), &want);
        prop_assert_eq!(&engine(&pipeline, &input), &want);
        let mut a = Vec::new();
        let mut b = Vec::new();
        pipeline.process(Input::from_bytes(input.to_vec(), "x")).write_clean(&mut a, Order::FirstSeen).unwrap();
        single.process(Input::from_bytes(input.to_vec(), "x")).write_clean(&mut b, Order::FirstSeen).unwrap();
        prop_assert_eq!(&a, &b);
        let values: Vec<u8> = want
            .kept
            .iter()
            .flat_map(|k| [&k.value[..], b"\n"].concat())
            .collect();
        prop_assert_eq!(a, values);
    }
}

/// Numbers whose canonical text is long (stored as their bits) among
/// spellings of the same numbers, short ones and rows that are not
/// numbers, with a field's fixes around some.
fn number_input() -> impl Strategy<Value = Vec<u8>> {
    let number = prop::sample::select(vec![
        "1e300",
        "1.0e300",
        "10e299",
        "1E+300",
        "-1e-300",
        "-0.1e-299",
        "123e250",
        "1.23e252",
        "1e24",
        "1e23",
        "1000000000000000000000000.0",
        "0.0000000000000000000000001",
        "1e-25",
        "10e-26",
        "5e-324",
        "1.7976931348623157e308",
        "-1e308",
        "1e308",
        "0e5",
        "-0",
        "1.5",
        "1.50",
        "2",
        "x",
        "1e400",
        "9007199254740993",
    ]);
    let dress =
        prop::sample::select(vec!["{}", " {} ", "\"{}\"", "{},", "{}\r"]);
    prop::collection::vec((number, dress), 0..60).prop_map(|rows| {
        let mut out = Vec::new();
        for (number, dress) in rows {
            out.extend_from_slice(dress.replace("{}", number).as_bytes());
            out.push(b'\n');
        }
        out
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn long_canonical_numbers_equal_reference(
        input in number_input(),
        column in prop::option::of(Just(Column::Number(1))),
        chunk in 1usize..400,
        table_rows in 1usize..6,
        seed in any::<u64>(),
    ) {
        let opts = Options {
            column,
            double: true,
            header: HeaderMode::No,
            max_value_len: 256,
            ..Options::default()
        };
        let want = reference(&input, &opts);
        let (single, pipeline) = one_and_three(&opts, chunk, table_rows, seed);
        prop_assert_eq!(&engine(&single, &input), &want);
        prop_assert_eq!(&engine(&pipeline, &input), &want);
        let values: Vec<&[u8]> =
            want.kept.iter().map(|k| &k.value[..]).collect();
        let lines: Vec<u8> =
            values.iter().flat_map(|v| [v, &b"\n"[..]].concat()).collect();
        let mut sorted = values.clone();
        sorted.sort_unstable();
        let sorted: Vec<u8> =
            sorted.iter().flat_map(|v| [v, &b"\n"[..]].concat()).collect();
        for pipeline in [&single, &pipeline] {
            let run = pipeline.process(Input::from_bytes(input.to_vec(), "x"));
            prop_assert_eq!(run.values().collect::<Vec<_>>(), values.clone());
            prop_assert_eq!(run.stats().clean_bytes, lines.len() as u64);
            let mut clean = Vec::new();
            run.write_clean(&mut clean, Order::FirstSeen).unwrap();
            prop_assert_eq!(&clean, &lines);
            let mut clean = Vec::new();
            run.write_clean(&mut clean, Order::Sorted).unwrap();
            prop_assert_eq!(&clean, &sorted);
        }
    }
}

/// Files in a folder of their own under the system's temporary folder,
/// removed when dropped.
#[cfg(unix)]
struct Scratch(std::path::PathBuf);

#[cfg(unix)]
impl Scratch {
    fn new() -> Scratch {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "segprep-prop-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("create a scratch folder");
        Scratch(dir)
    }
}

#[cfg(unix)]
impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(unix)]
proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn clean_parts_are_the_clean_file_cut(
        input in input(),
        opts in options(),
        chunk in 1usize..40,
        threads in 1usize..4,
        max_bytes in 1u64..80,
        max_values in 1u64..4,
    ) {
        let pipeline =
            opts.builder().threads(threads).chunk_bytes(chunk).build().unwrap();
        let run = pipeline.process(Input::from_bytes(input.to_vec(), "x"));
        let mut whole = Vec::new();
        run.write_clean(&mut whole, Order::FirstSeen).unwrap();
        let Ok(parts) = crate::workflow::split::plan(
            run.values().map(<[u8]>::len), max_bytes, max_values,
        ) else {
            return Ok(());
        };
        let scratch = Scratch::new();
        let paths: Vec<_> =
            (0..parts.len()).map(|i| scratch.0.join(format!("{i}"))).collect();
        let files: Vec<std::fs::File> = paths
            .iter()
            .map(|p| std::fs::File::create(p).unwrap())
            .collect();
        let cut: Vec<(&std::fs::File, u64)> =
            files.iter().zip(&parts).map(|(f, p)| (f, p.bytes)).collect();
        if parts.is_empty() {
            prop_assert!(whole.is_empty());
            prop_assert!(run.write_clean_files(&cut).is_ok());
            return Ok(());
        }
        run.write_clean_files(&cut).unwrap();
        let mut joined = Vec::new();
        for (path, part) in paths.iter().zip(&parts) {
            let bytes = std::fs::read(path).unwrap();
            prop_assert_eq!(bytes.len() as u64, part.bytes);
            prop_assert!(bytes.ends_with(b"\n"));
            joined.extend(bytes);
        }
        prop_assert_eq!(joined, whole);
        // Sizes that do not add up are refused, never written past.
        let mut short = cut.clone();
        short[0].1 += 1;
        prop_assert!(run.write_clean_files(&short).is_err());
    }
}
