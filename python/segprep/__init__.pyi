"""Check, clean and normalize identifier files for MoEngage File Segment
uploads, on the same engine as the ``segprep`` command line."""

import os
from typing import Any, Dict, Iterable, List, Literal, NamedTuple, Optional, Tuple, Union

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

__version__: str
OPTIONS: Tuple[str, ...]
REJECTS: Tuple[str, ...]

#: A path or the file's bytes.
_Source = Union[str, os.PathLike[str], bytes, bytearray, memoryview]
_IdType = Literal["string", "numeric", "uuid", "gaid", "idfa", "email", "phone"]
_AttributeType = Literal["string", "double"]
_Case = Literal["lower", "upper", "keep"]
_HeaderMode = Literal["auto", "yes", "no"]
_Encoding = Literal[
    "auto", "utf-8", "utf-16le", "utf-16be", "windows-1252", "latin-1"
]

class Stats:
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
    def __init__(self, document: Dict[str, Any]) -> None: ...
    def to_dict(self) -> Dict[str, Any]: ...
    def __eq__(self, other: object) -> bool: ...

class Diagnostic(NamedTuple):
    line: int
    rule: str
    kind: str
    raw: str
    detail: str
    raw_base64: Optional[str] = None
    def to_dict(self) -> Dict[str, Any]: ...

class Report(Stats):
    conforms: bool
    file_findings: List[str]
    diagnostics: List[Diagnostic]
    def __init__(self, document: Dict[str, Any]) -> None: ...

class Normalized(NamedTuple):
    values: Any
    rules: Any

def check(
    source: _Source,
    *,
    max_diagnostics: int = 20,
    id_type: Optional[_IdType] = ...,
    attribute_type: Optional[_AttributeType] = ...,
    case: Optional[_Case] = ...,
    header: Optional[_HeaderMode] = ...,
    attribute_name: Optional[str] = ...,
    column: Optional[Union[int, str]] = ...,
    delimiter: Optional[str] = ...,
    default_region: Optional[str] = ...,
    allow_chars: Optional[str] = ...,
    deny_chars: Optional[str] = ...,
    ascii_only: Optional[bool] = ...,
    max_value_len: Optional[int] = ...,
    max_bytes: Optional[int] = ...,
    max_input_bytes: Optional[int] = ...,
    encoding: Optional[_Encoding] = ...,
    threads: Optional[int] = ...,
) -> Report: ...
def clean(
    source: _Source,
    output: Union[str, os.PathLike[str]],
    rejects: Union[str, os.PathLike[str], None] = None,
    *,
    sort: bool = False,
    id_type: Optional[_IdType] = ...,
    attribute_type: Optional[_AttributeType] = ...,
    case: Optional[_Case] = ...,
    header: Optional[_HeaderMode] = ...,
    attribute_name: Optional[str] = ...,
    column: Optional[Union[int, str]] = ...,
    delimiter: Optional[str] = ...,
    default_region: Optional[str] = ...,
    allow_chars: Optional[str] = ...,
    deny_chars: Optional[str] = ...,
    ascii_only: Optional[bool] = ...,
    max_value_len: Optional[int] = ...,
    max_bytes: Optional[int] = ...,
    max_input_bytes: Optional[int] = ...,
    encoding: Optional[_Encoding] = ...,
    threads: Optional[int] = ...,
) -> Stats: ...
def normalize(
    values: Union[Iterable[Union[str, bytes, None]], Any],
    *,
    id_type: Optional[_IdType] = ...,
    attribute_type: Optional[_AttributeType] = ...,
    case: Optional[_Case] = ...,
    header: Optional[_HeaderMode] = ...,
    attribute_name: Optional[str] = ...,
    column: Optional[int] = ...,
    delimiter: Optional[str] = ...,
    default_region: Optional[str] = ...,
    allow_chars: Optional[str] = ...,
    deny_chars: Optional[str] = ...,
    ascii_only: Optional[bool] = ...,
    max_value_len: Optional[int] = ...,
    max_bytes: Optional[int] = ...,
    max_input_bytes: Optional[int] = ...,
    encoding: Optional[_Encoding] = ...,
    threads: Optional[int] = ...,
) -> Normalized: ...
