#pragma once
// Human renderings of records and receipts (`optguard ledger list`, `export --format text|html`).

#include <nlohmann/json.hpp>
#include <string>

namespace optguard::ledger {

// One line saying what a listed record ({seq, time, type, ...}) means.
std::string describe_record(const nlohmann::json& record);
std::string render_receipt_text(const nlohmann::json& receipt);
std::string render_receipt_html(const nlohmann::json& receipt);

}  // namespace optguard::ledger
