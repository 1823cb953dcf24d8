"""Whoosh's memory-mapped segment files, read without copying them.

Whoosh maps each compound segment file (`.seg`) and hands every reader a `BufferFile` over a slice of
the map, but `BufferFile.__init__` also wraps that slice in `io.BytesIO(buf)`, which copies it. Every
new searcher (one per saved page, since a save commits a small segment) therefore copied each
segment again: at 50,000 pages the 180 MB segment, ~100 ms and a burst of memory per save and per
worker, and most of a server's resident memory under load (5.9 GB for two workers, 2.9 GB without).

Reading the files through plain file handles instead (FileStorage(supports_mmap=False)) avoids the
copy but turns each of a search's thousands of small reads into a system call that releases the GIL;
under concurrent requests each then waits for the GIL again, and a search took seconds. So the map is
kept and the copy is removed: `install()` makes Whoosh's compound storage build `SharedBufferFile`,
whose sequential-read file object is a view over the map (slices are copied only as they are read).
"""

from __future__ import annotations

import os
from typing import Any

from whoosh.filedb import compound
from whoosh.filedb.structfile import BufferFile


class MemoryFile:
    """The read-only file interface StructFile and pickle use, over a memoryview (no copy of it)."""

    def __init__(self, buf: memoryview) -> None:
        self._buf = buf
        self._pos = 0

    def read(self, size: int | None = -1) -> bytes:
        end = len(self._buf) if size is None or size < 0 else min(self._pos + size, len(self._buf))
        data = self._buf[self._pos:end].tobytes()
        self._pos = max(self._pos, end)
        return data

    def readline(self, size: int | None = -1) -> bytes:
        limit = len(self._buf) if size is None or size < 0 else min(self._pos + size, len(self._buf))
        end = self._pos
        while end < limit:  # look in small chunks: lines are short, the buffer may be 180 MB
            chunk = self._buf[end:min(end + 4096, limit)].tobytes()
            newline = chunk.find(b"\n")
            if newline >= 0:
                end += newline + 1
                break
            end += len(chunk)
        return self.read(end - self._pos)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._pos, os.SEEK_END: len(self._buf)}[whence]
        if base + offset < 0:
            raise ValueError(f"negative seek position {base + offset}")
        self._pos = base + offset
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        self._buf = memoryview(b"")


class SharedBufferFile(BufferFile):
    """Whoosh's BufferFile, reading its slice of the map in place."""

    def __init__(self, buf: Any, name: str | None = None, onclose: Any = None) -> None:
        super().__init__(b"", name=name, onclose=onclose)
        self._buf = buf
        self.file = MemoryFile(memoryview(buf))


def install() -> None:
    """Make Whoosh's compound (segment) storage use SharedBufferFile; idempotent."""
    compound.BufferFile = SharedBufferFile
