// The throwaway PostgreSQL server of scripts/test (testing/postgres.sh exports BILLPIPE_TEST_PG), and a
// fresh schema per test so that tests do not see each other's tables.
#pragma once

#include <libpq-fe.h>

#include <cstdlib>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace billpipe::testing {

// The server's connection string, or "" when no test server was started. Without one, the tests that need
// it are skipped with a message, except under CI=true, where that is a failure.
inline std::string TestPgConninfo() {
  const char* c = std::getenv("BILLPIPE_TEST_PG");
  return c ? c : "";
}

#define BP_REQUIRE_TEST_PG()                                                                               \
  do {                                                                                                     \
    if (::billpipe::testing::TestPgConninfo().empty()) {                                                   \
      const char* ci = std::getenv("CI");                                                                  \
      if (ci && std::string(ci) == "true") FAIL() << "BILLPIPE_TEST_PG is not set (CI=true): run scripts/test"; \
      GTEST_SKIP() << "BILLPIPE_TEST_PG is not set: PostgreSQL tests skipped (run scripts/test, or "        \
                      "source testing/postgres.sh; pg_start)";                                             \
    }                                                                                                      \
  } while (0)

// One connection to the test server, for checks from the outside (as a reader would).
class PgTestConn {
 public:
  explicit PgTestConn(const std::string& conninfo) : conn_(PQconnectdb(conninfo.c_str())) {
    EXPECT_EQ(PQstatus(conn_), CONNECTION_OK) << PQerrorMessage(conn_);
  }
  ~PgTestConn() { PQfinish(conn_); }
  PgTestConn(const PgTestConn&) = delete;
  PgTestConn& operator=(const PgTestConn&) = delete;

  // The first column of every row; NULL as "NULL"; an error as "error: MESSAGE" (first line).
  std::vector<std::string> Column(const std::string& sql) {
    PGresult* r = PQexec(conn_, sql.c_str());
    std::vector<std::string> out;
    if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK) {
      std::string m = PQresultErrorMessage(r);
      out.push_back("error: " + m.substr(0, m.find('\n')));
    } else {
      for (int i = 0; i < PQntuples(r); ++i) out.push_back(PQgetisnull(r, i, 0) ? "NULL" : PQgetvalue(r, i, 0));
    }
    PQclear(r);
    return out;
  }
  // The first column of the first row ("" when there is none).
  std::string One(const std::string& sql) {
    auto rows = Column(sql);
    return rows.empty() ? "" : rows[0];
  }

 private:
  PGconn* conn_;
};

// A schema of its own for a test, dropped with everything in it at the end. conninfo() connects with it
// as the search path.
class PgTestSchema {
 public:
  explicit PgTestSchema(std::string name) : name_(std::move(name)), admin_(TestPgConninfo()) {
    admin_.One("DROP SCHEMA IF EXISTS " + name_ + " CASCADE");
    EXPECT_EQ(admin_.One("CREATE SCHEMA " + name_), "");
  }
  ~PgTestSchema() { admin_.One("DROP SCHEMA IF EXISTS " + name_ + " CASCADE"); }
  std::string conninfo() const { return TestPgConninfo() + " options='-csearch_path=" + name_ + "'"; }
  PgTestConn& admin() { return admin_; }

 private:
  std::string name_;
  PgTestConn admin_;
};

}  // namespace billpipe::testing
