#ifndef TOKENLEDGER_CSQLITECONFIG_H
#define TOKENLEDGER_CSQLITECONFIG_H

/// Turns trigger execution on (1) or off (0) for one SQLite connection (`db` is a `sqlite3 *`), with
/// sqlite3_db_config(SQLITE_DBCONFIG_ENABLE_TRIGGER): a variadic C function Swift cannot call.
/// Changing the setting expires the connection's prepared statements (SQLite re-prepares them on
/// their next step). Returns SQLite's result code. (The header does not include sqlite3.h, so this
/// module does not re-declare the SQLite API that GRDB's module already provides.)
int tokenledger_sqlite_enable_triggers(void *db, int enabled);

/// Whether trigger execution is on (1) or off (0) for the connection `db`; -1 on error. Changes nothing.
int tokenledger_sqlite_triggers_enabled(void *db);

/// Switches off SQLite's memory statistics for the whole process, with
/// sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) (variadic, so wrapped here). With them on (Debian's
/// default) every SQLite malloc and free takes a global mutex. Only possible before SQLite is first
/// initialised in the process: returns SQLITE_MISUSE (and changes nothing) after that.
int tokenledger_sqlite_disable_memstatus(void);

/// Lets sqlite3_open_v2 read `file:` URI filenames in the whole process (sqlite3_config(SQLITE_CONFIG_URI,
/// 1)), for opening a ledger on a read-only file system with `?immutable=1`. Debian builds SQLite with
/// URIs on already; others may not. As above, only possible before SQLite is first initialised.
int tokenledger_sqlite_enable_uri(void);

#endif
