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

/// A column of values to normalize.
trait Column: Sync {
    fn len(&self) -> usize;

    fn item(&self, i: usize) -> Item<'_>;

    /// About how many bytes the values hold, to size the output once.
    fn bytes(&self) -> usize;
}

impl Column for [Item<'_>] {
    fn len(&self) -> usize {
        <[Item]>::len(self)
    }

    fn item(&self, i: usize) -> Item<'_> {
        self[i]
    }

    fn bytes(&self) -> usize {
        self.iter()
            .map(|item| match item {
                Item::Bytes(bytes) => bytes.len(),
                _ => 0,
            })
            .sum()
    }
}

/// The result for a batch, laid out as an Arrow string array.
struct Normalized {
    /// The kept values, one after the other.
    data: Vec<u8>,
    /// Where each value starts and ends in `data`: `n + 1` offsets from
    /// 0 (a dropped value is empty).
    offsets: Vec<i64>,
    /// Per value: 0 when kept, else 1 + `Reject::index`.
    codes: Vec<u8>,
}

fn code(reject: Reject) -> u8 {
    1 + reject.index() as u8
}

/// Normalizes a column on the calling thread. Cutting a batch into one
/// piece per thread gained nothing measurable (a million GAIDs: 31 ms on
/// one thread, 35 on two): writing the output into fresh memory costs
/// about as much as the rules, and does not scale. Engines run batches
/// on several threads themselves, and the GIL is released meanwhile.
fn run<C: Column + ?Sized>(pipeline: &Pipeline, column: &C) -> Normalized {
    let n = column.len();
    let mut out = Normalized {
        data: Vec::with_capacity(column.bytes()),
        offsets: Vec::with_capacity(n + 1),
        codes: Vec::with_capacity(n),
    };
    out.offsets.push(0);
    for i in 0..n {
        let code = match column.item(i) {
            Item::Null => code(Reject::EmptyRow),
            Item::NotUtf8 => code(Reject::InvalidUtf8),
            Item::Bytes(raw) => match pipeline.normalize(raw, &mut out.data) {
                Ok(_) => 0,
                Err(reject) => code(reject),
            },
        };
        out.codes.push(code);
        out.offsets.push(out.data.len() as i64);
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
    let done = py.detach(|| run(pipeline, &items[..]));
    let names: Vec<Bound<'py, PyString>> =
        Reject::ALL.iter().map(|r| PyString::intern(py, r.name())).collect();
    let mut kept = Vec::with_capacity(n);
    for ends in done.offsets.windows(2) {
        let value = &done.data[ends[0] as usize..ends[1] as usize];
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

/// An Arrow string array's buffers, checked.
struct ArrowColumn<'a> {
    validity: Option<&'a [u8]>,
    offsets: &'a [u8],
    data: &'a [u8],
    offset: usize,
    length: usize,
    /// 8 for 64-bit offsets, else 4.
    width: usize,
}

impl<'a> ArrowColumn<'a> {
    /// Checks the buffers once, so that reading any value is in bounds.
    fn new(
        validity: Option<&'a [u8]>,
        offsets: &'a [u8],
        data: &'a [u8],
        array: &ArrowStrings<'_, '_>,
    ) -> PyResult<ArrowColumn<'a>> {
        let bad = |what: &str| {
            PyValueError::new_err(format!(
                "not a valid Arrow string array: {what}"
            ))
        };
        let column = ArrowColumn {
            validity,
            offsets,
            data,
            offset: array.offset,
            length: array.length,
            width: if array.large { 8 } else { 4 },
        };
        let end = array
            .offset
            .checked_add(array.length)
            .ok_or_else(|| bad("length"))?;
        if offsets.len() < (end + 1) * column.width {
            return Err(bad("the offsets buffer is too short"));
        }
        if validity.is_some_and(|v| v.len() < end.div_ceil(8)) {
            return Err(bad("the validity buffer is too short"));
        }
        let sound = (array.offset..end)
            .all(|i| column.at(i) <= column.at(i + 1))
            && column.at(end) <= data.len();
        if !sound {
            return Err(bad("offsets out of order or past the data"));
        }
        Ok(column)
    }

    /// Offset `i` of the buffer; a negative one reads as huge, and so
    /// fails the bounds check.
    fn at(&self, i: usize) -> usize {
        let bytes = &self.offsets[i * self.width..][..self.width];
        match self.width {
            8 => {
                i64::from_le_bytes(bytes.try_into().expect("8 bytes")) as usize
            }
            _ => {
                i32::from_le_bytes(bytes.try_into().expect("4 bytes")) as usize
            }
        }
    }
}

impl Column for ArrowColumn<'_> {
    fn len(&self) -> usize {
        self.length
    }

    fn item(&self, i: usize) -> Item<'_> {
        let j = self.offset + i;
        match self.validity {
            Some(bits) if bits[j / 8] >> (j % 8) & 1 == 0 => Item::Null,
            _ => Item::Bytes(&self.data[self.at(j)..self.at(j + 1)]),
        }
    }

    fn bytes(&self) -> usize {
        self.at(self.offset + self.length) - self.at(self.offset)
    }
}

/// Bytes made here, lent to Python through the buffer protocol, so that
/// pyarrow wraps them without a copy.
#[pyclass(module = "segprep._native", frozen)]
pub struct Buffer {
    bytes: Vec<u8>,
}

impl Buffer {
    fn new(py: Python<'_>, bytes: Vec<u8>) -> PyResult<Bound<'_, Buffer>> {
        Bound::new(py, Buffer { bytes })
    }
}

/// Arrow offsets, `N` little-endian bytes each.
fn offset_bytes<const N: usize>(
    offsets: &[i64],
    bytes: impl Fn(i64) -> [u8; N],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(offsets.len() * N);
    for &offset in offsets {
        out.extend_from_slice(&bytes(offset));
    }
    out
}

#[pymethods]
impl Buffer {
    /// The buffer protocol: read-only, one-dimensional bytes.
    unsafe fn __getbuffer__(
        slf: Bound<'_, Self>,
        view: *mut pyo3::ffi::Py_buffer,
        flags: std::os::raw::c_int,
    ) -> PyResult<()> {
        let bytes = &slf.get().bytes;
        // SAFETY: `view` is the caller's buffer struct; FillInfo keeps a
        // reference to `slf` in it, so the bytes (never changed: the
        // class is frozen) outlive the view.
        let status = unsafe {
            pyo3::ffi::PyBuffer_FillInfo(
                view,
                slf.as_ptr(),
                bytes.as_ptr() as *mut std::os::raw::c_void,
                bytes.len() as pyo3::ffi::Py_ssize_t,
                1,
                flags,
            )
        };
        if status == -1 {
            return Err(PyErr::fetch(slf.py()));
        }
        Ok(())
    }
}

/// Normalizes an Arrow string array. Returns `(validity, offsets, data,
/// codes, null_count, large)`: the buffers of the values array (validity
/// `None` when nothing was dropped; `large` when its offsets are 64-bit,
/// because the input's were or the values outgrew 32-bit ones), and one
/// `uint8` code per value.
pub fn arrow<'py>(
    py: Python<'py>,
    pipeline: &Pipeline,
    array: &ArrowStrings<'_, 'py>,
) -> PyResult<Bound<'py, PyTuple>> {
    let validity =
        array.validity.map(|v| Bytes::get(v, "validity")).transpose()?;
    let offsets = Bytes::get(array.offsets, "offsets")?;
    let data = Bytes::get(array.data, "data")?;
    let column = ArrowColumn::new(
        validity.as_ref().map(Bytes::slice),
        offsets.slice(),
        data.slice(),
        array,
    )?;
    let large_in = array.large;
    let (done, offsets, nulls, validity, large) = py.detach(|| {
        let done = run(pipeline, &column);
        let n = done.codes.len();
        let nulls = done.codes.iter().filter(|&&c| c != 0).count();
        let validity = (nulls > 0).then(|| {
            let mut bits = vec![0u8; n.div_ceil(8)];
            for (i, &code) in done.codes.iter().enumerate() {
                bits[i / 8] |= u8::from(code == 0) << (i % 8);
            }
            bits
        });
        let large = large_in || i32::try_from(done.data.len()).is_err();
        let offsets = if large {
            offset_bytes(&done.offsets, i64::to_le_bytes)
        } else {
            offset_bytes(&done.offsets, |o| (o as i32).to_le_bytes())
        };
        (done, offsets, nulls, validity, large)
    });
    (
        validity.map(|bits| Buffer::new(py, bits)).transpose()?,
        Buffer::new(py, offsets)?,
        Buffer::new(py, done.data)?,
        Buffer::new(py, done.codes)?,
        nulls,
        large,
    )
        .into_pyobject(py)
}
