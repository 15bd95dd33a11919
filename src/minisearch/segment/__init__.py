"""One immutable segment: its metadata, builder and reader."""
