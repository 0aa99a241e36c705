//! The columns of a new run table and where keys that appear later go, by the `[columns]`
//! settings: the run name, the columns given first, the status, then the groups in the
//! order given; columns matching a `hide` pattern start hidden.

use super::ColumnState;
use crate::config::{ColumnGroup, Columns};
use crate::index::{Attr, Column};

/// Attribute columns in the attributes group: shown, then hidden.
const ATTR_COLUMNS: [(Attr, bool); 8] = [
    (Attr::StartTime, true),
    (Attr::Duration, true),
    (Attr::User, true),
    (Attr::RunId, false),
    (Attr::ExperimentId, false),
    (Attr::EndTime, false),
    (Attr::Lifecycle, false),
    (Attr::ArtifactUri, false),
];

/// Where a column belongs by the rules: `(tier, place)`, compared in order. Tier 0 is the
/// run name, 1 the configured first columns, 2 the status, then the groups in the
/// configured order.
fn rank(column: &Column, rules: &Columns) -> (usize, usize) {
    if *column == Column::Attr(Attr::RunName) {
        return (0, 0);
    }
    if let Some(p) = rules
        .first
        .iter()
        .position(|f| Column::parse(f).is_some_and(|c| c == *column))
    {
        return (1, p);
    }
    if *column == Column::Attr(Attr::Status) {
        return (2, 0);
    }
    let group = match column {
        Column::Attr(_) => ColumnGroup::Attributes,
        Column::Metric(_) | Column::MetricAgg(..) => ColumnGroup::Metrics,
        Column::Param(_) => ColumnGroup::Params,
        Column::Tag(_) => ColumnGroup::Tags,
    };
    let tier = 3 + rules.order.iter().position(|g| *g == group).unwrap_or(4);
    let place = match column {
        Column::Attr(a) => ATTR_COLUMNS.iter().position(|(x, _)| x == a).unwrap_or(9),
        _ => 0,
    };
    (tier, place)
}

/// Whether a column is shown before the user picks: the configured first columns are;
/// those matching a `hide` pattern are not; the other attributes as built in.
pub(super) fn shown_by_default(column: &Column, rules: &Columns) -> bool {
    if rank(column, rules).0 <= 2 {
        return true;
    }
    let name = column.name();
    if rules
        .hide
        .iter()
        .any(|p| crate::config::glob_match(p, &name))
    {
        return false;
    }
    match column {
        Column::Attr(a) => ATTR_COLUMNS.iter().any(|(x, shown)| x == a && *shown),
        _ => true,
    }
}

/// The columns of a new table: every attribute, in the order the rules give.
pub(super) fn default_columns(rules: &Columns) -> Vec<ColumnState> {
    let mut attrs: Vec<Column> = std::iter::once(Attr::RunName)
        .chain(std::iter::once(Attr::Status))
        .chain(ATTR_COLUMNS.iter().map(|(a, _)| *a))
        .map(Column::Attr)
        .collect();
    attrs.sort_by_key(|c| rank(c, rules));
    attrs
        .into_iter()
        .map(|column| ColumnState {
            visible: shown_by_default(&column, rules),
            pinned: column == Column::Attr(Attr::RunName),
            column,
            width: None,
        })
        .collect()
}

/// Where a new column goes: after the last column of its rank or an earlier one (so a
/// new metric joins the end of the metrics, wherever the user moved the others).
pub(super) fn insert_position(columns: &[ColumnState], new: &Column, rules: &Columns) -> usize {
    let mine = rank(new, rules);
    columns
        .iter()
        .rposition(|c| rank(&c.column, rules) <= mine)
        .map_or(0, |i| i + 1)
}
