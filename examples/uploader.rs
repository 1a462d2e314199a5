//! How an upload service links segprep: validate a segment file, clean it
//! into a buffer, read the statistics, and decide whether to upload.
//!
//! `cargo run --example uploader -- examples/sample.csv`

use std::process::ExitCode;

use segprep::sinks::Collect;
use segprep::{IdType, Input, MmapChoice, Order, PipelineBuilder, Reject};

fn main() -> ExitCode {
    let path = std::env::args().nth(1).unwrap_or("examples/sample.csv".into());
    match run(&path) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("uploader: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run(path: &str) -> Result<(), Box<dyn std::error::Error>> {
    // Build the rules once; the pipeline is reusable and thread-safe.
    let pipeline = PipelineBuilder::new().id_type(IdType::Gaid).build()?;

    // Read the file (a library never maps files unless asked to). The run
    // owns it from here on.
    let input = Input::open(path.as_ref(), MmapChoice::never())?;
    let run = pipeline.process(input);

    // The clean file, ready to put where the platform downloads it.
    let mut clean = Vec::new();
    run.write_clean(&mut clean, Order::FirstSeen)?;

    // Every dropped row with its reason, in line order.
    let mut rows = Collect::default();
    run.emit(&mut rows)?;

    let stats = run.stats();
    println!(
        "{}: {} rows, {} values to upload ({} bytes), {} duplicates",
        stats.input,
        stats.values_found,
        stats.values_processed,
        clean.len(),
        stats.duplicates
    );
    for row in &rows.dropped {
        println!("  line {}: {}", row.line, row.rule);
    }
    // A policy of this service: zero ad ids mean a broken export upstream.
    if stats.rejected(Reject::ZeroAdId) > 0 {
        println!("refusing to upload: the export has zero ad ids");
    } else {
        println!("uploading {} bytes", clean.len());
    }
    Ok(())
}
