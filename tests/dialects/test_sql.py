"""Spec of the two SQL dialects."""

import pytest

from momq.dialects import dialect_names, get_dialect
from momq.errors import UnknownDialect
from tests.dialects.spec import SHOP, Validator


class TestPostgres(Validator):
    dialect_name = "postgres"

    def test_extract(self):
        self.extracts("```sql\nSELECT a FROM t;\n```\nThis query returns a.", "SELECT a FROM t")
        self.extracts("SQL: SELECT count(*) FROM x<|im_end|>\nmore text", "SELECT count(*) FROM x")
        self.extracts(
            "Here is the query:\n\nSELECT a\nFROM t\nWHERE b = 1\n\nIt selects a.", "SELECT a\nFROM t\nWHERE b = 1"
        )
        self.extracts("SELECT 1; SELECT 2;", "SELECT 1")
        self.extracts("```postgresql\nSELECT ';' AS s\n```", "SELECT ';' AS s")
        self.extracts("<|im_start|>assistant\nSELECT 1<|im_end|>", "SELECT 1")
        self.extracts("**SQL:** SELECT name FROM author", "SELECT name FROM author")
        self.extracts("```\nWITH x AS (SELECT 1) SELECT * FROM x\n```", "WITH x AS (SELECT 1) SELECT * FROM x")
        self.extracts("I cannot answer that.", "I cannot answer that.")

    def test_read_only(self):
        self.read_only("SELECT * FROM t")
        self.read_only("WITH a AS (SELECT 1) SELECT * FROM a UNION SELECT 2")
        self.read_only("select name from author where name = 'DROP TABLE author'")
        self.writes("DROP TABLE t")
        self.writes("delete from t")
        self.writes("UPDATE t SET a = 1")
        self.writes("INSERT INTO t VALUES (1)")
        self.writes("ALTER TABLE t ADD COLUMN b INT")
        self.writes("TRUNCATE t")
        self.writes("SELECT 1; DROP TABLE t")
        self.writes("WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d")
        self.writes("SELECT * INTO t2 FROM t")
        self.writes("CREATE TABLE t2 AS SELECT * FROM t")
        self.writes("SELECT * FROM t FOR UPDATE")
        self.writes("SET statement_timeout = 0")
        self.writes("COPY t TO '/tmp/x'")
        self.writes("not sql at all (")

    def test_normalize(self):
        self.same("select A, count(*) from T group by A", "SELECT a, COUNT(*) FROM t GROUP BY a")
        self.same("SELECT a FROM t;", "SELECT  a\nFROM t")
        self.differ("SELECT a FROM t", "SELECT b FROM t")

    def test_validate(self):
        self.valid("SELECT a FROM t WHERE b > 1")
        self.invalid("SELECT FROM WHERE")
        self.invalid("")
        self.invalid("SELECT (1", position=None)

    def test_owned_details(self):
        self.quotes("Order", '"Order"')
        self.quotes('a"b', '"a""b"')
        self.collects(
            SHOP, "customer.name", 'SELECT DISTINCT "name" FROM "customer" WHERE "name" IS NOT NULL LIMIT 100'
        )
        # a table outside the public schema is named schema.table
        self.collects(
            SHOP,
            "consumer_div.wallet.label",
            'SELECT DISTINCT "label" FROM "consumer_div"."wallet" WHERE "label" IS NOT NULL LIMIT 100',
        )
        self.prompts_as("PostgreSQL", "sql")
        self.introspects_with("momq.schema.introspect_sql")


class TestMySQL(Validator):
    dialect_name = "mysql"

    def test_extract(self):
        self.extracts("MySQL: SELECT `a` FROM t LIMIT 1", "SELECT `a` FROM t LIMIT 1")
        self.extracts("```mysql\nSELECT 1 # comment; with semicolon\n```", "SELECT 1 # comment; with semicolon")

    def test_read_only(self):
        self.read_only("SELECT `a` FROM t LIMIT 1")
        self.writes("REPLACE INTO t VALUES (1)")
        self.writes("LOAD DATA INFILE 'x' INTO TABLE t")
        self.writes("SELECT a INTO OUTFILE '/tmp/x' FROM t")
        self.writes("GRANT ALL ON *.* TO 'x'")
        self.writes("LOCK TABLES t WRITE")

    def test_normalize(self):
        self.same("SELECT `A` FROM T", "select a from t")

    def test_validate(self):
        self.valid("SELECT a FROM t LIMIT 1")
        self.invalid("SELEC a FROM t")

    def test_owned_details(self):
        self.quotes("order", "`order`")
        self.quotes("a`b", "`a``b`")
        self.collects(
            SHOP, "customer.name", "SELECT DISTINCT `name` FROM `customer` WHERE `name` IS NOT NULL LIMIT 100"
        )
        self.prompts_as("MySQL", "sql")
        self.introspects_with("momq.schema.introspect_sql")


def test_registry():
    assert dialect_names() == ["cypher", "mysql", "ngql", "postgres"]
    assert get_dialect("postgresql").name == "postgres"
    assert get_dialect("MariaDB").name == "mysql"
    assert {get_dialect(n).family for n in ("mysql", "postgres")} == {"relational"}
    with pytest.raises(UnknownDialect, match="known dialects: cypher, mysql, ngql, postgres"):
        get_dialect("sparql")


@pytest.mark.parametrize("name", ["mysql", "postgres", "cypher", "ngql"])
def test_skeleton_has_crud_and_clauses(name):
    skeleton = get_dialect(name).skeleton
    kinds = {k.kind for k in skeleton}
    assert {"crud", "clause"} <= kinds
    assert all(k.example for k in skeleton)
