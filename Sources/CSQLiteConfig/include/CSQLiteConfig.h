#ifndef TOKENLEDGER_CSQLITECONFIG_H
#define TOKENLEDGER_CSQLITECONFIG_H

/// Turns trigger execution on (1) or off (0) for one SQLite connection (`db` is a `sqlite3 *`), with
/// sqlite3_db_config(SQLITE_DBCONFIG_ENABLE_TRIGGER): a variadic C function Swift cannot call.
/// Changing the setting expires the connection's prepared statements (SQLite re-prepares them on
/// their next step). Returns SQLite's result code. (The header does not include sqlite3.h, so this
/// module does not re-declare the SQLite API that GRDB's module already provides.)
int tokenledger_sqlite_enable_triggers(void *db, int enabled);

#endif
