#include "projects/project_doc.h"

#include "storage/upload.h"

namespace stoa::projects {
namespace {

std::string or_dash(const std::optional<std::string>& v) {
    return v && !v->empty() ? table_cell(*v) : "-";
}

// A link in Markdown, or the bare text when the URL is not http(s).
std::string md_link(std::string_view text, std::string_view url) {
    if (!(url.starts_with("http://") || url.starts_with("https://"))) return table_cell(text);
    std::string target;
    for (char c : url) {
        if (c == ' ') target += "%20";
        else if (c == '(') target += "%28";
        else if (c == ')') target += "%29";
        else target += c;
    }
    return "[" + table_cell(text) + "](" + target + ")";
}

void section(std::string& out, const char* heading) {
    out += "\n## ";
    out += heading;
    out += "\n\n";
}

void attachments(std::string& out, const std::vector<AttachmentDoc>& items, bool images) {
    if (items.empty()) {
        out += images ? "No images.\n" : "No files.\n";
        return;
    }
    out += images ? "| Image | Size | Dimensions | Caption |\n|---|---|---|---|\n"
                  : "| File | Size | Description |\n|---|---|---|\n";
    for (const auto& a : items) {
        out += "| [" + table_cell(a.path) + "](<" + a.path + ">)" + (a.primary ? " (primary)" : "") + " | " +
               storage::size_text(a.size) + " | ";
        if (images) {
            out += a.width && a.height ? std::to_string(*a.width) + "×" + std::to_string(*a.height) : std::string("-");
            out += " | ";
        }
        out += or_dash(a.text) + " |\n";
    }
}

}  // namespace

std::string table_cell(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '|') out += "\\|";
        else if (c == '\r') continue;
        else if (c == '\n') out += ' ';
        else out += c;
    }
    return out;
}

std::string readme_markdown(const ProjectDoc& d) {
    std::string out = "# " + table_cell(d.title) + "\n\n";
    if (!d.description.empty()) out += d.description + "\n\n";
    out += "- Author: " + d.author + "\n";
    out += "- Status: " + d.status + "\n";
    out += "- Created: " + d.created_at + "\n";
    out += "- Updated: " + d.updated_at + "\n";
    out += "- Published: " + d.published_at.value_or("not published") + "\n";
    out += "- Tags: ";
    if (d.tags.empty()) out += "none";
    for (std::size_t i = 0; i < d.tags.size(); ++i) out += (i ? ", " : "") + d.tags[i];
    out += "\n";
    out += "- Source: " + (d.source_url ? md_link(*d.source_url, *d.source_url) : std::string("none")) + "\n";

    section(out, "Background");
    out += d.background.empty() ? "None given.\n" : d.background + "\n";

    section(out, "Steps");
    if (d.steps.empty()) out += "No steps.\n";
    for (std::size_t i = 0; i < d.steps.size(); ++i) {
        out += "### Step " + std::to_string(i + 1) + ": " + table_cell(d.steps[i].title) + "\n\n";
        if (!d.steps[i].body.empty()) out += d.steps[i].body + "\n\n";
    }

    section(out, "Bill of materials");
    if (d.bom.empty()) {
        out += "No items.\n";
    } else {
        out += "Also in `bom.csv`.\n\n| Item | Quantity | Unit | Part number | Supplier | Unit price | Notes |\n"
               "|---|---|---|---|---|---|---|\n";
        for (const auto& b : d.bom) {
            std::string price = b.unit_price ? *b.unit_price + (b.currency ? " " + *b.currency : "") : "-";
            out += "| " + table_cell(b.name) + " | " + std::to_string(b.quantity) + " | " + or_dash(b.unit) + " | " +
                   or_dash(b.part_number) + " | " + (b.supplier_url ? md_link("link", *b.supplier_url) : "-") + " | " +
                   table_cell(price) + " | " + or_dash(b.notes) + " |\n";
        }
    }

    section(out, "Components");
    if (d.components.empty()) {
        out += "No components.\n";
    } else {
        out += "| Component | Quantity | Manufacturer | Part number | Datasheet | Notes |\n|---|---|---|---|---|---|\n";
        for (const auto& c : d.components) {
            out += "| " + table_cell(c.name) + " | " + std::to_string(c.quantity) + " | " + or_dash(c.manufacturer) +
                   " | " + or_dash(c.part_number) + " | " +
                   (c.datasheet_url ? md_link("datasheet", *c.datasheet_url) : "-") + " | " + or_dash(c.notes) + " |\n";
        }
    }

    section(out, "Tools and materials");
    if (d.tools.empty()) out += "None listed.\n";
    for (const auto& t : d.tools)
        out += "- " + table_cell(t.name) + " (" + t.kind + ")" + (t.notes ? ": " + table_cell(*t.notes) : "") + "\n";

    section(out, "Links");
    if (d.links.empty()) out += "No links.\n";
    for (const auto& l : d.links) out += "- " + md_link(l.title, l.url) + " (" + l.kind + ")\n";

    section(out, "Files");
    attachments(out, d.files, false);
    section(out, "Images");
    attachments(out, d.images, true);
    return out;
}

}  // namespace stoa::projects
