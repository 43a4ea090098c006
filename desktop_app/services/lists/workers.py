"""Worker processes that build the rows of a large CSV file.

Reading, parsing and building a row cost several times what storing it does, so a large CSV
file goes to worker processes in blocks of lines: the importing process only cuts the file's
bytes into blocks (hashing it and refusing NUL bytes on the way) and writes the database. A
block ends where quotes pair up, and a sentinel line proves it ended where a record ends;
anything unusual makes the import start over record by record in one process
(`formats.StartOver`). In an update, the workers recognise the lines the list has unchanged
from their hash before parsing them (`build_lines`).
"""

from __future__ import annotations

import collections
import concurrent.futures
import csv
import gc
import io
import multiprocessing
import os
import sys
import threading
from array import array
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

from desktop_app.models.lists_store import RawRowLookup
from desktop_app.services.lists.formats import (
    Block,
    CsvFile,
    StartOver,
    file_changed,
    file_identity,
)
from desktop_app.services.lists.header import Columns
from desktop_app.services.lists.limits import MAX_CELL_CHARS, MAX_COLUMNS
from desktop_app.services.lists.rows import (
    ChunkProcessor,
    ChunkResult,
    line_hashes,
    record_hash,
)

# Files estimated at this many rows or more are built by worker processes (CSV only).
PARALLEL_MIN_ROWS = 50_000
MAX_WORKERS = 4
# Set by a frozen program's entry point once it has called multiprocessing.freeze_support().
FROZEN_WORKERS = False


# A line appended to every text block but the last: it parses as a record of its own, one
# cell holding this text, only when the block ends where a record ends. (A cell can hold a
# NUL character only in a UTF-16 file; even there a block that ends inside a quoted cell
# makes the sentinel part of that cell, after at least the line break.)
_SENTINEL = "\x00end of block\x00"
_SENTINEL_LINE = _SENTINEL + "\n"
FILE_CHANGED = -1


class _BlockResult(NamedTuple):
    """A worker's result for one block: None when the block must be read again record by
    record (see `StartOver`), else the result (rows numbered from 1 within the block) and
    how many records the block held (`FILE_CHANGED` with None: the worker found the file
    changed since the import started reading it)."""

    result: ChunkResult | None
    records: int


_worker: ChunkProcessor | None = None
_lookup: RawRowLookup | None = None
_codec = "utf-8"
_file: BinaryIO | None = None


def _start_worker(
    columns: Columns,
    layout_names: Sequence[str],
    today: str,
    delimiter: str,
    codec: str,
    source: tuple[Path, tuple[int, int, int, int]],
    known_rows: tuple[Path, int] | None,
) -> None:
    global _worker, _lookup, _codec, _file
    _worker = ChunkProcessor(
        columns, layout_names, text_cells=True, today=today, delimiter=delimiter
    )
    # The list's raw hashes, read on a connection of the worker's own (`RawRowLookup`).
    _lookup = RawRowLookup(*known_rows) if known_rows is not None else None
    _codec = codec
    # The file, read here block by block: the very file the importing process reads.
    path, identity = source
    _file = open(path, "rb")  # noqa: SIM115 - open for the worker's life
    if file_identity(os.fstat(_file.fileno())) != identity:
        _file.close()
        _file = None
    csv.field_size_limit(MAX_CELL_CHARS)
    # Millions of short-lived objects and no reference cycles (see import_list).
    gc.disable()
    # A worker holds both ends of its task queue, so it would wait forever for tasks if the
    # importing process were killed: follow the parent instead.
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()


def _exit_with(parent: Any) -> None:
    parent.join()
    os._exit(1)


def build_block(block: Block, last: bool) -> _BlockResult:
    """Parse and build one block of the file (in a worker process): its bytes, or where
    they are in the file."""
    assert _worker is not None
    if isinstance(block, tuple):
        if _file is None:
            return _BlockResult(None, FILE_CHANGED)
        offset, length = block
        _file.seek(offset)
        block = _file.read(length)
        if len(block) != length:
            return _BlockResult(None, FILE_CHANGED)
    try:
        return build_lines(_worker, _lookup, _codec, block, last)
    except (csv.Error, UnicodeDecodeError):
        return _BlockResult(None, 0)


def build_lines(
    processor: ChunkProcessor,
    lookup: Callable[[Sequence[bytes]], Mapping[bytes, int]] | None,
    codec: str,
    block: bytes,
    last: bool,
) -> _BlockResult:
    """The records of a block of lines: those the list has unchanged recognised from
    the hash of their text before they are parsed (`lookup`: raw hash → listing id), the
    others parsed by the csv module and built. Raises csv.Error or UnicodeDecodeError
    where the block cannot be read so.

    Every line is hashed as if it were a whole record. A line whose hash the list knows is
    such a record: its text was one whole record when the list was imported, and the same
    text read from a record's start is the same record. Lines are consulted only where a
    record starts (the block's start, which the blocks before vouch for, and the end of
    each record read), so a line inside a cell that spans lines is never taken for one.
    """
    if codec == "utf-8":
        raw_lines = block.splitlines(keepends=True)
        texts: list[str] | None = None
    else:  # GB18030: lines end in the same bytes; hashes are of the text as UTF-8
        texts = list(io.StringIO(block.decode(codec), newline=""))
        raw_lines = [t.encode("utf-8") for t in texts]
    prefix = processor.raw_prefix
    hashes = line_hashes(prefix, raw_lines)
    known = lookup(hashes) if lookup is not None else {}
    count = len(raw_lines)
    at = 0  # the next line the csv module takes

    def lines() -> Iterator[str]:
        nonlocal at
        while at < count:
            at += 1
            yield raw_lines[at - 1].decode("utf-8") if texts is None else texts[at - 1]
        if not last:
            at += 1
            yield _SENTINEL_LINE

    records = csv.reader(lines(), delimiter=processor.delimiter or ",")
    seen_ids, seen_rows = array("q"), array("q")
    built: list[list[str]] = []
    built_rows: list[int] = []
    built_hashes: list[bytes] = []
    record = 0
    while at < count:
        record += 1
        listing_id = known.get(hashes[at]) if known else None
        if listing_id is not None:
            seen_ids.append(listing_id)
            seen_rows.append(record)
            at += 1
            continue
        first = at
        cells = next(records)
        if at > count:  # the block ended inside this record: the sentinel was taken in
            return _BlockResult(None, 0)
        if len(cells) > MAX_COLUMNS:
            return _BlockResult(None, 0)
        built.append(cells)
        built_rows.append(record)
        built_hashes.append(
            hashes[first]
            if at == first + 1
            else record_hash(prefix, b"".join(raw_lines[first:at]).rstrip(b"\r\n"))
        )
    if not last and next(records) != [_SENTINEL]:
        return _BlockResult(None, 0)
    result = _built_rows(processor, built, built_rows, built_hashes)
    result.read += len(seen_ids)
    result.seen_ids, result.seen_rows = seen_ids, seen_rows
    return _BlockResult(result, record)


def _built_rows(
    processor: ChunkProcessor,
    rows: list[list[str]],
    row_numbers: list[int],
    hashes: list[bytes],
) -> ChunkResult:
    """`processor.process` of rows that need not follow each other, numbered as given."""
    if not rows:
        return processor.process(1, [])
    if row_numbers[-1] - row_numbers[0] == len(rows) - 1:  # consecutive (a first import)
        return processor.process(row_numbers[0], rows, hashes)
    parts = [
        processor.process(number, [cells], [raw_hash])
        for number, cells, raw_hash in zip(row_numbers, rows, hashes, strict=True)
    ]
    result = parts[0]
    for part in parts[1:]:
        result.rows += part.rows
        result.fuzzy += part.fuzzy
        result.rejections += part.rejections
        result.formula_rows += part.formula_rows
        result.read += part.read
        result.not_in_force += part.not_in_force
    return result


def worker_count(estimated_rows: int) -> int:
    """How many worker processes build the rows of a CSV file of about `estimated_rows`
    rows: 0 to build them in the importing process."""
    workers = min(MAX_WORKERS, os.cpu_count() or 1)
    # A frozen (PyInstaller) program can only start workers if its entry point calls
    # multiprocessing.freeze_support(); without that a worker would start the program again.
    frozen = getattr(sys, "frozen", False)
    if estimated_rows < PARALLEL_MIN_ROWS or workers < 2 or (frozen and not FROZEN_WORKERS):
        return 0
    return workers


def built_here(
    processor: ChunkProcessor,
    chunks: Iterator[tuple[int, list[list[Any]], list[str] | None]],
) -> Iterator[tuple[ChunkResult, int]]:
    """(result, row offset 0) of each chunk (first row, rows, the CSV records' texts),
    built in this process."""
    for first_row, rows, texts in chunks:
        hashes = processor.text_hashes(texts) if texts is not None else None
        yield processor.process(first_row, rows, hashes), 0


def built_by_workers(
    processor: ChunkProcessor,
    source: CsvFile,
    head: list[list[Any]],
    head_texts: list[str],
    header_row: int,
    workers: int,
    block_lines: int,
    known_rows: tuple[Path, int] | None = None,
) -> Iterator[tuple[ChunkResult, int]]:
    """(result, row offset) of the rows after the header, in file order, built by workers.

    `head` holds the records read to find the header (`head_texts` their texts); the rest
    of the file goes to `workers` processes in blocks of `block_lines` lines (see
    `build_lines`). With `known_rows` (lists.db, list id) the workers recognise the rows
    that list already has unchanged. A worker numbers its block's rows from 1; the offset
    gives their row numbers in the file, known once the blocks before have been parsed. At
    most a few blocks per worker are in flight, so memory stays flat whatever the file's
    size. Raises `StartOver` when a block cannot be read this way.
    """
    first_row = header_row + 1
    rest = head[header_row:]
    if rest:
        hashes = processor.text_hashes(head_texts[header_row:])
        yield processor.process(first_row, rest, hashes), 0
        first_row += len(rest)
    builder = processor.builder
    context = multiprocessing.get_context("spawn")  # safe beside Qt threads; as on Windows
    with concurrent.futures.ProcessPoolExecutor(
        workers,
        mp_context=context,
        initializer=_start_worker,
        initargs=(
            builder.columns,
            builder.layout_names,
            processor.today,
            source.delimiter,
            source.block_codec,
            (source.path, source.identity),
            known_rows,
        ),
    ) as pool:
        pending: collections.deque[concurrent.futures.Future[_BlockResult]] = collections.deque()

        def next_result() -> tuple[ChunkResult, int]:
            nonlocal first_row
            built, records = pending.popleft().result()
            if records == FILE_CHANGED:
                raise file_changed(source.path)
            if built is None:
                raise StartOver
            offset, first_row = first_row - 1, first_row + records
            return built, offset

        try:
            for block, last in source.blocks(block_lines):
                pending.append(pool.submit(build_block, block, last))
                if len(pending) >= 3 * workers:
                    yield next_result()
            while pending:
                yield next_result()
        finally:
            for future in pending:
                future.cancel()
