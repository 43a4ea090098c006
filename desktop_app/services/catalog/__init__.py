"""Measure catalogs that a credit office maintains.

`layouts` (the columns of a measure list file: the six-column 柳州 layout, the layout of the
national basic list 全国失信惩戒措施基础清单, saved column mappings), `catalog_import`
(reading a measure list, reconciling its names with the catalog, and writing a new catalog
version of a jurisdiction), `diff` (what changed between two versions, also as .xlsx).
"""
