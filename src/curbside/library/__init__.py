"""A clinic's own documents: ingestion, full-text search (SQLite FTS5 or PostgreSQL), links to conditions."""
