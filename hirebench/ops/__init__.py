"""Operations on a whole instance: backups of the database and the uploads, and restores
(docs/operations.md, "Backups"); the images docker-compose runs, built offline (compose.py,
"docker-compose"). No Flask here, so the CLI and tests pass plain settings."""
