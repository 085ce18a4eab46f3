// SQL fragments shared by queries, spliced into constant query text at
// compile time (never values: values are always $n parameters).
#pragma once

// A timestamptz column as RFC 3339 UTC text ("2026-11-23T17:54:17Z").
#define STOA_SQL_TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
