"""The PySide6 window. Widgets only: every action calls the same services as the CLI."""
