"""Worker processes that build the rows of a large CSV file.

Reading, parsing and building a row cost several times what storing it does, so a large CSV
file goes to worker processes in text blocks: the importing process only decodes the file
(hashing it and refusing NUL bytes on the way) and writes the database. A block ends where
quotes pair up, and a sentinel line proves it ended where a record ends; anything unusual
makes the import start over record by record in one process (`formats.StartOver`).
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
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from desktop_app.models.lists_store import RawRowLookup
from desktop_app.services.lists.formats import CsvFile, StartOver
from desktop_app.services.lists.header import Columns
from desktop_app.services.lists.limits import MAX_CELL_CHARS, MAX_COLUMNS
from desktop_app.services.lists.rows import ChunkProcessor, ChunkResult

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


class _TextBlockResult(NamedTuple):
    """A worker's result for one text block: None when the block must be read again
    record by record (see `StartOver`), else the result (rows numbered from 1 within the
    block) and how many records the block held."""

    result: ChunkResult | None
    records: int


_worker: ChunkProcessor | None = None
_worker_delimiter = ","


def _start_worker(
    columns: Columns,
    layout_names: Sequence[str],
    today: str,
    delimiter: str,
    known_rows: tuple[Path, int] | None,
) -> None:
    global _worker, _worker_delimiter
    # The list's raw hashes, read on a connection of the worker's own (`RawRowLookup`).
    lookup = RawRowLookup(*known_rows) if known_rows is not None else None
    _worker = ChunkProcessor(columns, layout_names, text_cells=True, today=today, lookup=lookup)
    _worker_delimiter = delimiter
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


def build_text_block(block: str, last: bool) -> _TextBlockResult:
    """Parse and build one text block of the file (in a worker process)."""
    assert _worker is not None
    text = block if last else block + _SENTINEL_LINE
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=_worker_delimiter))
    except csv.Error:
        return _TextBlockResult(None, 0)
    # The sentinel parsed on its own: the block ended where a record ends, so its records
    # are those the csv module reads from the whole file.
    if not last and (not rows or rows.pop() != [_SENTINEL]):
        return _TextBlockResult(None, 0)
    if rows and max(map(len, rows)) > MAX_COLUMNS:
        return _TextBlockResult(None, 0)
    return _TextBlockResult(_worker.process(1, rows), len(rows))


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
    processor: ChunkProcessor, chunks: Iterator[tuple[int, list[list[Any]]]]
) -> Iterator[tuple[ChunkResult, int]]:
    """(result, row offset 0) of each chunk, built in this process."""
    for first_row, rows in chunks:
        yield processor.process(first_row, rows), 0


def built_by_workers(
    processor: ChunkProcessor,
    source: CsvFile,
    head: list[list[Any]],
    header_row: int,
    workers: int,
    block_lines: int,
    known_rows: tuple[Path, int] | None = None,
) -> Iterator[tuple[ChunkResult, int]]:
    """(result, row offset) of the rows after the header, in file order, built by workers.

    The file goes to `workers` processes in text blocks of `block_lines` lines. With
    `known_rows` (lists.db, list id) the workers recognise the rows that list already has
    unchanged (see `ChunkProcessor`). A worker
    numbers its block's rows from 1; the offset gives their row numbers in the file, known
    once the blocks before have been parsed. At most a few blocks per worker are in flight,
    so memory stays flat whatever the file's size. Raises `StartOver` when a block cannot be
    read this way.
    """
    first_row = header_row + 1
    rest = head[header_row:]
    if rest:
        yield processor.process(first_row, rest), 0
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
            known_rows,
        ),
    ) as pool:
        pending: collections.deque[concurrent.futures.Future[_TextBlockResult]] = (
            collections.deque()
        )

        def next_result() -> tuple[ChunkResult, int]:
            nonlocal first_row
            built, records = pending.popleft().result()
            if built is None:
                raise StartOver
            offset, first_row = first_row - 1, first_row + records
            return built, offset

        try:
            for block, last in source.blocks(block_lines):
                pending.append(pool.submit(build_text_block, block, last))
                if len(pending) >= 3 * workers:
                    yield next_result()
            while pending:
                yield next_result()
        finally:
            for future in pending:
                future.cancel()
