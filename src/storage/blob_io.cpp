#include "storage/blob_io.h"

#include "log/log.h"

namespace stoa::storage {
namespace {

// Where the record's file is reachable from this host, or null.
BlobStore* store_for(FileStore& files, const BlobRecord& record) {
    if (record.location == Location::local && record.local_host != files.host()) return nullptr;
    return files.at(record.location);
}

}  // namespace

BlobBytes read_blob(db::Connection& db, FileStore& files, const BlobRecord& first, std::size_t max) {
    std::optional<BlobRecord> record = first;
    for (int attempt = 0; attempt < 2 && record; ++attempt) {
        BlobStore* store = store_for(files, *record);
        if (store == nullptr) {
            log::warn("blob_unreachable", Json::object()
                                              .set("blob", record->name.str())
                                              .set("location", location_name(record->location))
                                              .set("host", record->local_host.value_or("")));
            return {std::nullopt, ReadFailure::unavailable};
        }
        auto reader = store->open(record->name);
        if (!reader) {
            log::warn("blob_read_failed", Json::object().set("blob", record->name.str()).set("error", reader.error()));
            return {std::nullopt, ReadFailure::unavailable};
        }
        if (*reader) {
            auto bytes = read_all(**reader, max);
            if (!bytes) {
                log::warn("blob_read_failed", Json::object().set("blob", record->name.str()).set("error", bytes.error()));
                return {std::nullopt, ReadFailure::unavailable};
            }
            return {std::move(*bytes), ReadFailure::missing};
        }
        // Not there: moved by a sync since the row was read?
        Location was = record->location;
        record = find_blob(db, record->id);
        if (record && record->location == was) break;
    }
    log::error("blob_missing", Json::object().set("blob", first.name.str()).set("location", location_name(first.location)));
    return {std::nullopt, ReadFailure::missing};
}

BlobReader open_blob(db::Connection& db, FileStore& files, const BlobRecord& first) {
    std::optional<BlobRecord> record = first;
    for (int attempt = 0; attempt < 2 && record; ++attempt) {
        BlobStore* store = store_for(files, *record);
        if (store == nullptr) return {nullptr, ReadFailure::unavailable};
        auto reader = store->open(record->name);
        if (!reader) {
            log::warn("blob_read_failed", Json::object().set("blob", record->name.str()).set("error", reader.error()));
            return {nullptr, ReadFailure::unavailable};
        }
        if (*reader) return {std::move(*reader), ReadFailure::missing};
        Location was = record->location;
        record = find_blob(db, record->id);
        if (record && record->location == was) break;
    }
    log::error("blob_missing", Json::object().set("blob", first.name.str()).set("location", location_name(first.location)));
    return {nullptr, ReadFailure::missing};
}

UncommittedBlob::~UncommittedBlob() {
    if (kept_) return;
    BlobStore* store = files_.at(blob_.location);
    Status removed = store != nullptr ? store->remove(blob_.name) : Status(fail("no share configured"));
    if (!removed) {
        log::warn("blob_orphaned", Json::object()
                                       .set("blob", blob_.name.str())
                                       .set("location", location_name(blob_.location))
                                       .set("error", removed.error()));
    }
}

bool purge_blob(db::Connection& db, FileStore& files, const BlobRecord& record) {
    BlobStore* store = store_for(files, record);
    if (store == nullptr) return false;
    if (auto removed = store->remove(record.name); !removed) {
        log::warn("blob_remove_failed", Json::object()
                                            .set("blob", record.name.str())
                                            .set("error", removed.error())
                                            .set("hint", "stoactl storage sync retries"));
        return false;
    }
    forget_blob(db, record.id);
    return true;
}

}  // namespace stoa::storage
