// LocalBlobStore and FileStore against a real temporary directory: blobs are
// written atomically under their generated names only, and a share that
// fails sends writes to the local directory without losing them.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "storage/checksum.h"
#include "storage/file_store.h"
#include "storage/local_blob_store.h"
#include "storage/spool_file.h"

namespace fs = std::filesystem;
using namespace stoa::storage;

namespace {

class TempDir {
public:
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "stoa-storage-XXXXXX").string();
        path_ = ::mkdtemp(pattern.data()) != nullptr ? pattern : "";
    }
    ~TempDir() {
        std::error_code ec;
        fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
        fs::remove_all(path_, ec);
    }
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

std::string read_back(BlobStore& store, const BlobName& name) {
    auto reader = store.open(name);
    EXPECT_TRUE(reader) << reader.error();
    if (!reader || !*reader) return "<missing>";
    auto bytes = read_all(**reader, 1 << 24);
    EXPECT_TRUE(bytes);
    return bytes ? *bytes : "<error>";
}

// Every file under root, relative to it.
std::vector<std::string> files_under(const std::string& root) {
    std::vector<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(root))
        if (e.is_regular_file()) out.push_back(fs::relative(e.path(), root).string());
    return out;
}

// A share that is down: every operation fails, as libsmbclient does when
// the server refuses connections.
class DownShare final : public BlobStore {
public:
    int puts = 0;
    std::chrono::milliseconds delay{0};  // how long a failing write takes (a timeout)
    const char* kind() const noexcept override { return "share"; }
    stoa::Result<PutReceipt> put(const BlobName&, ByteSource& from) override {
        ++puts;
        std::this_thread::sleep_for(delay);
        char buf[100];
        (void)from.read(buf, sizeof buf);  // consumes some of the source, like a write that broke off
        return stoa::fail("smb open on smb://127.0.0.1/stoa: Connection refused");
    }
    stoa::Result<std::unique_ptr<ByteSource>> open(const BlobName&) override { return stoa::fail("down"); }
    stoa::Status remove(const BlobName&) override { return stoa::fail("down"); }
    stoa::Result<bool> exists(const BlobName&) override { return stoa::fail("down"); }
    stoa::Result<BlobStat> stat(const BlobName&) override { return stoa::fail("down"); }
    stoa::Status probe() override { return stoa::fail("down"); }
};

}  // namespace

TEST(LocalBlobStore, PutThenReadStatExistsRemove) {
    TempDir dir;
    LocalBlobStore store(dir.path());
    BlobName name = BlobName::generate();
    std::string data(300000, 'x');
    data[12345] = '\0';
    MemorySource source(data);
    auto put = store.put(name, source);
    ASSERT_TRUE(put) << put.error();
    EXPECT_EQ(put->size, data.size());
    EXPECT_EQ(put->sha256, sha256_hex(data)) << "the receipt must hash exactly what was written";
    EXPECT_EQ(read_back(store, name), data);
    EXPECT_EQ(store.stat(name)->size, data.size());
    EXPECT_TRUE(*store.exists(name));
    ASSERT_TRUE(store.remove(name));
    EXPECT_FALSE(*store.exists(name));
    EXPECT_TRUE(store.remove(name)) << "removing a blob that is gone is not an error";
    auto reader = store.open(name);
    ASSERT_TRUE(reader);
    EXPECT_EQ(*reader, nullptr) << "a missing blob opens as null, not as an error";
}

TEST(LocalBlobStore, FilesLandOnlyUnderRootShardSlashName) {
    TempDir dir;
    LocalBlobStore store(dir.path());
    std::vector<BlobName> names;
    for (int i = 0; i < 20; ++i) {
        names.push_back(BlobName::generate());
        std::string data = "blob " + std::to_string(i);
        MemorySource source(data);
        ASSERT_TRUE(store.put(names.back(), source));
    }
    auto files = files_under(dir.path());
    EXPECT_EQ(files.size(), names.size()) << "no temporary file may be left behind";
    for (const auto& n : names)
        EXPECT_NE(std::find(files.begin(), files.end(), n.relative_path()), files.end()) << n.relative_path();
    auto listed = store.list();
    ASSERT_TRUE(listed);
    EXPECT_EQ(listed->size(), names.size());
}

TEST(LocalBlobStore, ListIgnoresFilesThatAreNotBlobs) {
    TempDir dir;
    LocalBlobStore store(dir.path());
    fs::create_directories(dir.path() + "/ab");
    fs::create_directories(dir.path() + "/..x");
    std::ofstream(dir.path() + "/ab/not-a-blob") << "x";
    std::ofstream(dir.path() + "/ab/cd23456789abcdef0123456789abcdef") << "wrong shard";
    std::ofstream(dir.path() + "/.probe-1") << "x";
    auto listed = store.list();
    ASSERT_TRUE(listed);
    EXPECT_TRUE(listed->empty()) << "only NAME under its own shard directory is a blob";
}

TEST(LocalBlobStore, StaleTemporaryFilesAreSweptAndFreshOnesKept) {
    TempDir dir;
    LocalBlobStore store(dir.path());
    BlobName name = BlobName::generate();
    fs::create_directories(dir.path() + "/" + std::string(name.shard()));
    std::string tmp = dir.path() + "/" + std::string(name.shard()) + "/." + name.str() + ".part";
    std::ofstream(tmp) << "half a blob";
    auto kept = store.remove_stale_temporaries(3600);
    ASSERT_TRUE(kept);
    EXPECT_EQ(*kept, 0) << "a fresh temporary file may belong to a write in progress";
    auto removed = store.remove_stale_temporaries(0);
    ASSERT_TRUE(removed);
    EXPECT_EQ(*removed, 1);
    EXPECT_FALSE(fs::exists(tmp));
}

TEST(LocalBlobStore, WriteFailureIsAnErrorAndLeavesNothing) {
    if (::geteuid() == 0) GTEST_SKIP() << "root writes into read-only directories";
    TempDir dir;
    fs::permissions(dir.path(), fs::perms::owner_read | fs::perms::owner_exec);
    LocalBlobStore store(dir.path());
    MemorySource source("data");
    EXPECT_FALSE(store.put(BlobName::generate(), source));
    EXPECT_FALSE(store.probe());
}

TEST(LocalBlobStore, ProbeFailsWhenRootIsNotADirectory) {
    TempDir dir;
    std::string file = dir.path() + "/plain-file";
    std::ofstream(file) << "x";
    LocalBlobStore store(file);
    EXPECT_FALSE(store.probe());
    MemorySource source("data");
    EXPECT_FALSE(store.put(BlobName::generate(), source));
}

TEST(FileStore, WritesGoToTheShareWhenItWorks) {
    TempDir share_dir, local_dir;
    FileStore files(std::make_unique<LocalBlobStore>(share_dir.path()), local_dir.path(), "host-a");
    MemorySource source("picture bytes");
    auto stored = files.store(source);
    ASSERT_TRUE(stored) << stored.error();
    EXPECT_EQ(stored->location, Location::share);
    EXPECT_EQ(stored->sha256, sha256_hex("picture bytes"));
    EXPECT_EQ(files_under(share_dir.path()).size(), 1u);
    EXPECT_TRUE(files_under(local_dir.path()).empty()) << "a blob is written to one store only";
    EXPECT_EQ(files.health(), Health::ok);
}

TEST(FileStore, ShareDownMeansLocalFallbackWithTheWholeBlob) {
    TempDir local_dir;
    auto share = std::make_unique<DownShare>();
    DownShare* down = share.get();
    FileStore files(std::move(share), local_dir.path(), "host-a");
    std::string data(200000, 'p');
    MemorySource source(data);
    auto stored = files.store(source);
    ASSERT_TRUE(stored) << "the write must succeed through the fallback: " << stored.error();
    EXPECT_EQ(stored->location, Location::local);
    EXPECT_EQ(stored->size, data.size()) << "the fallback must get the whole source, read again from its start";
    EXPECT_EQ(read_back(files.local(), stored->name), data);
    EXPECT_EQ(files.health(), Health::degraded);

    // It said no at once: the next write asks it again (it may be back).
    MemorySource again("second");
    ASSERT_TRUE(files.store(again));
    EXPECT_EQ(down->puts, 2);
}

TEST(FileStore, AShareThatTimesOutIsLeftAloneForAWhile) {
    TempDir local_dir;
    auto share = std::make_unique<DownShare>();
    share->delay = std::chrono::milliseconds(1100);
    DownShare* down = share.get();
    FileStore files(std::move(share), local_dir.path(), "host-a");
    MemorySource first("first");
    ASSERT_TRUE(files.store(first));
    MemorySource second("second");
    auto started = std::chrono::steady_clock::now();
    auto stored = files.store(second);
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->location, Location::local);
    EXPECT_EQ(down->puts, 1) << "after a slow failure the next write must not wait on the share again";
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(500));
    EXPECT_EQ(files.health(), Health::degraded) << "/ready still probes the share for real";
}

TEST(FileStore, NoShareConfiguredMeansLocalIsTheStore) {
    TempDir local_dir;
    FileStore files(nullptr, local_dir.path(), "host-a");
    MemorySource source("x");
    auto stored = files.store(source);
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->location, Location::local);
    EXPECT_EQ(files.health(), Health::ok) << "local-only is a configuration, not a degradation";
    EXPECT_EQ(files.at(Location::share), nullptr);
}

TEST(FileStore, NothingWritableIsUnavailable) {
    TempDir dir;
    std::string file = dir.path() + "/plain-file";
    std::ofstream(file) << "x";
    FileStore files(std::make_unique<DownShare>(), file, "host-a");
    EXPECT_EQ(files.health(), Health::unavailable);
    MemorySource source("x");
    EXPECT_FALSE(files.store(source));
}

TEST(SpoolFile, HoldsWhatWasAppendedAndLeavesNoName) {
    TempDir dir;
    auto spool = SpoolFile::create(dir.path() + "/.spool");
    ASSERT_TRUE(spool) << spool.error();
    std::string chunk(70000, 'z');
    ASSERT_TRUE(spool->append(chunk.data(), chunk.size()));
    ASSERT_TRUE(spool->append("end", 3));
    EXPECT_EQ(spool->size(), chunk.size() + 3);
    EXPECT_TRUE(files_under(dir.path()).empty()) << "a spool file must have no name on disk";
    auto all = read_all(*spool, 1 << 20);
    ASSERT_TRUE(all);
    EXPECT_EQ(*all, chunk + "end");
    ASSERT_TRUE(spool->rewind());
    char first = 0;
    ASSERT_TRUE(spool->read(&first, 1));
    EXPECT_EQ(first, 'z');
}
