"""Services that compose the models: check workflow, PDF rendering, signing, import/export."""
