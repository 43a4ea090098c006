"""Dishonesty lists: the import of list files and the synthetic demo lists.

One module per concern: `session` (the import of one file as one transaction, `import_list`),
`formats` (reading CSV and .xlsx files), `xlsx_guard` (refusing hostile workbooks before
they are read), `header` (the standard layout, the header row, column mappings), `rows`
(building a stored row from a row's cells), `cells` (cell text and dates), `workers` (worker
processes for large CSV files), `limits`, `report` (the import report), `demo_lists` (the
bundled demo lists on a first start) and `demo_data` (generating synthetic lists).
"""
