"""Bulk import and export: NDJSON and the standard formats."""
