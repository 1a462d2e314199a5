//! `clean`: the clean file and the rejects file, each complete or not
//! written at all, and the statistics `clean --stats` writes.

use std::io::BufWriter;
use std::path::PathBuf;

use segprep::{
    Error, ErrorKind, InputBuilder, Pipeline, RunOptions, StatsFile,
};

use crate::engine::{self, Source};
use crate::output::{refuse_input, same_file, AtomicFile};

/// The outputs of a run.
pub struct Paths {
    pub output: PathBuf,
    pub rejects: Option<PathBuf>,
}

/// Runs `clean` and returns the statistics as JSON.
pub fn run(
    pipeline: &Pipeline,
    input: &InputBuilder,
    options: &RunOptions,
    source: &Source<'_>,
    paths: &Paths,
    sort: bool,
) -> Result<String, Error> {
    let outputs: Vec<&PathBuf> =
        std::iter::once(&paths.output).chain(&paths.rejects).collect();
    for output in &outputs {
        if let Some(input) = source.path() {
            refuse_input(output, input)?;
        }
    }
    if let [a, b] = outputs[..] {
        if a == b || same_file(a, b) {
            return Err(Error::from(ErrorKind::Config(format!(
                "{} is named as two outputs",
                a.display()
            ))));
        }
    }
    let input = engine::open(source, input)?;
    let run = engine::process(pipeline, input)?;
    run.check_clean_size().map_err(|e| e.with_path(&paths.output))?;
    let mut stats = run.stats().clone();
    // The delimiter the run used: the one auto picked.
    stats.options =
        Some(RunOptions { delimiter: run.delimiter(), ..options.clone() });
    let max_bytes = options.max_bytes;
    // The command line's warning, so that the statistics are its own.
    if stats.content_bytes() > max_bytes {
        stats.warnings.push(format!(
            "the input is {} bytes, over --max-bytes {max_bytes}; the clean \
             file fits",
            stats.content_bytes()
        ));
    }
    // Every file is created before any is written, so that a bad path
    // fails before anything is written anywhere.
    let out = AtomicFile::create(&paths.output)?;
    let rejects = paths.rejects.as_deref().map(AtomicFile::create);
    let rejects = rejects.transpose()?;
    engine::write_clean(&run, out.file(), sort)
        .map_err(|e| e.with_path(&paths.output))?;
    if let Some(file) = &rejects {
        let writer = BufWriter::with_capacity(1 << 20, file.file());
        run.write_rejects(writer).map_err(|e| e.with_path(file.target()))?;
    }
    for file in rejects.into_iter().chain([out]) {
        file.commit()?;
    }
    let report = StatsFile {
        stats,
        output: Some(paths.output.display().to_string()),
        parts: None,
    };
    Ok(serde_json::to_string(&report).expect("statistics serialize"))
}
