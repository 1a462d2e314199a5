//! An upload service's handler, as the README's Library section shows it:
//! bytes in; the clean file, the rejects file and the statistics out;
//! errors with `?`. A second function reports findings through a sink of
//! two closures.
//!
//! `cargo run --example service`

use segprep::{sinks, Error, IdType, Input, Order, PipelineBuilder, Stats};

/// What the service keeps of one upload.
pub struct Cleaned {
    pub clean: Vec<u8>,
    pub rejects: Vec<u8>,
    pub stats: Stats,
}

/// Checks and cleans one upload of advertising ids.
pub fn clean_upload(bytes: Vec<u8>, name: &str) -> Result<Cleaned, Error> {
    let pipeline = PipelineBuilder::new().id_type(IdType::Gaid).build()?;
    // Decoded as a file would be: gzip is read, UTF-16 refused.
    let run = pipeline.process(Input::decode(bytes, name)?);
    let mut clean = Vec::new();
    // Refuses a clean file over the platform's 150 MB before writing.
    run.write_clean(&mut clean, Order::FirstSeen)?;
    let mut rejects = Vec::new();
    run.write_rejects(&mut rejects)?;
    Ok(Cleaned { clean, rejects, stats: run.stats().clone() })
}

/// The line and rule of every dropped row, through a closure sink.
pub fn dropped_lines(bytes: Vec<u8>) -> Result<Vec<(u64, String)>, Error> {
    let pipeline = PipelineBuilder::new().id_type(IdType::Gaid).build()?;
    let run = pipeline.process(Input::decode(bytes, "upload.csv")?);
    let mut dropped = Vec::new();
    run.emit(sinks::from_fns(
        |_kept| Ok::<(), Error>(()),
        |finding| {
            dropped.push((finding.line, finding.rule().to_string()));
            Ok(())
        },
    ))?;
    Ok(dropped)
}

fn main() -> Result<(), Error> {
    let upload = b"gaid\r\n\
        38400000-8CF0-11BD-B23E-10B96E40000D\r\n\
        38400000-8cf0-11bd-b23e-10b96e40000d\r\n\
        00000000-0000-0000-0000-000000000000\r\n";
    let cleaned = clean_upload(upload.to_vec(), "upload.csv")?;
    assert_eq!(cleaned.clean, b"38400000-8cf0-11bd-b23e-10b96e40000d\n");
    assert_eq!(cleaned.stats.values_found, 4);
    assert_eq!(cleaned.stats.values_processed, 1);
    assert!(cleaned.rejects.starts_with(b"line,rule,detail,raw\n"));
    print!("{}", String::from_utf8_lossy(&cleaned.rejects));

    let dropped = dropped_lines(upload.to_vec())?;
    let rules: Vec<&str> = dropped.iter().map(|(_, r)| r.as_str()).collect();
    assert_eq!(rules, ["header", "duplicate", "zero-ad-id"]);
    Ok(())
}

#[cfg(test)]
mod tests {
    /// `cargo test` runs the example as the README shows it.
    #[test]
    fn the_readme_example_runs() {
        super::main().expect("the example's upload is cleaned");
    }
}
