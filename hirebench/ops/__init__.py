"""Operations on a whole instance: backups of the database and the uploads, and restores
(docs/operations.md, "Backups"). No Flask here, so the CLI and tests pass plain settings."""
