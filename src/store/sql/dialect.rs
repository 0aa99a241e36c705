//! Where SQLite, PostgreSQL and MySQL/MariaDB differ for the queries mltui runs: parameter
//! markers, identifier quoting, the catalog, what costs what, and which comparisons are exact.
//!
//! The queries are written once (in `sql/`), with `?` parameters and `"quoted"` identifiers;
//! [`Dialect::prepare`] turns them into the database's own spelling.

use std::borrow::Cow;

/// A SQL dialect.
#[allow(dead_code)] // PostgreSQL and MySQL arrive with their backends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
    Mysql,
}

impl Dialect {
    /// The query text as this database wants it: `$1, $2, …` parameters for PostgreSQL,
    /// backquoted identifiers for MySQL. Queries hold no string literal with `?` or `"`.
    #[allow(dead_code)]
    pub fn prepare(self, sql: &str) -> Cow<'_, str> {
        match self {
            Dialect::Sqlite => Cow::Borrowed(sql),
            Dialect::Mysql => Cow::Owned(sql.replace('"', "`")),
            Dialect::Postgres => {
                let mut out = String::with_capacity(sql.len() + 16);
                let mut n = 0;
                for c in sql.chars() {
                    if c == '?' {
                        n += 1;
                        out.push('$');
                        out.push_str(&n.to_string());
                    } else {
                        out.push(c);
                    }
                }
                Cow::Owned(out)
            }
        }
    }

    /// Every (table, column) of the store's schema: one query, rows of two texts.
    pub fn catalog(self) -> &'static str {
        match self {
            Dialect::Sqlite => {
                "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
                 WHERE m.type = 'table'"
            }
            Dialect::Postgres => {
                "SELECT table_name, column_name FROM information_schema.columns \
                 WHERE table_schema = current_schema()"
            }
            Dialect::Mysql => {
                "SELECT table_name, column_name FROM information_schema.columns \
                 WHERE table_schema = DATABASE()"
            }
        }
    }

    /// A database server (not a local SQLite file).
    pub fn server(self) -> bool {
        self != Dialect::Sqlite
    }

    /// Whether a scan may carry a subquery naming the wanted runs. A server evaluates it
    /// once; SQLite reads tables in many short slices and would evaluate it for each, so it
    /// reads whole tables and keeps the wanted rows itself.
    pub fn subqueries_in_scans(self) -> bool {
        self != Dialect::Sqlite
    }

    /// Whether `=`, `<>`, `NOT IN` and key lookups on text compare exactly (byte for byte).
    /// MySQL's usual collations ignore case (and trailing spaces), so there only `=`/`IN`
    /// narrow (they still match every exact match).
    pub fn exact_text(self) -> bool {
        self != Dialect::Mysql
    }

    /// `LIKE` that matches at least what SQL's case-sensitive `LIKE` without escape
    /// characters matches (mltui's `LIKE`), if the database has one.
    pub fn like(self) -> Option<&'static str> {
        match self {
            // Case-insensitive for ASCII only: a superset of the case-sensitive match.
            Dialect::Sqlite => Some("LIKE ?"),
            Dialect::Postgres => Some("LIKE ? ESCAPE ''"),
            Dialect::Mysql => None,
        }
    }

    /// How many values one `IN (…)` list carries: SQLite keeps each statement short.
    pub fn batch(self) -> usize {
        match self {
            Dialect::Sqlite => 200,
            _ => 500,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_and_quotes() {
        let q = r#"SELECT "key" FROM params WHERE run_uuid = ? AND "key" IN (?, ?)"#;
        assert_eq!(Dialect::Sqlite.prepare(q), q);
        assert_eq!(
            Dialect::Postgres.prepare(q),
            r#"SELECT "key" FROM params WHERE run_uuid = $1 AND "key" IN ($2, $3)"#
        );
        assert_eq!(
            Dialect::Mysql.prepare(q),
            "SELECT `key` FROM params WHERE run_uuid = ? AND `key` IN (?, ?)"
        );
    }
}
