// SQL fragments shared by queries, spliced into constant query text at
// compile time (never values: values are always $n parameters).
#pragma once

// A timestamptz column as RFC 3339 UTC text ("2026-11-23T17:54:17Z").
#define STOA_SQL_TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

// The same instant for PgResult::utc_time to turn into that text: PostgreSQL's
// to_char costs about 0.3 us a value, the plain output a quarter of it, which
// matters in listings of hundreds of rows.
#define STOA_SQL_UTC(col) "(" col " AT TIME ZONE 'UTC')"
