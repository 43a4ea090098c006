"""Tables of `resources/measures.db` (version `catalog.SCHEMA_VERSION`).

Names: each canonical jurisdiction, department, category, basis and initiator has one row,
and every accepted spelling one alias row keyed by `catalog.name_key` (`seen` holds the
documents and lines where the sources write that spelling, `{}` for table short forms).
Measures: one row each, with the departments that implement it in `measure_departments`
(none for 内蒙古, whose signatories implement every measure within their remit: `by_remit`).
"""

PAGE_SIZE = 4096

TABLES = """
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE jurisdictions (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    document TEXT NOT NULL,
    id_prefix TEXT NOT NULL,
    local_prefix TEXT NOT NULL
);
CREATE TABLE jurisdiction_aliases (
    alias_key TEXT PRIMARY KEY,
    jurisdiction_id INTEGER NOT NULL REFERENCES jurisdictions (id),
    alias TEXT NOT NULL
);
CREATE TABLE departments (
    id INTEGER PRIMARY KEY,
    jurisdiction_id INTEGER NOT NULL REFERENCES jurisdictions (id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('department', 'signatory', 'generic')),
    by_remit INTEGER NOT NULL,
    UNIQUE (jurisdiction_id, name)
);
CREATE TABLE department_aliases (
    jurisdiction_id INTEGER NOT NULL REFERENCES jurisdictions (id),
    alias_key TEXT NOT NULL,
    department_id INTEGER NOT NULL REFERENCES departments (id),
    alias TEXT NOT NULL,
    seen TEXT NOT NULL,
    PRIMARY KEY (jurisdiction_id, alias_key)
);
CREATE TABLE categories (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE category_aliases (
    alias_key TEXT PRIMARY KEY,
    category_id INTEGER NOT NULL REFERENCES categories (id),
    alias TEXT NOT NULL,
    seen TEXT NOT NULL
);
CREATE TABLE category_definitions (
    category_id INTEGER NOT NULL REFERENCES categories (id),
    jurisdiction_id INTEGER NOT NULL REFERENCES jurisdictions (id),
    definition TEXT NOT NULL,
    document TEXT NOT NULL,
    lines TEXT NOT NULL,
    PRIMARY KEY (category_id, jurisdiction_id)
);
CREATE TABLE bases (
    id INTEGER PRIMARY KEY,
    jurisdiction_id INTEGER NOT NULL REFERENCES jurisdictions (id),
    title TEXT NOT NULL,
    doc_no TEXT,
    UNIQUE (jurisdiction_id, title)
);
CREATE TABLE basis_aliases (
    jurisdiction_id INTEGER NOT NULL REFERENCES jurisdictions (id),
    alias_key TEXT NOT NULL,
    basis_id INTEGER NOT NULL REFERENCES bases (id),
    alias TEXT NOT NULL,
    seen TEXT NOT NULL,
    PRIMARY KEY (jurisdiction_id, alias_key)
);
CREATE TABLE initiators (
    id INTEGER PRIMARY KEY,
    jurisdiction_id INTEGER NOT NULL REFERENCES jurisdictions (id),
    name TEXT NOT NULL,
    UNIQUE (jurisdiction_id, name)
);
CREATE TABLE initiator_aliases (
    jurisdiction_id INTEGER NOT NULL REFERENCES jurisdictions (id),
    alias_key TEXT NOT NULL,
    initiator_id INTEGER NOT NULL REFERENCES initiators (id),
    alias TEXT NOT NULL,
    seen TEXT NOT NULL,
    PRIMARY KEY (jurisdiction_id, alias_key)
);
CREATE TABLE measures (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL UNIQUE,
    jurisdiction_id INTEGER NOT NULL REFERENCES jurisdictions (id),
    category_id INTEGER NOT NULL REFERENCES categories (id),
    basis_id INTEGER NOT NULL REFERENCES bases (id),
    initiator_id INTEGER NOT NULL REFERENCES initiators (id),
    entry_no TEXT,
    label TEXT NOT NULL,
    text TEXT NOT NULL,
    applies_to TEXT NOT NULL CHECK (applies_to IN ('person', 'organization', 'any')),
    document TEXT NOT NULL,
    lines TEXT NOT NULL,
    grp TEXT,
    by_remit INTEGER NOT NULL,
    note TEXT,
    as_written TEXT NOT NULL
);
CREATE TABLE measure_departments (
    department_id INTEGER NOT NULL REFERENCES departments (id),
    measure_id TEXT NOT NULL REFERENCES measures (id),
    position INTEGER NOT NULL,
    PRIMARY KEY (department_id, measure_id)
) WITHOUT ROWID;
CREATE TABLE list_layout (
    position INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    optional INTEGER NOT NULL,
    document TEXT NOT NULL,
    lines TEXT NOT NULL
);
CREATE TABLE member_units (
    jurisdiction_id INTEGER NOT NULL REFERENCES jurisdictions (id),
    position INTEGER NOT NULL,
    written TEXT NOT NULL,
    department_id INTEGER NOT NULL REFERENCES departments (id),
    document TEXT NOT NULL,
    line INTEGER NOT NULL,
    PRIMARY KEY (jurisdiction_id, position)
);
CREATE TABLE anomalies (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    document TEXT NOT NULL,
    lines TEXT NOT NULL,
    message TEXT NOT NULL,
    detail TEXT NOT NULL
);
"""

# Created after the rows are in (faster, and the file does not depend on insert order).
INDEXES = """
CREATE INDEX measures_by_jurisdiction ON measures (jurisdiction_id, by_remit, seq);
CREATE INDEX measures_by_category ON measures (category_id, jurisdiction_id);
CREATE INDEX measure_departments_by_measure ON measure_departments (measure_id, position);
CREATE INDEX departments_by_jurisdiction ON departments (jurisdiction_id);
"""
