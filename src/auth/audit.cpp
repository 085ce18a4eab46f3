#include "auth/audit.h"

#include "log/log.h"
#include "util/text.h"

namespace stoa::auth {
namespace {

constexpr db::Query kInsert{
    "audit_insert",
    STOA_SQL_AUDIT_INSERT "VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7)"};

}  // namespace

void record_event(RequestContext& ctx, std::optional<std::int64_t> user_id, std::string_view event, const Json& detail,
                  std::optional<std::int64_t> actor_id) {
    std::string detail_text = detail ? detail.dump() : "{}";
    ctx.app.db.exec(kInsert, user_id, actor_id, event, detail_text, ctx.req.client_ip(), recorded_user_agent(ctx),
                    ctx.req.request_id());
    log_event(user_id, event, actor_id);
}

std::string recorded_user_agent(const RequestContext& ctx) {
    return clean_header_text(ctx.req.header("User-Agent").value_or(""), 512);
}

void log_event(std::optional<std::int64_t> user_id, std::string_view event, std::optional<std::int64_t> actor_id) {
    Json line = Json::object();
    line.set("security_event", event);
    if (user_id) line.set("user_id", *user_id);
    if (actor_id) line.set("actor_id", *actor_id);
    log::info("audit", line);
}

Json log_entry_json(const db::PgResult& r, int row) {
    Json item = Json::object();
    auto detail = Json::parse(r.str(row, 2));
    item.set("id", r.int64(row, 0))
        .set("event", r.str(row, 1))
        .set("detail", detail ? std::move(detail).value() : Json::object())
        .set("ip", r.str(row, 3))
        .set("user_agent", r.str(row, 4))
        .set("created_at", r.str(row, 5));
    return item;
}

}  // namespace stoa::auth
