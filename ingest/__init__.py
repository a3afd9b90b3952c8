"""The ingest side: reading report files and extracting what they say."""
