"""Check, clean and normalize identifier files for MoEngage File Segment
uploads, on the same engine as the ``segprep`` command line.

- :func:`check` reads a file (or bytes) and reports every finding, as
  ``segprep check --format json`` does.
- :func:`clean` writes the clean file (and the rejects file), as
  ``segprep clean`` does, and returns its statistics.
- :func:`normalize` runs the per-value rules over a column: a list of
  ``str``, a pyarrow array, a Polars or pandas Series. The engine that
  holds the column does the dedupe.

Options are the command line's long options in snake case
(``id_type="gaid"``, ``header="auto"``, ...). A bad option raises
:class:`ValueError`; a file that cannot be read raises :class:`OSError`
(:class:`FileNotFoundError` when it is missing). Both carry segprep's
message. The GIL is released while the engine runs.
"""

from __future__ import annotations

import copy
import functools
import json
import os
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

from . import _arrow, _native

__all__ = [
    "Diagnostic",
    "Normalized",
    "OPTIONS",
    "REJECTS",
    "Report",
    "Stats",
    "check",
    "clean",
    "normalize",
]

__version__: str = _native.__version__

#: The options every function takes, in the order of ``segprep --help``.
OPTIONS: Tuple[str, ...] = tuple(_native.OPTIONS)

#: Every rule that can drop a value in :func:`normalize`, in pipeline
#: order.
REJECTS: Tuple[str, ...] = tuple(_native.REJECTS)


class Stats:
    """The statistics of a run: the fields of the JSON document that
    ``segprep clean --stats`` writes, as attributes.

    ``schema`` names the document and its version (``segprep-stats/1``;
    ``segprep-check/1`` for a :class:`Report`). ``warning_codes`` holds a
    stable code for each of ``warnings``, in the same order. ``options``
    is the run's options as a dict, by their keyword names, with the
    defaults filled in and ``case`` resolved to the id type's (the
    thread count left out: it does not change the result).
    ``uncompressed_bytes`` is ``None`` unless the input was gzip;
    ``output`` and ``output_bytes`` are ``None`` for :func:`check`.
    :meth:`to_dict` gives the JSON document itself.
    """

    schema: str
    input: str
    bytes: int
    uncompressed_bytes: Optional[int]
    values_found: int
    values_processed: int
    duplicates: int
    header: Optional[str]
    rejected: Dict[str, int]
    fixed: Dict[str, int]
    warnings: List[str]
    warning_codes: List[str]
    options: Dict[str, Any]
    output: Optional[str]
    output_bytes: Optional[int]

    _FIELDS = (
        "schema",
        "input",
        "bytes",
        "uncompressed_bytes",
        "values_found",
        "values_processed",
        "duplicates",
        "header",
        "rejected",
        "fixed",
        "warnings",
        "warning_codes",
        "options",
        "output",
        "output_bytes",
    )

    def __init__(self, document: Dict[str, Any]) -> None:
        self._document = document
        for field in self._FIELDS:
            setattr(self, field, copy.deepcopy(document.get(field)))

    def to_dict(self) -> Dict[str, Any]:
        """The JSON document, exactly: ``json.dumps(stats.to_dict())``
        parses to what the command line writes."""
        return copy.deepcopy(self._document)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Stats) or type(other) is not type(self):
            return NotImplemented
        return self._document == other._document

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{name}={getattr(self, name)!r}"
            for name in ("input", "values_found", "values_processed")
        )
        return f"{type(self).__name__}({shown}, ...)"


class Diagnostic(NamedTuple):
    """One finding about one row, as in ``check --format json``."""

    line: int
    """The 1-based line number in the input."""
    rule: str
    """The rule's stable name: ``special-char``, ``crlf``, ``duplicate``, ..."""
    kind: str
    """``fix``, ``reject``, ``duplicate`` or ``header``."""
    raw: str
    """The row as it was (invalid UTF-8 replaced by U+FFFD)."""
    detail: str
    """Why, in a few words."""
    raw_base64: Optional[str] = None
    """The row's exact bytes in base64, for a row that is not UTF-8
    (``raw`` cannot hold them); ``None`` otherwise."""

    def to_dict(self) -> Dict[str, Any]:
        """The diagnostic's JSON object, exactly: ``raw_base64`` only for
        a row that is not UTF-8."""
        document = self._asdict()
        if self.raw_base64 is None:
            del document["raw_base64"]
        return document


class Report(Stats):
    """What :func:`check` found: the statistics, whether the file
    conforms, the file-level findings and the diagnostics (at most
    ``max_diagnostics`` per rule), as in ``check --format json``
    (``schema`` is ``segprep-check/1``)."""

    conforms: bool
    file_findings: List[str]
    diagnostics: List[Diagnostic]

    def __init__(self, document: Dict[str, Any]) -> None:
        super().__init__(document)
        self.conforms = document["conforms"]
        self.file_findings = list(document["file_findings"])
        self.diagnostics = [Diagnostic(**d) for d in document["diagnostics"]]


class Normalized(NamedTuple):
    """What :func:`normalize` returns: the values, with ``None`` (a null)
    where a value was dropped, and the rule that dropped each value, with
    ``None`` where it was kept. Both have the container type of the input
    (``list``, pyarrow array, Polars or pandas Series)."""

    values: Any
    rules: Any


@functools.lru_cache(maxsize=64)
def _pipeline(options: Tuple[Tuple[str, Any], ...]) -> _native.Pipeline:
    # Cached: an engine calls a UDF once per batch, and building starts a
    # thread pool.
    return _native.Pipeline(dict(options))


def _compile(options: Dict[str, Any]) -> _native.Pipeline:
    try:
        key = tuple(sorted(options.items()))
        hash(key)
    except TypeError:
        # An unhashable value is a bad option: let the engine say so.
        return _native.Pipeline(options)
    return _pipeline(key)


def _source(source: Any) -> Any:
    if isinstance(source, bytes):
        return source
    if isinstance(source, (bytearray, memoryview)):
        return bytes(source)
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    raise TypeError(
        "source must be a path (str or os.PathLike) or bytes, not "
        f"{type(source).__name__}"
    )


def check(source: Any, *, max_diagnostics: int = 20, **options: Any) -> Report:
    """Checks a file against the platform's rules; changes nothing.

    ``source`` is a path (``str`` or ``os.PathLike``) or the file's
    ``bytes``. ``max_diagnostics`` caps the diagnostics per rule (0: all),
    as ``--max-diagnostics`` does. The options are those of the command
    line (see :data:`OPTIONS`).

    >>> report = check(b"a\\nb\\na\\n")
    >>> report.conforms, report.duplicates, report.diagnostics[0].rule
    (False, 1, 'duplicate')
    """
    if isinstance(max_diagnostics, bool) or not isinstance(max_diagnostics, int):
        raise ValueError(f"max_diagnostics: expected an int, got {max_diagnostics!r}")
    if max_diagnostics < 0:
        raise ValueError(f"max_diagnostics: expected 0 or more, got {max_diagnostics}")
    document = json.loads(
        _compile(options).check(_source(source), max_diagnostics)
    )
    return Report(document)


def clean(
    source: Any,
    output: Any,
    rejects: Any = None,
    *,
    sort: bool = False,
    **options: Any,
) -> Stats:
    """Writes the clean file: every kept value once, one per line, no
    header, in first-occurrence order (``sort=True``: byte order).

    ``output`` (and ``rejects``, a CSV file of every dropped row:
    ``line,rule,detail,raw``) are paths; each is written under a
    temporary name beside it and renamed into place, so it is either
    complete or untouched. Returns the statistics, those of
    ``clean --stats``.
    """
    if not isinstance(sort, bool):
        raise ValueError(f"sort: expected a bool, got {sort!r}")
    document = json.loads(
        _compile(options).clean(
            _source(source),
            os.fspath(output),
            None if rejects is None else os.fspath(rejects),
            sort,
        )
    )
    return Stats(document)


def normalize(values: Any, **options: Any) -> Normalized:
    """Runs the per-value rules (steps 2 to 10 of the pipeline: no
    header, no dedupe) on each value of a column.

    ``values`` is a list (or any iterable) of ``str``, ``bytes`` or
    ``None``; a pyarrow ``Array`` or ``ChunkedArray`` of strings; or a
    Polars or pandas ``Series`` of strings. Returns
    :class:`Normalized` ``(values, rules)`` in the same container: the
    normalized value or ``None``, and the rule that dropped the value or
    ``None``. A null is dropped as ``empty-row``, as an empty line of a
    file would be; a CR at the end of a value is removed (``crlf``).
    A batch runs on the calling thread with the GIL released
    (``threads`` does not apply): engines call it from several threads.
    ``column`` (a number) and ``delimiter`` pick a field of each value as
    of a row of a file; a column name and ``delimiter="auto"``, which
    need a file's first rows, raise :class:`ValueError`. The options of
    a whole file (``header``, ``encoding``, the sizes) do not apply.

    >>> normalize(["38400000-8CF0-11BD-B23E-10B96E40000D", "x"], id_type="gaid")
    Normalized(values=['38400000-8cf0-11bd-b23e-10b96e40000d', None], rules=[None, 'bad-format'])
    """
    pipeline = _compile(options)
    module = type(values).__module__.split(".")[0]
    if module == "pyarrow":
        return Normalized(*_arrow.normalize(pipeline, values))
    if module == "polars":
        return Normalized(*_arrow.normalize_polars(pipeline, values))
    if module == "pandas":
        return Normalized(*_arrow.normalize_pandas(pipeline, values))
    if isinstance(values, (str, bytes)):
        raise TypeError("normalize takes a column of values, not one value")
    if not isinstance(values, list):
        values = list(values)
    return Normalized(*pipeline.normalize_list(values))
