"""The engine of the ``segprep`` package; use :mod:`segprep` instead."""

from typing import Any, Dict, List, Optional, Tuple, Union, final

__all__ = ["Pipeline", "Buffer", "REJECTS", "OPTIONS", "__version__", "main"]

__version__: str
#: The options :class:`Pipeline` takes.
OPTIONS: Tuple[str, ...]
#: The names of the rules that drop a value; code ``1 + i`` is ``REJECTS[i]``.
REJECTS: Tuple[str, ...]

@final
class Buffer:
    """Bytes lent through the buffer protocol (read-only)."""

@final
class Pipeline:
    """A compiled set of options."""

    def __new__(cls, options: Dict[str, Any]) -> "Pipeline": ...
    def check(self, source: Union[str, bytes], max_diagnostics: int) -> str: ...
    def clean(
        self,
        source: Union[str, bytes],
        output: str,
        rejects: Optional[str],
        sort: bool,
    ) -> str: ...
    def normalize_list(
        self, values: List[Any]
    ) -> Tuple[List[Optional[str]], List[Optional[str]]]: ...
    def normalize_arrow(
        self,
        validity: Optional[Any],
        offsets: Any,
        data: Any,
        offset: int,
        length: int,
        large: bool,
    ) -> Tuple[Optional[Buffer], Buffer, Buffer, Buffer, int, bool]: ...

def main(argv: List[str]) -> int:
    """Runs the ``segprep`` command line on ``argv`` (the program's name
    first); returns its exit status. For the ``segprep`` script only: the
    command line takes over SIGINT and SIGTERM, which end the process."""
