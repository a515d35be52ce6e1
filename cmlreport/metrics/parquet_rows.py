"""A Parquet file's columns as raw cells, the way a JSON-lines file gives them.

Pure: bytes in, columns out (pyarrow, an optional dependency, imported here only). Only the
columns asked for are decoded, and only after the file's own metadata says they fit: a Parquet
file is compressed, so 32 MiB on disk could hold gigabytes of cells.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from cmlreport.errors import InputError
from cmlreport.metrics.limits import shown_key

# Decoded bytes of the wanted columns: four times the 32 MiB a CSV may hold (a float is 8 bytes
# here, about as many characters there), far less than a decompression bomb.
MAX_DECODED_BYTES = 128 * 1024 * 1024
INSTALL = "pip install 'cmlreport[parquet]'"


def parquet_file(path: str, data: bytes) -> Any:
    """pyarrow's ``ParquetFile`` over ``data``; one line naming the file when pyarrow is missing
    or the bytes are no Parquet file."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError(
            f"{path}: reading Parquet needs pyarrow ({INSTALL}); or write the file as CSV"
        ) from None
    try:
        return pq.ParquetFile(pa.BufferReader(data))
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable Parquet file ({type(exc).__name__})") from None


def row_count(path: str, data: bytes) -> int:
    return int(parquet_file(path, data).metadata.num_rows)


def parquet_columns(
    path: str, data: bytes, pick: Callable[[Sequence[str]], Sequence[str]], max_rows: int
) -> tuple[tuple[str, ...], dict[str, list[Any]]]:
    """The header and, for each column ``pick(header)`` names, its values in row order (None
    where missing); refused past ``max_rows`` rows or ``MAX_DECODED_BYTES`` decoded."""
    import pyarrow as pa

    file = parquet_file(path, data)
    header = tuple(str(name) for name in file.schema_arrow.names)
    rows = int(file.metadata.num_rows)
    if rows > max_rows:
        raise InputError(
            f"{path}: {rows:,} rows, over the limit of {max_rows:,} examples; "
            "evaluate on a sample of the test set"
        )
    from cmlreport.metrics.prediction_rows import check_header

    check_header(path, header)
    wanted = list(pick(header))
    _check_size(path, file, set(wanted))
    try:
        table = file.read(columns=wanted, use_threads=False)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable Parquet file ({type(exc).__name__})") from None
    columns: dict[str, list[Any]] = {}
    for name in wanted:
        column = table.column(name)
        if not _plain(pa, column.type):
            raise InputError(
                f"{path}: column '{shown_key(name)}' holds {column.type} values, not labels "
                "or numbers"
            )
        columns[name] = column.to_pylist()
    return header, columns


def _check_size(path: str, file: Any, wanted: set[str]) -> None:
    meta = file.metadata
    decoded = 0
    for group in range(meta.num_row_groups):
        chunks = meta.row_group(group)
        for index in range(chunks.num_columns):
            chunk = chunks.column(index)
            # A nested column's leaves are "name.field...": they count for "name".
            if chunk.path_in_schema.split(".", 1)[0] in wanted:
                decoded += chunk.total_uncompressed_size
    if decoded > MAX_DECODED_BYTES:
        raise InputError(
            f"{path}: the columns read hold {decoded / 2**20:,.0f} MiB once decompressed, over "
            f"the limit of {MAX_DECODED_BYTES // 2**20} MiB; compare a sample of the rows"
        )


def _plain(pa: Any, kind: Any) -> bool:
    types = pa.types
    if types.is_dictionary(kind):
        kind = kind.value_type
    return bool(
        types.is_string(kind)
        or types.is_large_string(kind)
        or types.is_integer(kind)
        or types.is_floating(kind)
        or types.is_boolean(kind)
        or types.is_null(kind)
    )
