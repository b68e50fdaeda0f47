#include "CSQLiteConfig.h"
#include <sqlite3.h>

int tokenledger_sqlite_enable_triggers(void *db, int enabled) {
    int now = -1;
    return sqlite3_db_config((sqlite3 *)db, SQLITE_DBCONFIG_ENABLE_TRIGGER, enabled, &now);
}

int tokenledger_sqlite_triggers_enabled(void *db) {
    int now = -1;
    if (sqlite3_db_config((sqlite3 *)db, SQLITE_DBCONFIG_ENABLE_TRIGGER, -1, &now) != SQLITE_OK) return -1;
    return now;
}

int tokenledger_sqlite_disable_memstatus(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int tokenledger_sqlite_enable_uri(void) {
    return sqlite3_config(SQLITE_CONFIG_URI, 1);
}
