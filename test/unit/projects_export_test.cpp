// bom.csv (RFC 4180) and README.md of the ZIP download.
#include <gtest/gtest.h>

#include <string>

#include "projects/bom_csv.h"
#include "projects/project_doc.h"

using namespace stoa::projects;

TEST(ProjectsCsv, FieldsAreQuotedOnlyWhenNeeded) {
    EXPECT_EQ(csv_field("plain"), "plain");
    EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
    EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    EXPECT_EQ(csv_field("two\r\nlines"), "\"two\r\nlines\"");
    EXPECT_EQ(csv_field(""), "");
}

TEST(ProjectsCsv, FormulaLookingCellsAreDefused) {
    EXPECT_EQ(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
    EXPECT_EQ(csv_field("+1"), "'+1");
    EXPECT_EQ(csv_field("-2"), "'-2");
    EXPECT_EQ(csv_field("@sum"), "'@sum");
}

TEST(ProjectsCsv, BomHasHeaderAndCrlfRows) {
    BomRow r;
    r.name = "Resistor, 10k";
    r.quantity = 20;
    r.unit_price = "0.0125";
    r.currency = "EUR";
    std::string csv = bom_csv({r});
    EXPECT_EQ(csv,
              "name,quantity,unit,part_number,supplier_url,unit_price,currency,notes\r\n"
              "\"Resistor, 10k\",20,,,,0.0125,EUR,\r\n");
}

TEST(ProjectsReadme, HasEverySectionInOrder) {
    ProjectDoc d;
    d.title = "Weather | station";
    d.description = "Measures things.";
    d.background = "Because.";
    d.source_url = "https://git.example/ws";
    d.tags = {"esp32", "weather"};
    d.author = "alice";
    d.status = "published";
    d.created_at = "2025-01-01T00:00:00Z";
    d.updated_at = "2025-01-02T00:00:00Z";
    d.published_at = "2025-01-02T00:00:00Z";
    d.steps = {{"Solder", "Heat the iron."}, {"Flash", "Upload the sketch."}};
    BomRow b;
    b.name = "BME280";
    b.quantity = 1;
    d.bom = {b};
    d.components = {{"ESP32", "Espressif", "ESP32-WROOM", "https://ds.example/esp32.pdf", 1, std::nullopt}};
    d.tools = {{"Soldering iron", "tool", std::nullopt}, {"Solder", "material", "lead-free"}};
    d.links = {{"video", "Build video", "https://video.example/1"}};
    d.files = {{"files/sketch.ino", 1234, "the firmware", std::nullopt, std::nullopt, false}};
    d.images = {{"images/front.webp", 2048, "front view", 800, 600, true}};
    std::string md = readme_markdown(d);
    const char* in_order[] = {"# Weather \\| station", "Measures things.", "Author: alice", "Created: 2025-01-01",
                              "Published: 2025-01-02", "Tags: esp32, weather", "https://git.example/ws",
                              "## Background", "Because.", "## Steps", "Step 1: Solder", "Step 2: Flash",
                              "## Bill of materials", "BME280", "## Components", "ESP32",
                              "[datasheet](https://ds.example/esp32.pdf)", "## Tools and materials",
                              "Soldering iron (tool)", "Solder (material): lead-free", "## Links",
                              "[Build video](https://video.example/1) (video)", "## Files", "files/sketch.ino",
                              "the firmware", "## Images", "images/front.webp", "(primary)", "800×600", "front view"};
    std::size_t at = 0;
    for (const char* part : in_order) {
        std::size_t found = md.find(part, at);
        ASSERT_NE(found, std::string::npos) << "missing or out of order: " << part << "\n" << md;
        at = found;
    }
}

TEST(ProjectsReadme, EmptyProjectSaysSoInEachSection) {
    ProjectDoc d;
    d.title = "Empty";
    d.author = "bob";
    d.status = "draft";
    std::string md = readme_markdown(d);
    for (const char* s : {"No steps.", "No items.", "No components.", "None listed.", "No links.", "No files.",
                          "No images.", "Published: not published"})
        EXPECT_NE(md.find(s), std::string::npos) << s;
}

TEST(ProjectsReadme, NonHttpLinksAreNotLinked) {
    ProjectDoc d;
    d.title = "t";
    d.links = {{"other", "bad", "javascript:alert(1)"}};
    std::string md = readme_markdown(d);
    EXPECT_EQ(md.find("](javascript"), std::string::npos) << md;
}
