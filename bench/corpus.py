"""The careers-guidance corpus the benchmarks write their pages from (../shared/corpus).

The scripts run as `python bench/<name>.py`, so this module is importable as `corpus`.
"""

from __future__ import annotations

import random
import re
from functools import lru_cache
from pathlib import Path

CORPUS_DIR = Path(__file__).resolve().parents[2] / "shared" / "corpus"

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9‘“\"(])")
_GENERATED_SUBJECTS = ["Demand for care workers", "Vacancies in digital roles", "Apprenticeship starts",
                       "Median pay in logistics", "Employer surveys", "Graduate destinations"]
_GENERATED_PREDICATES = ["rose steadily across the North East last year",
                         "remain well below the national average for the sector",
                         "are expected to grow as replacement demand increases",
                         "vary widely between rural and urban local authorities",
                         "should be read alongside the regional skills assessment"]


@lru_cache(maxsize=4)
def load_corpus(directory: Path = CORPUS_DIR) -> list[list[str]]:
    """Sentences of each corpus document (hard-wrapped lines joined, no markup characters), or
    generated sentences when the corpus is missing."""
    documents = []
    for path in sorted(directory.glob("*.txt")) if directory.is_dir() else []:
        text = " ".join(line.strip() for line in path.read_text(errors="replace").splitlines() if line.strip())
        sentences = [s.strip() for s in _SENTENCE_END.split(text)]
        usable = [s for s in sentences if 6 <= len(s.split()) <= 60 and not any(ch in s for ch in "[]<>|#*_`")]
        if len(usable) >= 40:
            documents.append(usable)
    if documents:
        return documents
    rng = random.Random(0)
    return [[f"{rng.choice(_GENERATED_SUBJECTS)} {rng.choice(_GENERATED_PREDICATES)}." for _ in range(400)]]
