"""Optional model steps after consolidation (`--judge`, `--narrative`), each answer asked once and stored."""
