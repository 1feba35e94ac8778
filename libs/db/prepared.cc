#include "libs/db/prepared.h"

#include <string>

namespace throughline::db {

FilteredStatement& FilteredStatement::Add(std::string_view sql) {
  sql_.append(sql);
  return *this;
}

FilteredStatement& FilteredStatement::Add(std::string_view sql, std::string value) {
  values_.push_back(std::move(value));
  const std::string parameter = "$" + std::to_string(values_.size());
  for (size_t at = sql.find("$?"); at != std::string_view::npos; at = sql.find("$?")) {
    sql_.append(sql.substr(0, at)).append(parameter);
    sql.remove_prefix(at + 2);
  }
  sql_.append(sql);
  return *this;
}

FilteredStatement& FilteredStatement::AddIf(bool present, std::string_view sql, std::string value) {
  name_.push_back(present ? '1' : '0');
  if (present) Add(sql, std::move(value));
  return *this;
}

pqxx::result FilteredStatement::Exec(pqxx::transaction_base& tx) const {
  tx.conn().prepare(name_, sql_);
  return tx.exec_prepared(name_, pqxx::prepare::make_dynamic_params(values_));
}

}  // namespace throughline::db
