"""Dishonesty lists: import of list files (formats, file checks, row building, the import
session) and the synthetic demo lists."""
