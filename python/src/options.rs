//! The pipeline options, as keyword arguments: the command line's long
//! options in snake case, with its defaults.

use std::str::FromStr;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyInt, PyString};
use segprep::{
    AttributeType, Case, Column, Delimiter, Encoding, HeaderMode, IdType,
    InputBuilder, Pipeline, PipelineBuilder, RunOptions,
};

/// Every option `build` takes, in the order of `segprep check --help`
/// (less `no_mmap`: the package never maps a file).
pub const NAMES: [&str; 16] = [
    "id_type",
    "attribute_type",
    "case",
    "header",
    "attribute_name",
    "column",
    "delimiter",
    "default_region",
    "allow_chars",
    "deny_chars",
    "ascii_only",
    "max_value_len",
    "max_bytes",
    "max_input_bytes",
    "encoding",
    "threads",
];

/// A pipeline and the options it does not tell.
pub struct Built {
    pub pipeline: Pipeline,
    /// How files and bytes are read: `encoding`, `max_input_bytes`.
    pub input: InputBuilder,
    /// The options as the JSON documents echo them (`"options"`), with
    /// `max_bytes`, which also limits the clean file.
    pub options: RunOptions,
    /// Why `normalize` cannot take these options, if it cannot: they
    /// need a file's rows.
    pub not_for_values: Option<String>,
}

/// Builds the pipeline of `options`.
///
/// # Errors
///
/// `ValueError` for an unknown option, a value of the wrong type or
/// spelling, and options that contradict each other.
pub fn build(options: &Bound<'_, PyDict>) -> PyResult<Built> {
    let mut builder = PipelineBuilder::new();
    let mut input = InputBuilder::new();
    let mut not_for_values = None;
    // The command line's defaults; `case` is resolved once the id type
    // is known.
    let mut case = None;
    let mut echo = RunOptions {
        id_type: IdType::String,
        attribute_type: AttributeType::String,
        case: Case::Keep,
        header: HeaderMode::Auto,
        attribute_name: None,
        column: None,
        delimiter: Delimiter::default(),
        default_region: None,
        allow_chars: String::new(),
        deny_chars: String::new(),
        ascii_only: false,
        max_value_len: segprep::DEFAULT_MAX_VALUE_LEN as u64,
        max_bytes: segprep::DEFAULT_MAX_BYTES,
        max_input_bytes: segprep::DEFAULT_MAX_INPUT_BYTES,
        encoding: Encoding::Auto,
    };
    for (key, value) in options.iter() {
        let key: String = key.extract()?;
        // `None` leaves the default, as leaving the option out does.
        if value.is_none() {
            continue;
        }
        let bad = |expected: &str| {
            PyValueError::new_err(format!(
                "{key}: expected {expected}, got {}",
                type_name(&value)
            ))
        };
        match key.as_str() {
            "id_type" => {
                echo.id_type = named(&key, &value)?;
                builder.id_type(echo.id_type)
            }
            "attribute_type" => {
                echo.attribute_type = named(&key, &value)?;
                builder.attribute_type(echo.attribute_type)
            }
            "case" => {
                case = Some(named::<Case>(&key, &value)?);
                builder.case(case)
            }
            "header" => {
                echo.header = named(&key, &value)?;
                builder.header(echo.header)
            }
            "attribute_name" => {
                echo.attribute_name =
                    Some(text(&value).ok_or_else(|| bad("a str"))?);
                builder.attribute_name(echo.attribute_name.clone())
            }
            "column" => {
                let column = column(&key, &value)?;
                if let Column::Name(_) = column {
                    not_for_values = Some(
                        "column: a column name is looked up in a file's \
                         header row; normalize takes values (give the \
                         column's number)"
                            .to_string(),
                    );
                }
                echo.column = Some(column.clone());
                builder.column(Some(column))
            }
            "delimiter" => {
                let delimiter: Delimiter = parsed(&key, &value, "a str")?;
                if delimiter == Delimiter::Auto {
                    not_for_values = Some(
                        "delimiter: auto looks at a file's first rows; \
                         normalize takes values (give the character)"
                            .to_string(),
                    );
                }
                echo.delimiter = delimiter;
                builder.delimiter(delimiter)
            }
            "default_region" => {
                echo.default_region =
                    Some(text(&value).ok_or_else(|| bad("a str"))?);
                builder.default_region(echo.default_region.as_deref())
            }
            "allow_chars" => {
                echo.allow_chars = text(&value).ok_or_else(|| bad("a str"))?;
                builder.allow_chars(&echo.allow_chars)
            }
            "deny_chars" => {
                echo.deny_chars = text(&value).ok_or_else(|| bad("a str"))?;
                builder.deny_chars(&echo.deny_chars)
            }
            "ascii_only" => {
                let yes = value.cast::<PyBool>().map_err(|_| bad("a bool"))?;
                echo.ascii_only = yes.is_true();
                builder.ascii_only(echo.ascii_only)
            }
            "max_value_len" => {
                let len: usize = count(&key, &value)?;
                echo.max_value_len = len as u64;
                builder.max_value_len(len)
            }
            "max_bytes" => {
                echo.max_bytes = count(&key, &value)?;
                builder.max_bytes(echo.max_bytes)
            }
            "max_input_bytes" => {
                echo.max_input_bytes = count(&key, &value)?;
                input.max_input_bytes(echo.max_input_bytes);
                &mut builder
            }
            "encoding" => {
                echo.encoding = named::<Encoding>(&key, &value)?;
                input.encoding(echo.encoding);
                &mut builder
            }
            "threads" => builder.threads(count(&key, &value)?),
            _ => {
                return Err(PyValueError::new_err(format!(
                    "unknown option '{key}' (segprep's options: {})",
                    NAMES.join(", ")
                )));
            }
        };
    }
    // As the command line resolves it: the id type's case unless given.
    echo.case = case.unwrap_or(echo.id_type.default_case());
    let pipeline = builder
        .build()
        .map_err(|err| PyValueError::new_err(err.to_string()))?;
    Ok(Built { pipeline, input, options: echo, not_for_values })
}

fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .map_or_else(|_| "?".to_string(), |name| name.to_string())
}

fn text(value: &Bound<'_, PyAny>) -> Option<String> {
    value.cast::<PyString>().ok()?.to_str().ok().map(str::to_string)
}

/// A named value (`"gaid"`), parsed as the command line parses it.
fn named<T>(key: &str, value: &Bound<'_, PyAny>) -> PyResult<T>
where
    T: FromStr<Err = String> + Names,
{
    let Some(name) = text(value) else {
        return Err(PyValueError::new_err(format!(
            "{key}: expected one of {}, got {}",
            T::NAMES.join(", "),
            type_name(value)
        )));
    };
    name.parse::<T>()
        .map_err(|message| PyValueError::new_err(format!("{key}: {message}")))
}

/// A `str` parsed as the command line parses it; anything else is not
/// `expected`.
fn parsed<T: FromStr<Err = String>>(
    key: &str,
    value: &Bound<'_, PyAny>,
    expected: &str,
) -> PyResult<T> {
    let Some(text) = text(value) else {
        return Err(PyValueError::new_err(format!(
            "{key}: expected {expected}, got {}",
            type_name(value)
        )));
    };
    text.parse::<T>()
        .map_err(|message| PyValueError::new_err(format!("{key}: {message}")))
}

/// `column`: a number from 1 as an `int`, or a `str` as `--column`
/// takes it (digits are a number, anything else a header name).
fn column(key: &str, value: &Bound<'_, PyAny>) -> PyResult<Column> {
    if !value.is_instance_of::<PyInt>() || value.is_instance_of::<PyBool>() {
        return parsed(key, value, "an int or a str");
    }
    let message = match value.extract::<u64>() {
        Ok(n) if n >= 1 => match usize::try_from(n) {
            Ok(n) => return Ok(Column::Number(n)),
            Err(_) => format!("column {n} is too large"),
        },
        // As the command line says of `--column 0`.
        Ok(0) => "columns are numbered from 1".to_string(),
        _ => format!("expected a number from 1, got {}", repr(value)),
    };
    Err(PyValueError::new_err(format!("{key}: {message}")))
}

fn repr(value: &Bound<'_, PyAny>) -> String {
    value.repr().map_or_else(|_| "?".to_string(), |r| r.to_string())
}

/// A non-negative integer that fits `T` (a bool is not one).
fn count<T: TryFrom<u64>>(key: &str, value: &Bound<'_, PyAny>) -> PyResult<T> {
    let bad = || {
        PyValueError::new_err(format!(
            "{key}: expected a non-negative int, got {}",
            repr(value)
        ))
    };
    if value.is_instance_of::<PyBool>() || !value.is_instance_of::<PyInt>() {
        return Err(bad());
    }
    let n: u64 = value.extract().map_err(|_| bad())?;
    T::try_from(n).map_err(|_| bad())
}

/// The accepted names of an option's values.
trait Names {
    const NAMES: &'static [&'static str];
}

impl Names for IdType {
    const NAMES: &'static [&'static str] = IdType::NAMES;
}

impl Names for AttributeType {
    const NAMES: &'static [&'static str] = AttributeType::NAMES;
}

impl Names for Case {
    const NAMES: &'static [&'static str] = Case::NAMES;
}

impl Names for HeaderMode {
    const NAMES: &'static [&'static str] = HeaderMode::NAMES;
}

impl Names for Encoding {
    const NAMES: &'static [&'static str] = Encoding::NAMES;
}
