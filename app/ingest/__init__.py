"""What every record type's import shares: the import's state (its writer, keys, errors and
counts), the parsed record and its line errors, a record type's declaration, and the
match-or-create decisions. Each domain package declares its own record types on top of this
(`app.stances.imports`, ...); `app.transfer` parses lines and runs them in order."""
