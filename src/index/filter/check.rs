//! Checks of a parsed comparison, in MLflow's words: entity names and attribute keys,
//! value types per entity, and the comparators each entity allows.

use super::FilterError;
use super::ast::{DatasetField, NumOp, Subject, Test, TextOp};
use crate::index::column::Attr;

const ENTITIES: &str = "['metric', 'parameter', 'tag', 'attribute', 'dataset']";
const NUM_OPS: &str = "'{'=', '!=', '<', '<=', '>', '>='}'";
const TEXT_OPS: &str = "'{'=', '!=', 'LIKE', 'ILIKE', 'IS NULL', 'IS NOT NULL'}'";
const STR_ATTR_OPS: &str = "'{'=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'}'";

/// Where an identifier is used: filters and order-by accept slightly different attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Purpose {
    Filter,
    Order,
}

/// An identifier as written: `entity.key`, or a bare attribute name.
#[derive(Debug, Clone)]
pub(super) struct RawIdent {
    pub start: usize,
    pub end: usize,
    pub entity: Option<String>,
    pub key: String,
    /// A single unquoted word (so possibly a keyword like `AND`).
    pub bare_word: bool,
}

/// A comparator as written.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum RawOp {
    Sym(String),
    Like,
    ILike,
    In,
    NotIn,
    IsNull,
    IsNotNull,
    /// Recognised SQL but not supported by MLflow (`NOT LIKE`, `RLIKE`, ...).
    Unsupported(String),
}

impl RawOp {
    pub(super) fn shown(&self) -> String {
        match self {
            RawOp::Sym(s) | RawOp::Unsupported(s) => s.clone(),
            RawOp::Like => "LIKE".into(),
            RawOp::ILike => "ILIKE".into(),
            RawOp::In => "IN".into(),
            RawOp::NotIn => "NOT IN".into(),
            RawOp::IsNull => "IS NULL".into(),
            RawOp::IsNotNull => "IS NOT NULL".into(),
        }
    }
}

/// A right-hand side as written; `raw` is its source text for messages.
#[derive(Debug, Clone)]
pub(super) enum RawValue {
    Num(f64),
    Str(String),
    /// An unquoted word or a backticked name where a value belongs.
    Bare,
    /// A parenthesised list; `None` items are not quoted strings.
    List(Vec<Option<String>>),
}

/// Maps an identifier to what it names, with MLflow's messages for unknown names.
pub(super) fn resolve(id: &RawIdent, purpose: Purpose) -> Result<Subject, FilterError> {
    let err = |m: String| Err(FilterError::new(id.start, m));
    let kind = match id.entity.as_deref() {
        None => "attribute",
        Some("metric" | "metrics") => "metric",
        Some("parameter" | "parameters" | "param" | "params") => "parameter",
        Some("tag" | "tags") => "tag",
        Some("attribute" | "attributes" | "attr" | "run") => "attribute",
        Some("dataset" | "datasets") => "dataset",
        Some(e) => {
            return err(format!(
                "Invalid entity type '{e}'. Valid values are {ENTITIES}"
            ));
        }
    };
    let key = id.key.clone();
    Ok(match kind {
        "metric" => Subject::Metric(key),
        "parameter" => Subject::Param(key),
        "tag" => Subject::Tag(key),
        "dataset" => match key.as_str() {
            "name" => Subject::Dataset(DatasetField::Name),
            "digest" => Subject::Dataset(DatasetField::Digest),
            "context" => Subject::Dataset(DatasetField::Context),
            _ => {
                return err(format!(
                    "Invalid dataset key '{key}' specified. Valid keys are '{{'name', 'digest', 'context'}}'"
                ));
            }
        },
        _ => {
            let attr = match key.as_str() {
                "run_id" => Some(Attr::RunId),
                "run_name" => Some(Attr::RunName),
                "run name" | "Run name" | "Run Name" if purpose == Purpose::Filter => {
                    Some(Attr::RunName)
                }
                "status" => Some(Attr::Status),
                "user_id" => Some(Attr::User),
                "artifact_uri" => Some(Attr::ArtifactUri),
                "start_time" | "created" | "Created" => Some(Attr::StartTime),
                "end_time" => Some(Attr::EndTime),
                _ => None,
            };
            match attr {
                Some(a) => Subject::Attr(a),
                None => {
                    return err(format!(
                        "Invalid attribute key '{key}' specified. Valid keys are '{{'run_id', 'run_name', \
                         'status', 'user_id', 'artifact_uri', 'start_time', 'created', 'end_time'}}'"
                    ));
                }
            }
        }
    })
}

fn is_numeric_attr(a: Attr) -> bool {
    matches!(a, Attr::StartTime | Attr::EndTime)
}

/// MLflow's entity type name and the key as written, for messages.
pub(super) fn kind_and_key<'a>(s: &Subject, id: &'a RawIdent) -> (&'static str, &'a str) {
    let kind = match s {
        Subject::Metric(_) | Subject::MetricAgg(..) => "metric",
        Subject::Param(_) => "parameter",
        Subject::Tag(_) => "tag",
        Subject::Attr(_) => "attribute",
        Subject::Dataset(_) => "dataset",
    };
    (kind, &id.key)
}

/// True for `<`, `<=`, `>`, `>=`: the comparators of mltui's numeric params and tags.
fn is_ordering(op: &RawOp) -> bool {
    matches!(op, RawOp::Sym(s) if matches!(s.as_str(), "<" | "<=" | ">" | ">="))
}

/// Checks the value's type against the subject, in MLflow's words. mltui's extension: an
/// unquoted number compared with `<`, `<=`, `>` or `>=` to a param or tag compares it as a
/// number (MLflow refuses unquoted values for params and tags).
pub(super) fn check_value(
    s: &Subject,
    id: &RawIdent,
    op: &RawOp,
    v: &RawValue,
    raw: &str,
) -> Result<(), String> {
    let not_quoted = || {
        format!(
            "Parameter value is either not quoted or unidentified quote types used for string \
             value {raw}. Use either single or double quotes."
        )
    };
    match (s, v) {
        (Subject::Metric(_) | Subject::MetricAgg(..), RawValue::Num(_)) => Ok(()),
        (Subject::Metric(_) | Subject::MetricAgg(..), _) => Err(format!(
            "Expected numeric value type for metric. Found {raw}"
        )),
        (Subject::Attr(a), RawValue::Num(_)) if is_numeric_attr(*a) => Ok(()),
        (Subject::Attr(a), _) if is_numeric_attr(*a) => Err(format!(
            "Expected numeric value type for numeric attribute: {}. Found {raw}",
            id.key
        )),
        (_, RawValue::Str(_)) => Ok(()),
        (_, RawValue::Bare) => Err(not_quoted()),
        (Subject::Param(_) | Subject::Tag(_), RawValue::Num(_)) if is_ordering(op) => Ok(()),
        (Subject::Param(_) | Subject::Tag(_), RawValue::Num(_)) => {
            let (kind, key) = kind_and_key(s, id);
            let entity = if kind == "tag" { "tags" } else { "params" };
            Err(format!(
                "Expected a quoted string value for {kind} (e.g. 'my-value'). Got value {raw} \
                 (mltui compares {entity} with unquoted numbers only by <, <=, > and >=; \
                 to test equality, quote the value: {entity}.{} {} '{raw}')",
                super::ast::key(key),
                op.shown()
            ))
        }
        (Subject::Param(_) | Subject::Tag(_), _) => {
            let (kind, _) = kind_and_key(s, id);
            Err(format!(
                "Expected a quoted string value for {kind} (e.g. 'my-value'). Got value {raw}"
            ))
        }
        (Subject::Attr(Attr::RunId) | Subject::Dataset(_), RawValue::List(items)) => {
            check_list(items, raw)
        }
        (Subject::Attr(_), RawValue::List(_)) => Err(
            "Only ['run_id'] attributes support comparison with a list of quoted string values."
                .into(),
        ),
        (Subject::Attr(_), RawValue::Num(_)) => Err(format!(
            "Expected a quoted string value for attributes. Got value {raw}"
        )),
        (Subject::Dataset(_), RawValue::Num(_)) => Err(format!(
            "Expected a quoted string value for dataset attributes. Got value {raw}"
        )),
    }
}

fn check_list(items: &[Option<String>], raw: &str) -> Result<(), String> {
    if items.is_empty() {
        return Err("While parsing a list in the query, expected a non-empty list of string values, but got empty list".into());
    }
    if items.iter().any(Option::is_none) {
        return Err(format!(
            "While parsing a list in the query, expected string value, punctuation, or whitespace, \
             but got different type in list: {raw}"
        ));
    }
    Ok(())
}

/// Combines a checked value with the comparator, refusing comparators the subject lacks.
pub(super) fn build_test(s: &Subject, op: &RawOp, v: RawValue) -> Result<Test, String> {
    let shown = op.shown();
    let sym = |allowed: &str| -> Result<NumOp, String> {
        Ok(match op {
            RawOp::Sym(x) if x == "=" => NumOp::Eq,
            RawOp::Sym(x) if x == "!=" => NumOp::Ne,
            RawOp::Sym(x) if x == "<" => NumOp::Lt,
            RawOp::Sym(x) if x == "<=" => NumOp::Le,
            RawOp::Sym(x) if x == ">" => NumOp::Gt,
            RawOp::Sym(x) if x == ">=" => NumOp::Ge,
            _ => return Err(format!("Invalid comparator '{shown}' not one of {allowed}")),
        })
    };
    match (s, v) {
        (Subject::Metric(_) | Subject::MetricAgg(..), RawValue::Num(x)) => {
            Ok(Test::Num(sym(NUM_OPS)?, x))
        }
        (Subject::Param(_) | Subject::Tag(_), RawValue::Num(x)) => {
            Ok(Test::Num(sym("'{'<', '<=', '>', '>='}'")?, x))
        }
        (Subject::Attr(_), RawValue::Num(x)) => Ok(Test::Num(sym(NUM_OPS)?, x)),
        (Subject::Param(_) | Subject::Tag(_), RawValue::Str(x)) => text_test(op, x, TEXT_OPS),
        (_, RawValue::Str(x)) => match op {
            RawOp::In | RawOp::NotIn => Err(format!(
                "{shown} needs a parenthesised list of quoted values, e.g. {shown} ('a', 'b')"
            )),
            _ => text_test(op, x, STR_ATTR_OPS),
        },
        (_, RawValue::List(items)) => match op {
            RawOp::In | RawOp::NotIn => Ok(Test::In {
                negated: *op == RawOp::NotIn,
                values: items.into_iter().flatten().collect(),
            }),
            _ => Err(format!(
                "A list of values needs IN or NOT IN, not '{shown}'"
            )),
        },
        _ => Err(format!("Invalid comparator '{shown}'")),
    }
}

fn text_test(op: &RawOp, x: String, allowed: &str) -> Result<Test, String> {
    let t = match op {
        RawOp::Sym(s) if s == "=" => TextOp::Eq,
        RawOp::Sym(s) if s == "!=" => TextOp::Ne,
        RawOp::Like => TextOp::Like,
        RawOp::ILike => TextOp::ILike,
        _ => {
            return Err(format!(
                "Invalid comparator '{}' not one of {allowed}",
                op.shown()
            ));
        }
    };
    Ok(Test::Text(t, x))
}
