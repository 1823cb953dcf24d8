"""How the wikitext converter copes with a real MediaWiki dump: articles converted, kept in part as wikitext,
lost, and the time it took.

    .venv/bin/python bench/wiki_conversion.py DUMP.xml [DUMP.xml ...] [--batch-size 200]

Every main-namespace article (not redirects) of each dump is converted, the latest revision only, in
batches as the importer does. Printed per dump: articles, converted whole, kept in part as wikitext
(flagged for review), lost (no Markdown at all: what the importer used to drop), seconds and characters/s.
Real dumps to try: gensim's test data (enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2,
decompressed; see tests/wikiimport/data/README.md) or any Special:Export file.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.annotations.ontology import get_ontology  # noqa: E402
from app.wikiimport.convert import WikitextConverter  # noqa: E402
from app.wikiimport.dump import read_dump  # noqa: E402


def measure(path: Path, batch_size: int) -> dict[str, object]:
    """Convert the dump's articles and count the outcomes."""
    with path.open("rb") as stream:
        site, pages = read_dump(stream)
        texts = [page.revisions[-1].text for page in pages
                 if page.namespace == 0 and page.redirect is None and page.revisions]
    started = time.perf_counter()
    with WikitextConverter(get_ontology(), batch_size=batch_size) as converter:
        results = converter.convert_all(texts)
    seconds = time.perf_counter() - started
    lost = sum(1 for result in results if not hasattr(result, "markdown"))  # a ConversionError
    kept = sum(1 for result in results if getattr(result, "kept_as_wikitext", None))
    return {"dump": path.name, "generator": site.generator, "articles": len(texts),
            "converted_whole": len(texts) - lost - kept, "kept_in_part_as_wikitext": kept, "lost": lost,
            "seconds": round(seconds, 1), "characters_per_second": round(sum(map(len, texts)) / seconds)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dumps", nargs="+", type=Path)
    parser.add_argument("--batch-size", type=int, default=200)
    args = parser.parse_args()
    for path in args.dumps:
        figures = measure(path, args.batch_size)
        print("  ".join(f"{key}={value}" for key, value in figures.items()), flush=True)


if __name__ == "__main__":
    main()
