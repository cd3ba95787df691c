"""File formats at the edge: application files in (JSONL, CSV, Parquet), decision files out."""
