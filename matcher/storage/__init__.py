"""Storage: schema, the SQLAlchemy store, backup and restore."""
