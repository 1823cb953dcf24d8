"""Pages, revisions, diff and merge, wiki links, recent changes."""
