"""Example records, dialogue records, JSONL I/O and loaders for the shared data sets."""
