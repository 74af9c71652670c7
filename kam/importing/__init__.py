"""Import files into kam: reading (CSV, XLSX, Parquet), column matching, vectorised
parsing and validation with row-level errors. Django-free; the services in
``kam.sales.services`` and ``kam.accounts.services`` store what passes."""
