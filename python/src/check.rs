//! `check`: the document of `segprep check --format json`.

use std::collections::HashMap;
use std::convert::Infallible;

use segprep::{
    CheckReport, Diagnostic, Error, Finding, InputBuilder, Kept, Pipeline,
    Rule, RunOptions, Sink, Stats,
};

use crate::engine::{self, Source};

/// Runs `check` and returns the report as JSON.
pub fn run(
    pipeline: &Pipeline,
    input: &InputBuilder,
    options: &RunOptions,
    source: &Source<'_>,
    max_diagnostics: u64,
) -> Result<String, Error> {
    let input = engine::open(source, input)?;
    let run = engine::process(pipeline, input)?;
    let mut stats = run.stats().clone();
    // The delimiter the run used: the one auto picked.
    stats.options =
        Some(RunOptions { delimiter: run.delimiter(), ..options.clone() });
    let mut sink = Diagnostics::new(&stats, max_diagnostics);
    let Ok(()) = run.emit(&mut sink);
    let report = CheckReport::new(&stats, sink.list);
    Ok(serde_json::to_string(&report).expect("a report serializes"))
}

/// Collects at most `max` findings per rule (0: all), in line order, and
/// asks for no more rows once every rule has shown its share, as
/// `--max-diagnostics` does.
struct Diagnostics {
    max: u64,
    /// Per rule: findings to show (its count in the statistics, capped)
    /// and findings received.
    rules: HashMap<Rule, (u64, u64)>,
    /// Rules with findings still to show.
    open: usize,
    list: Vec<Diagnostic>,
}

impl Diagnostics {
    fn new(stats: &Stats, max: u64) -> Diagnostics {
        let cap = |n: u64| if max == 0 { n } else { n.min(max) };
        let count = |rule| match rule {
            Rule::Fix(fix) => stats.fixed(fix),
            Rule::Reject(reject) => stats.rejected(reject),
            Rule::Duplicate => stats.duplicates,
            Rule::Header => u64::from(stats.header.is_some()),
        };
        let rules: HashMap<Rule, (u64, u64)> =
            Rule::all().map(|rule| (rule, (cap(count(rule)), 0))).collect();
        let open = rules.values().filter(|(show, _)| *show > 0).count();
        Diagnostics { max, rules, open, list: Vec::new() }
    }

    fn finding(&mut self, finding: &Finding<'_>) {
        let (show, received) =
            self.rules.entry(finding.rule()).or_insert((0, 0));
        *received += 1;
        if *received == *show {
            self.open -= 1;
        }
        if self.max != 0 && *received > self.max {
            return;
        }
        self.list.push(Diagnostic::new(finding));
    }
}

impl Sink for Diagnostics {
    type Error = Infallible;

    fn kept(&mut self, row: &Kept<'_>) -> Result<(), Infallible> {
        for finding in row.findings() {
            self.finding(&finding);
        }
        Ok(())
    }

    fn dropped(&mut self, finding: &Finding<'_>) -> Result<(), Infallible> {
        self.finding(finding);
        Ok(())
    }

    fn unchanged_rows(&self) -> bool {
        false
    }

    fn wants_more(&self) -> bool {
        self.open > 0
    }
}
