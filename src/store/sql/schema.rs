//! Which of MLflow's tables and columns a database has, read from its catalog (MLflow 1.x to
//! 3.x differ: `latest_metrics`, `is_nan`, `inputs`, `workspace`, …), and the check that it
//! is an MLflow tracking database at all.

use std::collections::{HashMap, HashSet};

use super::cell::Cells;
use super::{Conn, Dialect};
use crate::store::StoreError;

/// Tables and columns (lower case) of a tracking database.
#[derive(Debug, Default, Clone)]
pub(crate) struct Schema {
    tables: HashMap<String, HashSet<String>>,
}

impl Schema {
    /// Reads the catalog.
    pub fn read(conn: &mut dyn Conn, dialect: Dialect) -> Result<Self, StoreError> {
        let mut schema = Schema::default();
        conn.query(dialect.catalog(), &[], &mut |row| {
            let mut c = Cells::new(row);
            if let (Some(t), Some(col)) = (c.name(0, "table"), c.name(1, "column")) {
                schema
                    .tables
                    .entry(t.to_ascii_lowercase())
                    .or_default()
                    .insert(col.to_ascii_lowercase());
            }
        })?;
        Ok(schema)
    }

    pub fn tables_count(&self) -> usize {
        self.tables.len()
    }

    pub fn has_table(&self, t: &str) -> bool {
        self.tables.contains_key(t)
    }

    pub fn has_column(&self, t: &str, c: &str) -> bool {
        self.tables.get(t).is_some_and(|cols| cols.contains(c))
    }

    /// `column` (quoted, prefixed with `alias.` when given) if the table has it, else `NULL`.
    pub fn col(&self, table: &str, alias: &str, column: &str) -> String {
        if !self.has_column(table, column) {
            return "NULL".into();
        }
        if alias.is_empty() {
            format!("\"{column}\"")
        } else {
            format!("{alias}.\"{column}\"")
        }
    }

    /// `is_nan` of `table` as a 0/1 expression (old schemas have no such column).
    pub fn is_nan(&self, table: &str, alias: &str) -> String {
        match self.col(table, alias, "is_nan") {
            c if c == "NULL" => "0".into(),
            c => c,
        }
    }

    /// Refuses a database that is not an MLflow tracking store, naming what is missing.
    pub fn check_mlflow(&self) -> Result<(), String> {
        if self.tables.is_empty() {
            return Err("not an MLflow tracking database: it has no tables".into());
        }
        for required in ["experiments", "runs"] {
            if !self.has_table(required) {
                return Err(format!(
                    "not an MLflow tracking database: it has no '{required}' table"
                ));
            }
        }
        for col in ["run_uuid", "experiment_id", "status", "start_time"] {
            if !self.has_column("runs", col) {
                return Err(format!(
                    "not an MLflow tracking database: table 'runs' has no '{col}' column"
                ));
            }
        }
        for col in ["experiment_id", "name"] {
            if !self.has_column("experiments", col) {
                return Err(format!(
                    "not an MLflow tracking database: table 'experiments' has no '{col}' column"
                ));
            }
        }
        Ok(())
    }

    /// Test helper: a schema with exactly these tables and columns.
    #[cfg(test)]
    pub fn of(tables: &[(&str, &[&str])]) -> Self {
        Self {
            tables: tables
                .iter()
                .map(|(t, cols)| (t.to_string(), cols.iter().map(|c| c.to_string()).collect()))
                .collect(),
        }
    }
}
