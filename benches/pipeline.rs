//! Criterion benches: the pipeline by id type, dedupe's worst case, and the
//! whole run at one thread and at all cores. Inputs come from the seeded
//! generator in `workload.rs`; every iteration checks its count and its
//! clean file's bytes against a one-thread reference run, so a fast wrong
//! answer fails.
//!
//! `SEGPREP_BENCH_BYTES` sets the input size (default 16 MB; the
//! comparison script uses the full 150 MB files).

#[path = "workload.rs"]
mod workload;

use criterion::{
    criterion_group, criterion_main, BenchmarkId, Criterion, Throughput,
};
use std::sync::Arc;

use segprep::{AttributeType, Case, IdType, Input, Order, PipelineBuilder};

fn bench_bytes() -> usize {
    std::env::var("SEGPREP_BENCH_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(16_000_000)
}

/// What a run wrote: the number of values and the clean file's bytes.
struct Written {
    values: u64,
    clean: Vec<u8>,
}

/// Processes `input` and writes the clean file to memory.
/// The input is shared, as a service holding a file in memory shares it:
/// the run takes no copy.
fn clean(builder: &PipelineBuilder, input: &Arc<Input>) -> Written {
    let pipeline = builder.build().unwrap();
    let run = pipeline.process(Arc::clone(input));
    let mut out = Vec::with_capacity(input.as_bytes().len());
    run.write_clean(&mut out, Order::FirstSeen).unwrap();
    assert!(run.stats().is_balanced());
    assert_eq!(run.stats().clean_bytes, out.len() as u64);
    Written { values: run.stats().values_processed, clean: out }
}

/// Asserts that a run wrote exactly what the reference run wrote: the
/// same count and the same bytes (compared in full, not printed).
fn assert_same(got: &Written, expected: &Written) {
    assert_eq!(got.values, expected.values);
    assert_eq!(got.clean.len(), expected.clean.len());
    assert!(got.clean == expected.clean, "the clean files differ");
}

fn define(
    c: &mut Criterion,
    group: &str,
    name: &str,
    input: &[u8],
    builder: PipelineBuilder,
) {
    // The reference answer comes from a one-thread run of the same
    // options, not from the builder being measured: results must be
    // byte-identical for every thread count.
    let input = Arc::new(Input::from_bytes(input.to_vec(), "bench"));
    let expected = clean(builder.clone().threads(1), &input);
    assert!(expected.values > 0);
    let mut g = c.benchmark_group(group);
    g.throughput(Throughput::Bytes(input.as_bytes().len() as u64));
    g.sample_size(10);
    g.bench_with_input(
        BenchmarkId::from_parameter(name),
        &input,
        |b, input| b.iter(|| assert_same(&clean(&builder, input), &expected)),
    );
    g.finish();
}

fn by_id_type(c: &mut Criterion) {
    let bytes = bench_bytes();
    let gaids = workload::gaid_bytes(bytes);
    let emails = workload::emails_bytes(bytes);
    let numbers: Vec<u8> = (0..bytes / 12)
        .flat_map(|i| {
            format!("{}\n", workload::mix64(i as u64) >> 24).into_bytes()
        })
        .collect();
    let phones: Vec<u8> = (0..bytes / 16)
        .flat_map(|i| {
            let n = workload::mix64(i as u64) % 10_000_000_000;
            format!("+1 ({:03}) {:07}\n", n / 10_000_000, n % 10_000_000)
                .into_bytes()
        })
        .collect();
    let mut b = PipelineBuilder::new();
    b.threads(1);
    define(c, "normalize", "string", &gaids, b.clone());
    define(
        c,
        "normalize",
        "gaid",
        &gaids,
        b.clone().id_type(IdType::Gaid).clone(),
    );
    define(
        c,
        "normalize",
        "email-lower",
        &emails,
        b.clone().id_type(IdType::Email).case(Some(Case::Lower)).clone(),
    );
    define(
        c,
        "normalize",
        "phone",
        &phones,
        b.clone().id_type(IdType::Phone).clone(),
    );
    define(
        c,
        "normalize",
        "double",
        &numbers,
        b.clone().attribute_type(AttributeType::Double).clone(),
    );
}

fn dedupe(c: &mut Criterion) {
    let unique = workload::unique_bytes(bench_bytes());
    let mut b = PipelineBuilder::new();
    b.id_type(IdType::Gaid).threads(1);
    define(c, "dedupe", "unique-threads-1", &unique, b.clone());
    define(c, "dedupe", "unique-threads-all", &unique, b.threads(0).clone());
}

fn end_to_end(c: &mut Criterion) {
    let gaids = workload::gaid_bytes(bench_bytes());
    let mut b = PipelineBuilder::new();
    b.id_type(IdType::Gaid);
    define(
        c,
        "end_to_end",
        "gaid-threads-1",
        &gaids,
        b.clone().threads(1).clone(),
    );
    define(c, "end_to_end", "gaid-threads-all", &gaids, b.threads(0).clone());
}

criterion_group!(benches, by_id_type, dedupe, end_to_end);
criterion_main!(benches);
