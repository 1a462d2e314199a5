//! `normalize`: steps 2 to 10 over a column of values, for engines that
//! hand over a batch at a time (Polars, DuckDB, Spark).
//!
//! Values are borrowed from Python while the GIL is released; the kept
//! values land in one buffer, and a code per value says which rule
//! dropped it (0: kept, else 1 + `Reject::index`).

use pyo3::buffer::PyUntypedBuffer;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple};
use segprep::{Pipeline, Reject};

/// Batches at least this long are cut into one piece per thread: below
/// it, starting threads costs more than it saves.
const PARALLEL_MIN: usize = 1 << 16;

/// One value to normalize.
#[derive(Clone, Copy)]
enum Item<'a> {
    /// A null: no value, as an empty row of a file.
    Null,
    /// The value's bytes.
    Bytes(&'a [u8]),
    /// A `str` that is not Unicode text (lone surrogates).
    NotUtf8,
}

/// The result for a batch.
#[derive(Default)]
struct Normalized {
    /// The kept values, one after the other.
    data: Vec<u8>,
    /// Where each value ends in `data` (a dropped one is empty).
    ends: Vec<usize>,
    /// Per value: 0 when kept, else 1 + `Reject::index`.
    codes: Vec<u8>,
}

fn code(reject: Reject) -> u8 {
    1 + reject.index() as u8
}

/// Normalizes `items` on up to `pipeline.threads()` threads.
fn run<'a>(
    pipeline: &Pipeline,
    items: &(dyn Fn(usize) -> Item<'a> + Sync),
    n: usize,
) -> Normalized {
    let threads = pipeline.threads().min(n / PARALLEL_MIN).max(1);
    if threads == 1 {
        return run_range(pipeline, items, 0..n);
    }
    let step = n.div_ceil(threads);
    let parts: Vec<Normalized> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..n)
            .step_by(step)
            .map(|start| {
                let end = (start + step).min(n);
                scope.spawn(move || run_range(pipeline, items, start..end))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("normalize does not panic"))
            .collect()
    });
    let mut all = Normalized {
        data: Vec::with_capacity(parts.iter().map(|p| p.data.len()).sum()),
        ends: Vec::with_capacity(n),
        codes: Vec::with_capacity(n),
    };
    for part in parts {
        let base = all.data.len();
        all.data.extend_from_slice(&part.data);
        all.ends.extend(part.ends.iter().map(|end| base + end));
        all.codes.extend_from_slice(&part.codes);
    }
    all
}

fn run_range<'a>(
    pipeline: &Pipeline,
    items: &(dyn Fn(usize) -> Item<'a> + Sync),
    range: std::ops::Range<usize>,
) -> Normalized {
    let mut out = Normalized {
        data: Vec::new(),
        ends: Vec::with_capacity(range.len()),
        codes: Vec::with_capacity(range.len()),
    };
    for i in range {
        let code = match items(i) {
            Item::Null => code(Reject::EmptyRow),
            Item::NotUtf8 => code(Reject::InvalidUtf8),
            Item::Bytes(raw) => match pipeline.normalize(raw, &mut out.data) {
                Ok(_) => 0,
                Err(reject) => code(reject),
            },
        };
        out.codes.push(code);
        out.ends.push(out.data.len());
    }
    out
}

/// Normalizes a list of `str`, `bytes` or `None`; returns the values
/// (`None` where dropped) and the rules (`None` where kept), as lists.
pub fn list<'py>(
    pipeline: &Pipeline,
    values: &Bound<'py, PyList>,
) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    let py = values.py();
    // Strong references, so that the values outlive any change to the
    // list while the GIL is released.
    let objects: Vec<Bound<'py, PyAny>> = values.iter().collect();
    let mut items = Vec::with_capacity(objects.len());
    for (i, object) in objects.iter().enumerate() {
        let item = if object.is_none() {
            Item::Null
        } else if let Ok(text) = object.cast::<PyString>() {
            text.to_str().map_or(Item::NotUtf8, |s| Item::Bytes(s.as_bytes()))
        } else if let Ok(bytes) = object.cast::<PyBytes>() {
            Item::Bytes(bytes.as_bytes())
        } else {
            let type_name = object.get_type().name()?;
            return Err(PyTypeError::new_err(format!(
                "normalize takes str, bytes or None values; value {i} is \
                 {type_name}"
            )));
        };
        items.push(item);
    }
    let n = items.len();
    let done = py.detach(|| run(pipeline, &|i| items[i], n));
    let names: Vec<Bound<'py, PyString>> =
        Reject::ALL.iter().map(|r| PyString::intern(py, r.name())).collect();
    let mut start = 0;
    let mut kept = Vec::with_capacity(n);
    for &end in &done.ends {
        let value = &done.data[start..end];
        start = end;
        kept.push(std::str::from_utf8(value).map_err(|e| {
            PyValueError::new_err(format!("a kept value is not UTF-8: {e}"))
        })?);
    }
    let out_values = PyList::new(
        py,
        kept.iter().zip(&done.codes).map(|(value, &code)| {
            (code == 0).then(|| PyString::new(py, value))
        }),
    )?;
    let rules = PyList::new(
        py,
        done.codes
            .iter()
            .map(|&code| code.checked_sub(1).map(|i| &names[usize::from(i)])),
    )?;
    Ok((out_values.into_any(), rules.into_any()))
}

/// An Arrow `string` (32-bit offsets) or `large_string` (64-bit) array,
/// by its buffers, as `pyarrow.Array.buffers()` gives them.
pub struct ArrowStrings<'a, 'py> {
    pub validity: Option<&'a Bound<'py, PyAny>>,
    pub offsets: &'a Bound<'py, PyAny>,
    pub data: &'a Bound<'py, PyAny>,
    /// The array's offset into its buffers (for slices).
    pub offset: usize,
    pub length: usize,
    /// 64-bit offsets.
    pub large: bool,
}

/// A contiguous buffer of an Arrow array, and its bytes.
struct Bytes {
    view: PyUntypedBuffer,
}

impl Bytes {
    fn get(object: &Bound<'_, PyAny>, what: &str) -> PyResult<Bytes> {
        let view = PyUntypedBuffer::get(object)?;
        if !view.is_c_contiguous() {
            return Err(PyValueError::new_err(format!(
                "the {what} buffer is not contiguous"
            )));
        }
        Ok(Bytes { view })
    }

    fn slice(&self) -> &[u8] {
        let len = self.view.len_bytes();
        if len == 0 {
            return &[];
        }
        // SAFETY: the exporter keeps these `len` contiguous bytes alive
        // and in place until the view is released, when `self` is
        // dropped. Nothing writes them meanwhile: they belong to an Arrow
        // array, and Arrow never changes an array once built (pyarrow
        // still exports its buffers as writable, so the flag cannot
        // tell).
        unsafe {
            std::slice::from_raw_parts(self.view.buf_ptr() as *const u8, len)
        }
    }
}

/// Normalizes an Arrow string array. Returns `(validity, offsets, data,
/// codes, null_count, large)`: the buffers of the values array (validity
/// `None` when nothing was dropped; `large` when its offsets are 64-bit,
/// because the values outgrew 32-bit ones), and one `uint8` code per
/// value.
pub fn arrow<'py>(
    py: Python<'py>,
    pipeline: &Pipeline,
    array: &ArrowStrings<'_, 'py>,
) -> PyResult<Bound<'py, PyTuple>> {
    let validity =
        array.validity.map(|v| Bytes::get(v, "validity")).transpose()?;
    let offsets = Bytes::get(array.offsets, "offsets")?;
    let data = Bytes::get(array.data, "data")?;
    let (offset, n) = (array.offset, array.length);
    let width = if array.large { 8 } else { 4 };
    let validity = validity.as_ref().map(Bytes::slice);
    let (offsets, data) = (offsets.slice(), data.slice());
    let bad = |what: &str| {
        PyValueError::new_err(format!(
            "not a valid Arrow string array: {what}"
        ))
    };
    let end = offset.checked_add(n).ok_or_else(|| bad("length"))?;
    if offsets.len() < (end + 1) * width {
        return Err(bad("the offsets buffer is too short"));
    }
    if validity.is_some_and(|v| v.len() < end.div_ceil(8)) {
        return Err(bad("the validity buffer is too short"));
    }
    let at =
        |i: usize| -> usize {
            let bytes = &offsets[i * width..][..width];
            match width {
                8 => i64::from_le_bytes(bytes.try_into().expect("8 bytes"))
                    as usize,
                _ => i32::from_le_bytes(bytes.try_into().expect("4 bytes"))
                    as usize,
            }
        };
    // Checked once, so that reading each value cannot go out of bounds.
    let sound = (offset..end).all(|i| at(i) <= at(i + 1))
        && (n == 0 || at(end) <= data.len());
    if !sound {
        return Err(bad("offsets out of order or past the data"));
    }
    let item = |i: usize| -> Item<'_> {
        let j = offset + i;
        match validity {
            Some(bits) if bits[j / 8] >> (j % 8) & 1 == 0 => Item::Null,
            _ => Item::Bytes(&data[at(j)..at(j + 1)]),
        }
    };
    let done = py.detach(|| run(pipeline, &item, n));
    let nulls = done.codes.iter().filter(|&&c| c != 0).count();
    let validity = (nulls > 0).then(|| {
        let mut bits = vec![0u8; n.div_ceil(8)];
        for (i, _) in done.codes.iter().enumerate().filter(|(_, &c)| c == 0) {
            bits[i / 8] |= 1 << (i % 8);
        }
        PyBytes::new(py, &bits)
    });
    let large = array.large || i32::try_from(done.data.len()).is_err();
    let mut out_offsets =
        Vec::with_capacity((n + 1) * if large { 8 } else { 4 });
    for end in std::iter::once(0).chain(done.ends.iter().copied()) {
        if large {
            out_offsets.extend_from_slice(&(end as i64).to_le_bytes());
        } else {
            out_offsets.extend_from_slice(&(end as i32).to_le_bytes());
        }
    }
    (
        validity,
        PyBytes::new(py, &out_offsets),
        PyBytes::new(py, &done.data),
        PyBytes::new(py, &done.codes),
        nulls,
        large,
    )
        .into_pyobject(py)
}
