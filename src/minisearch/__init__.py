"""minisearch: a full-text search engine with its own on-disk index format."""
