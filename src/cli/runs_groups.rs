//! `mltui runs --group-by`: one row per group of runs, with aggregates over each group's
//! runs (`mean(metrics.val/acc)`), ordered by any of its columns.

use anyhow::{Result, bail};

use crate::export::Table;
use crate::index::Column;
use crate::index::column::KeySets;
use crate::index::group::{self, GroupAgg, GroupColumn};
use crate::model::Run;
use crate::text;

/// What `--group-by`, `--agg` and `--order-by` ask for.
pub struct Grouping {
    by: Vec<Column>,
    aggs: Vec<GroupAgg>,
    order: Vec<(GroupColumn, bool)>,
}

impl Grouping {
    /// Checks the aggregates and orderings (before any store is read).
    pub fn parse(by: &[Column], aggs: &[String], order_by: &[String]) -> Result<Grouping> {
        if by.is_empty() {
            bail!("--group-by needs at least one column");
        }
        let mut parsed = Vec::new();
        for a in aggs.iter().filter(|a| !a.trim().is_empty()) {
            match GroupAgg::parse(a) {
                Some(g) if !parsed.contains(&g) => parsed.push(g),
                Some(_) => {}
                None => bail!(
                    "unknown aggregate '{}' in --agg: use mean, std, min, max, median",
                    text::sanitize(a)
                ),
            }
        }
        if parsed.is_empty() {
            bail!("--agg needs at least one of mean, std, min, max, median");
        }
        let mut order = Vec::new();
        for item in order_by {
            let t = item.trim();
            let (col, descending) = match t.rsplit_once(char::is_whitespace) {
                Some((c, d)) if d.eq_ignore_ascii_case("desc") => (c.trim(), true),
                Some((c, d)) if d.eq_ignore_ascii_case("asc") => (c.trim(), false),
                _ => (t, false),
            };
            let Some(c) = GroupColumn::parse(col, by) else {
                bail!(
                    "invalid --order-by '{}' with --group-by: use runs, a column, or \
                     AGG(COLUMN) such as mean(metrics.val/acc), then ASC or DESC",
                    text::sanitize(item)
                );
            };
            order.push((c, descending));
        }
        Ok(Grouping {
            by: by.to_vec(),
            aggs: parsed,
            order,
        })
    }

    /// Run columns the grouping reads (so that their aggregates are loaded).
    pub fn columns_used(&self) -> impl Iterator<Item = &Column> {
        self.by
            .iter()
            .chain(self.order.iter().filter_map(|(c, _)| match c {
                GroupColumn::Key(c) | GroupColumn::Common(c) | GroupColumn::Agg(_, c) => Some(c),
                GroupColumn::Runs => None,
            }))
    }

    /// The table of groups of `rows`: the keys, `runs`, and the aggregates of `shown`
    /// (default: every metric's latest value).
    pub fn table(&self, runs: &[Run], rows: &[usize], shown: Option<&[Column]>, now: i64) -> Table {
        let default: Vec<Column>;
        let shown = match shown {
            Some(s) => s,
            None => {
                default = KeySets::of(rows.iter().map(|&r| &runs[r]))
                    .metrics
                    .into_iter()
                    .map(Column::Metric)
                    .collect();
                &default
            }
        };
        let mut groups = group::group_rows(runs, rows, &self.by, now);
        // The first ordering decides; later ones break its ties (applied in reverse).
        for (c, desc) in self.order.iter().rev() {
            group::sort_groups(&mut groups, c, *desc, runs, &self.by, now);
        }
        let columns = group::group_columns(&self.by, shown, &self.aggs);
        crate::export::groups_table(&groups, runs, &self.by, &columns, now)
    }
}
