// A whole project as the ZIP download describes it: read from the database
// in one go (projects/project_loader) and written out as README.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "projects/bom_csv.h"

namespace stoa::projects {

struct StepDoc {
    std::string title;
    std::string body;
};

struct ComponentDoc {
    std::string name;
    std::optional<std::string> manufacturer;
    std::optional<std::string> part_number;
    std::optional<std::string> datasheet_url;
    long long quantity = 1;
    std::optional<std::string> notes;
};

struct ToolDoc {
    std::string name;
    std::string kind;  // tool or material
    std::optional<std::string> notes;
};

struct LinkDoc {
    std::string kind;
    std::string title;
    std::string url;
};

// A file or image as it is in the archive (`path` is its entry name).
struct AttachmentDoc {
    std::string path;
    std::uint64_t size = 0;
    std::optional<std::string> text;  // a file's description, an image's caption
    std::optional<int> width;
    std::optional<int> height;
    bool primary = false;
};

struct ProjectDoc {
    std::int64_t id = 0;
    std::string title;
    std::string description;
    std::string background;
    std::optional<std::string> source_url;
    std::vector<std::string> tags;
    std::string author;
    std::string status;
    std::string created_at;
    std::string updated_at;
    std::optional<std::string> published_at;
    std::vector<StepDoc> steps;
    std::vector<BomRow> bom;
    std::vector<ComponentDoc> components;
    std::vector<ToolDoc> tools;
    std::vector<LinkDoc> links;
    std::vector<AttachmentDoc> files;
    std::vector<AttachmentDoc> images;
};

// README.md: title, description, author, dates, tags, background, source
// link, steps in order, BOM table, components table with datasheets, tools
// and materials, links, and the listings of files and images.
std::string readme_markdown(const ProjectDoc& doc);

// Text for one Markdown table cell: pipes escaped, line breaks as spaces.
std::string table_cell(std::string_view text);

}  // namespace stoa::projects
