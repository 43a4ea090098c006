"""Services that compose the models, grouped by capability: lists, screening, records, audit,
exchange; accounts, admin actions and shared helpers (PDF text, output files) at the top."""
