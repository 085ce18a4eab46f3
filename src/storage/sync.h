// What `stoactl storage sync` and `storage check` do, apart from printing.
//
// Sync, on the host whose local directory holds the blobs:
//  1. removes the files of released blobs (share, or this host's directory),
//     then their rows;
//  2. moves each local blob to the share: copy, check size and SHA-256 of
//     what was written and of what reads back, flip the row to the share,
//     then delete the local copy;
//  3. sweeps the local directory: copies whose row already says "share" (a
//     sync interrupted after its flip), files without any row older than the
//     grace period (a request interrupted before its insert), and temporary
//     files of interrupted writes.
// Interrupted anywhere, it loses nothing and leaves no row naming a file
// that is not there; running it again finishes the job. One sync per host
// runs at a time (a PostgreSQL advisory lock).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "db/connection.h"
#include "storage/blob_records.h"
#include "storage/file_store.h"

namespace stoa::storage {

struct SyncOptions {
    // Files without a row are left alone this long: their request may still
    // be about to insert it.
    std::int64_t orphan_grace_seconds = 3600;
    int batch = 200;
};

struct SyncReport {
    bool locked_out = false;  // another sync of this host was running
    bool share_configured = true;
    int moved = 0;
    std::uint64_t moved_bytes = 0;
    int left_local = 0;
    int released_removed = 0;
    int released_left = 0;
    int local_copies_removed = 0;
    int orphans_removed = 0;
    int temporaries_removed = 0;
    std::vector<std::string> problems;
    bool ok() const { return problems.empty() && left_local == 0; }
};

using Progress = std::function<void(const std::string&)>;

SyncReport sync_to_share(db::Connection& db, FileStore& files, const SyncOptions& options, const Progress& say);

struct CheckReport {
    Health health = Health::unavailable;
    BlobCounts counts;
    int checked = 0;
    int orphans = 0;        // local files without a row
    int share_orphans = 0;  // files on the share without a row
    int unreferenced = 0;   // live rows that nothing refers to
    // The files without a row, "local NAME" or "share NAME": uploads
    // interrupted between writing the file and inserting its row (or in
    // progress right now). The sync sweeps old local ones; share ones are
    // for the operator to look at.
    std::vector<std::string> without_row;
    std::vector<std::string> problems;
    bool ok() const { return problems.empty() && health != Health::unavailable; }
};

// Probes both stores and checks that every blob this host can reach is
// there with its recorded size (and, with `checksums`, its SHA-256).
CheckReport check_store(db::Connection& db, FileStore& files, bool checksums, const Progress& say);

// SHA-256 and size of a whole source.
Result<PutReceipt> digest(ByteSource& source);

}  // namespace stoa::storage
