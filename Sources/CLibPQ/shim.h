// libpq, the PostgreSQL project's C client (Debian/Ubuntu: libpq-dev; macOS: brew install libpq).
#include <libpq-fe.h>
