#include "storage/sync.h"

#include "storage/blob_io.h"
#include "storage/checksum.h"
#include "storage/smb_blob_store.h"

namespace stoa::storage {
namespace {

constexpr db::Query kTryLock{"storage_sync_try_lock", "SELECT pg_try_advisory_lock(7626302, hashtext($1))"};
constexpr db::Query kUnlock{"storage_sync_unlock", "SELECT pg_advisory_unlock(7626302, hashtext($1))"};

class SyncLock {
public:
    SyncLock(db::Connection& db, std::string host) : db_(db), host_(std::move(host)) {
        held_ = db_.exec(kTryLock, host_).boolean(0, 0);
    }
    ~SyncLock() {
        if (!held_) return;
        try {
            db_.exec(kUnlock, host_);
        } catch (...) {  // NOLINT(bugprone-empty-catch): the session's end releases it too
        }
    }
    SyncLock(const SyncLock&) = delete;
    SyncLock& operator=(const SyncLock&) = delete;
    bool held() const noexcept { return held_; }

private:
    db::Connection& db_;
    std::string host_;
    bool held_ = false;
};

std::string describe(const BlobRecord& r) { return "blob " + std::to_string(r.id) + " (" + r.name.str() + ")"; }

// Reads back what the share holds under the record's name and compares it.
Status verify_on_share(BlobStore& share, const BlobRecord& r) {
    auto st = share.stat(r.name);
    if (!st) return fail(st.error());
    if (st->size != r.size) return fail("size on the share is " + std::to_string(st->size) + ", expected " + std::to_string(r.size));
    auto reader = share.open(r.name);
    if (!reader) return fail(reader.error());
    if (!*reader) return fail("not on the share after the copy");
    auto d = digest(**reader);
    if (!d) return fail(d.error());
    if (d->size != r.size || d->sha256 != r.sha256) return fail("what reads back from the share differs from the record");
    return Ok{};
}

void purge_released_blobs(db::Connection& db, FileStore& files, const SyncOptions& o, SyncReport& report) {
    std::int64_t after = 0;
    for (;;) {
        auto batch = released_blobs(db, files.host(), after, o.batch);
        if (batch.empty()) return;
        for (const auto& r : batch) {
            after = r.id;
            if (r.location == Location::share && !files.has_share()) {
                ++report.released_left;
                continue;
            }
            if (purge_blob(db, files, r)) ++report.released_removed;
            else ++report.released_left;
        }
    }
}

// False when the share failed: the caller stops moving (the rest would fail too).
bool move_one(db::Connection& db, FileStore& files, const BlobRecord& r, SyncReport& report, const Progress& say) {
    BlobStore& share = *files.share();
    auto local = files.local().open(r.name);
    if (!local || !*local) {
        report.problems.push_back(describe(r) + ": the local file cannot be read: " +
                                  (local ? std::string("missing") : local.error()));
        ++report.left_local;
        return true;
    }
    auto put = share.put(r.name, **local);
    if (!put) {
        report.problems.push_back(describe(r) + ": copy to the share failed: " + put.error());
        ++report.left_local;
        return false;
    }
    // The receipt hashes what was read from the local copy while writing.
    if (put->size != r.size || put->sha256 != r.sha256) {
        (void)share.remove(r.name);
        report.problems.push_back(describe(r) + ": the local copy does not match its record (size or SHA-256); left alone");
        ++report.left_local;
        return true;
    }
    if (auto verified = verify_on_share(share, r); !verified) {
        (void)share.remove(r.name);
        report.problems.push_back(describe(r) + ": verification on the share failed: " + verified.error());
        ++report.left_local;
        return true;
    }
    if (!mark_moved_to_share(db, r.id, files.host())) {
        // Released (or gone) meanwhile: the share copy is nobody's.
        auto now = locate_blob(db, r.name);
        if (!now || now->location == Location::local) (void)share.remove(r.name);
        return true;
    }
    if (auto removed = files.local().remove(r.name); !removed)
        report.problems.push_back(describe(r) + ": moved, but the local copy stays: " + removed.error());
    ++report.moved;
    report.moved_bytes += r.size;
    if (say) say("moved " + describe(r) + ", " + std::to_string(r.size) + " bytes");
    return true;
}

void sweep_local(db::Connection& db, FileStore& files, const SyncOptions& o, SyncReport& report) {
    auto entries = files.local().list();
    if (!entries) {
        report.problems.push_back("listing the local directory failed: " + entries.error());
        return;
    }
    for (const auto& e : *entries) {
        auto row = locate_blob(db, e.name);
        bool leftover_copy = row && row->location == Location::share;
        bool orphan = !row && e.age_seconds >= o.orphan_grace_seconds;
        if (!leftover_copy && !orphan) continue;
        if (auto removed = files.local().remove(e.name); !removed) {
            report.problems.push_back("removing " + e.name.str() + " failed: " + removed.error());
            continue;
        }
        ++(leftover_copy ? report.local_copies_removed : report.orphans_removed);
    }
    auto temporaries = files.local().remove_stale_temporaries(o.orphan_grace_seconds);
    if (temporaries) report.temporaries_removed = *temporaries;
}

}  // namespace

Result<PutReceipt> digest(ByteSource& source) {
    PutReceipt out;
    Sha256 sha;
    char buf[65536];
    for (;;) {
        auto n = source.read(buf, sizeof buf);
        if (!n) return fail(n.error());
        if (*n == 0) break;
        sha.update(buf, *n);
        out.size += *n;
    }
    out.sha256 = sha.hex();
    return out;
}

SyncReport sync_to_share(db::Connection& db, FileStore& files, const SyncOptions& options, const Progress& say) {
    SyncReport report;
    SyncLock lock(db, files.host());
    if (!lock.held()) {
        report.locked_out = true;
        return report;
    }
    purge_released_blobs(db, files, options, report);
    report.share_configured = files.has_share();
    if (files.has_share()) {
        std::int64_t after = 0;
        bool share_ok = true;
        while (share_ok) {
            auto batch = local_blobs(db, files.host(), after, options.batch);
            if (batch.empty()) break;
            for (const auto& r : batch) {
                after = r.id;
                if (!share_ok) {
                    ++report.left_local;
                    continue;
                }
                share_ok = move_one(db, files, r, report, say);
            }
        }
        if (!share_ok) {
            // Count what stays behind without trying each.
            for (auto batch = local_blobs(db, files.host(), after, options.batch); !batch.empty();
                 batch = local_blobs(db, files.host(), after, options.batch)) {
                report.left_local += static_cast<int>(batch.size());
                after = batch.back().id;
            }
        }
    }
    sweep_local(db, files, options, report);
    return report;
}

CheckReport check_store(db::Connection& db, FileStore& files, bool checksums, const Progress& say) {
    CheckReport report;
    report.health = files.health();
    report.counts = count_blobs(db, files.host());
    std::int64_t after = 0;
    for (auto batch = live_blobs(db, after, 500); !batch.empty(); batch = live_blobs(db, after, 500)) {
        for (const auto& r : batch) {
            after = r.id;
            if (r.location == Location::local && r.local_host != files.host()) continue;
            BlobStore* store = files.at(r.location);
            if (store == nullptr) {
                report.problems.push_back(describe(r) + ": recorded on the share, but no share is configured");
                continue;
            }
            ++report.checked;
            if (checksums) {
                auto reader = store->open(r.name);
                if (!reader || !*reader) {
                    report.problems.push_back(describe(r) + ": cannot be read from the " + location_name(r.location) +
                                              ": " + (reader ? std::string("missing") : reader.error()));
                    continue;
                }
                auto d = digest(**reader);
                if (!d || d->size != r.size || d->sha256 != r.sha256)
                    report.problems.push_back(describe(r) + ": content differs from the record (size or SHA-256)");
                continue;
            }
            auto st = store->stat(r.name);
            if (!st) report.problems.push_back(describe(r) + ": " + st.error());
            else if (st->size != r.size) report.problems.push_back(describe(r) + ": size differs from the record");
        }
        if (say) say("checked " + std::to_string(report.checked) + " blobs");
    }
    if (auto entries = files.local().list()) {
        for (const auto& e : *entries) {
            if (locate_blob(db, e.name)) continue;
            ++report.orphans;
            report.without_row.push_back("local " + e.name.str());
        }
    } else {
        report.problems.push_back("listing the local directory failed: " + entries.error());
    }
    if (auto* share = dynamic_cast<SmbBlobStore*>(files.share())) {
        if (auto names = share->list()) {
            for (const auto& name : *names) {
                if (locate_blob(db, name)) continue;
                ++report.share_orphans;
                report.without_row.push_back("share " + name.str());
            }
        } else if (report.health == Health::ok) {
            report.problems.push_back("listing the share failed: " + names.error());
        }
    }
    // Rows the other way round: a live blob that no picture, project file
    // or project image refers to was orphaned by a bug (releasing is always
    // done in the owner's transaction).
    for (const auto& r : unreferenced_blobs(db, 1000)) {
        ++report.unreferenced;
        report.problems.push_back(describe(r) + ": live, but no picture, project file or image refers to it");
    }
    return report;
}

}  // namespace stoa::storage
