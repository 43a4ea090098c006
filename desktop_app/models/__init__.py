"""Domain and storage: catalog, subject lists, matching, check records, audit. No Qt widgets."""
