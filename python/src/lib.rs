//! `segprep._native`: the engine behind the `segprep` Python package.
//!
//! The Python side (`segprep/__init__.py`) names the options, turns
//! paths and frames into what this module takes, and wraps the JSON
//! documents it returns in `Stats` and `Report`. Everything that reads
//! rows runs here with the GIL released.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

mod check;
mod clean;
mod engine;
mod errors;
mod normalize;
mod options;
mod output;

/// A compiled set of options: `segprep`'s `Pipeline`.
#[pyclass(module = "segprep._native", frozen)]
struct Pipeline {
    inner: segprep::Pipeline,
    input: segprep::InputBuilder,
    /// What the documents echo as `"options"`.
    options: segprep::RunOptions,
    not_for_values: Option<String>,
}

#[pymethods]
impl Pipeline {
    /// Builds the pipeline of `options`, a dict of the command line's
    /// long options in snake case.
    #[new]
    fn new(options: &Bound<'_, pyo3::types::PyDict>) -> PyResult<Self> {
        let built = options::build(options)?;
        Ok(Pipeline {
            inner: built.pipeline,
            input: built.input,
            options: built.options,
            not_for_values: built.not_for_values,
        })
    }

    /// `segprep check`: the JSON document of `--format json`.
    #[pyo3(signature = (source, max_diagnostics))]
    fn check(
        &self,
        py: Python<'_>,
        source: &Bound<'_, PyAny>,
        max_diagnostics: u64,
    ) -> PyResult<String> {
        let source = engine::Source::extract(source)?;
        let (pipeline, input) = (&self.inner, &self.input);
        let options = &self.options;
        py.detach(|| {
            check::run(pipeline, input, options, &source, max_diagnostics)
        })
        .map_err(errors::to_py)
    }

    /// `segprep clean`: writes the clean file (and the rejects file) and
    /// returns the statistics' JSON document.
    #[pyo3(signature = (source, output, rejects, sort))]
    fn clean(
        &self,
        py: Python<'_>,
        source: &Bound<'_, PyAny>,
        output: std::path::PathBuf,
        rejects: Option<std::path::PathBuf>,
        sort: bool,
    ) -> PyResult<String> {
        let source = engine::Source::extract(source)?;
        let (pipeline, input) = (&self.inner, &self.input);
        let paths = clean::Paths { output, rejects };
        let options = &self.options;
        py.detach(|| {
            clean::run(pipeline, input, options, &source, &paths, sort)
        })
        .map_err(errors::to_py)
    }

    /// Normalizes a list of `str`, `bytes` or `None`: returns the values
    /// (`None` where dropped) and the rules (`None` where kept).
    fn normalize_list<'py>(
        &self,
        values: &Bound<'py, pyo3::types::PyList>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        self.for_values()?;
        normalize::list(&self.inner, values)
    }

    /// Normalizes the strings of an Arrow `string` or `large_string`
    /// array given by its buffers; see `normalize::arrow`.
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (validity, offsets, data, offset, length, large))]
    fn normalize_arrow<'py>(
        &self,
        py: Python<'py>,
        validity: Option<&Bound<'py, PyAny>>,
        offsets: &Bound<'py, PyAny>,
        data: &Bound<'py, PyAny>,
        offset: usize,
        length: usize,
        large: bool,
    ) -> PyResult<Bound<'py, pyo3::types::PyTuple>> {
        self.for_values()?;
        let array = normalize::ArrowStrings {
            validity,
            offsets,
            data,
            offset,
            length,
            large,
        };
        normalize::arrow(py, &self.inner, &array)
    }
}

impl Pipeline {
    /// Refuses options that need a file's rows, for `normalize`.
    fn for_values(&self) -> PyResult<()> {
        match &self.not_for_values {
            Some(why) => Err(PyValueError::new_err(why.clone())),
            None => Ok(()),
        }
    }
}

/// Runs the `segprep` command line on `argv` (the program's name first)
/// and returns its exit status. For the package's `segprep` command,
/// which exits with it: on SIGINT or SIGTERM the command line removes
/// its temporary files and ends the process.
#[pyfunction]
fn main(py: Python<'_>, argv: Vec<std::ffi::OsString>) -> u8 {
    use std::io::Write;
    use std::process::ExitCode;

    let code = py.detach(|| segprep_cli::run(argv));
    // What the Rust runtime does after a binary's `main`.
    let _ = std::io::stdout().flush();
    // `ExitCode` shows its value only by comparison.
    (0..=u8::MAX).find(|&n| ExitCode::from(n) == code).unwrap_or(2)
}

/// The engine of the `segprep` package.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Pipeline>()?;
    m.add_function(wrap_pyfunction!(main, m)?)?;
    m.add_class::<normalize::Buffer>()?;
    let rules: Vec<&str> =
        segprep::Reject::ALL.iter().map(|r| r.name()).collect();
    m.add("REJECTS", pyo3::types::PyTuple::new(m.py(), rules)?)?;
    m.add("OPTIONS", pyo3::types::PyTuple::new(m.py(), options::NAMES)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
