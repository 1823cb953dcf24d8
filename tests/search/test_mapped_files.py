"""The zero-copy file over Whoosh's mapped segments reads exactly what io.BytesIO would."""

from __future__ import annotations

import io
import os
import pickle
import random

from app.search.mapped_files import MemoryFile


def test_reads_lines_seeks_and_pickles_like_bytesio():
    rng = random.Random(4)
    data = b"".join(rng.choice([b"line\n", b"\n", b"x" * 5000, bytes(range(256)), b"end"]) for _ in range(200))
    data += pickle.dumps({"terms": list(range(100))}, protocol=-1)
    ours, theirs = MemoryFile(memoryview(data)), io.BytesIO(data)
    for _ in range(2000):
        action = rng.choice(["read", "readline", "seek", "tell"])
        if action == "read":
            size = rng.choice([-1, 0, 1, 7, 4096, 10_000])
            assert ours.read(size) == theirs.read(size)
        elif action == "readline":
            size = rng.choice([-1, 3, 5000])
            assert ours.readline(size) == theirs.readline(size)
        elif action == "seek":
            offset, whence = rng.choice([(rng.randrange(len(data) + 10), os.SEEK_SET), (rng.randint(-50, 50), os.SEEK_CUR),
                                         (-rng.randrange(len(data)), os.SEEK_END)])
            if theirs.tell() + offset < 0 and whence == os.SEEK_CUR:
                continue
            assert ours.seek(offset, whence) == theirs.seek(offset, whence)
        assert ours.tell() == theirs.tell()
    start = len(data) - len(pickle.dumps({"terms": list(range(100))}, protocol=-1))
    ours.seek(start)
    assert pickle.load(ours) == {"terms": list(range(100))}
