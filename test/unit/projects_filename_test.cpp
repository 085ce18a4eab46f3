// Original filenames become safe ZIP entry names and download names.
#include <gtest/gtest.h>

#include <string>

#include "projects/safe_filename.h"

using stoa::projects::content_disposition;
using stoa::projects::extension_of;
using stoa::projects::safe_filename;
using stoa::projects::UniqueNames;

TEST(ProjectsFilename, PathTraversalKeepsOnlyTheLastComponent) {
    EXPECT_EQ(safe_filename("../../etc/passwd"), "passwd");
    EXPECT_EQ(safe_filename("..\\..\\windows\\win.ini"), "win.ini");
    EXPECT_EQ(safe_filename("/abs/path/x.stl"), "x.stl");
    EXPECT_EQ(safe_filename(".."), "file") << "nothing left of '..' must not become '..'";
    EXPECT_EQ(safe_filename("../"), "file");
    EXPECT_EQ(safe_filename(""), "file");
    EXPECT_EQ(safe_filename(".hidden"), "hidden") << "leading dots go: no hidden files in the archive";
}

TEST(ProjectsFilename, ControlCharactersAndNulAreReplaced) {
    std::string with_nul("a\0b.txt", 7);
    EXPECT_EQ(safe_filename(with_nul), "a_b.txt");
    EXPECT_EQ(safe_filename("new\nline\r.txt"), "new_line_.txt");
    EXPECT_EQ(safe_filename("q<u>o:t\"e|s?*.md"), "q_u_o_t_e_s__.md");
    EXPECT_EQ(safe_filename("del\x7f.txt"), "del_.txt");
}

TEST(ProjectsFilename, InvalidUtf8AndBidiOverridesAreReplaced) {
    EXPECT_EQ(safe_filename("bad\xff\xfe.txt"), "bad__.txt");
    EXPECT_EQ(safe_filename("photo\xe2\x80\xaegpj.exe"), "photo_gpj.exe") << "U+202E disguises the extension";
    EXPECT_EQ(safe_filename("caf\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87.md"), "caf\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87.md");
}

TEST(ProjectsFilename, LongNamesAreCutKeepingTheExtensionAndValidUtf8) {
    std::string long_name;
    for (int i = 0; i < 150; ++i) long_name += "\xc3\xa9";  // 300 bytes of é
    long_name += ".gcode";
    std::string safe = safe_filename(long_name);
    EXPECT_LE(safe.size(), stoa::projects::kMaxFilenameBytes);
    EXPECT_TRUE(safe.ends_with(".gcode")) << safe;
    EXPECT_EQ((safe.size() - 6) % 2, 0u) << "cut at a character boundary";
}

TEST(ProjectsFilename, ReservedDeviceNamesArePrefixed) {
    EXPECT_EQ(safe_filename("CON"), "_CON");
    EXPECT_EQ(safe_filename("nul.txt"), "_nul.txt");
    EXPECT_EQ(safe_filename("com1.json"), "_com1.json");
    EXPECT_EQ(safe_filename("console.txt"), "console.txt");
}

TEST(ProjectsFilename, ExtensionIsLowerCased) {
    EXPECT_EQ(extension_of("Model.STL"), ".stl");
    EXPECT_EQ(extension_of("README"), "");
    EXPECT_EQ(extension_of("archive.tar.gz"), ".gz");
}

TEST(ProjectsFilename, ContentDispositionHasAsciiFallbackAndRfc5987Name) {
    EXPECT_EQ(content_disposition("attachment", "plain.txt"),
              "attachment; filename=\"plain.txt\"; filename*=UTF-8''plain.txt");
    EXPECT_EQ(content_disposition("attachment", "caf\xc3\xa9 1%.md"),
              "attachment; filename=\"caf_ 1_.md\"; filename*=UTF-8''caf%C3%A9%201%25.md");
    EXPECT_EQ(content_disposition("inline", "a;b'c.txt"),
              "inline; filename=\"a;b'c.txt\"; filename*=UTF-8''a%3Bb%27c.txt");
}

TEST(ProjectsFilename, DuplicatesGetNumberedIgnoringCase) {
    UniqueNames names;
    EXPECT_EQ(names.take("a.txt"), "a.txt");
    EXPECT_EQ(names.take("A.TXT"), "A (2).TXT");
    EXPECT_EQ(names.take("a.txt"), "a (3).txt");
    EXPECT_EQ(names.take("README"), "README");
    EXPECT_EQ(names.take("README"), "README (2)");
}
