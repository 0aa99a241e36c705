//! Parser: tokens to `Expr`, with MLflow's checks and error messages (entity names, attribute
//! keys, value types, comparators per entity) plus mltui's `OR` and parentheses.

use super::FilterError;
use super::ast::{Cond, DatasetField, Expr, NumOp, Subject, Test, TextOp};
use super::lexer::{Tok, Token, tokenize};
use crate::index::column::Attr;

/// Parentheses nested deeper than this are refused rather than risking the stack.
const MAX_DEPTH: usize = 64;

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
enum RawOp {
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
    fn shown(&self) -> String {
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
enum RawValue {
    Num(f64),
    Str(String),
    /// An unquoted word or a backticked name where a value belongs.
    Bare,
    /// A parenthesised list; `None` items are not quoted strings.
    List(Vec<Option<String>>),
}

pub(super) struct Parser<'a> {
    chars: &'a [char],
    toks: Vec<Token>,
    pos: usize,
}

/// Parses a filter; `None` for an empty (match-all) filter.
pub(super) fn parse(input: &str) -> Result<Option<Expr>, FilterError> {
    let chars: Vec<char> = input.chars().collect();
    let toks = tokenize(&chars)?;
    if toks.is_empty() {
        return Ok(None);
    }
    let mut p = Parser::new(&chars, toks);
    let expr = p.or_expr(0)?;
    if let Some(t) = p.peek() {
        let (at, text) = (t.start, p.text(t.start, t.end));
        return Err(match t.tok {
            Tok::Semicolon => FilterError::new(
                at,
                format!(
                    "Search filter contained multiple expression '{input}'. Provide AND-ed expression list."
                ),
            ),
            Tok::RParen => FilterError::new(at, "Unmatched ')'"),
            _ => FilterError::new(at, format!("Expected AND or OR before '{text}'")),
        });
    }
    Ok(Some(expr))
}

fn is_kw(t: Option<&Token>, kw: &str) -> bool {
    matches!(t, Some(Token { tok: Tok::Word(w), .. }) if w.eq_ignore_ascii_case(kw))
}

impl<'a> Parser<'a> {
    pub fn new(chars: &'a [char], toks: Vec<Token>) -> Self {
        Self {
            chars,
            toks,
            pos: 0,
        }
    }

    pub fn peek(&self) -> Option<&Token> {
        self.toks.get(self.pos)
    }

    pub fn advance(&mut self) {
        self.pos += 1;
    }

    fn peek_at(&self, ahead: usize) -> Option<&Token> {
        self.toks.get(self.pos + ahead)
    }

    /// The next token if it starts right where `end` is (no whitespace in between).
    fn glued(&self, end: usize) -> Option<&Token> {
        self.peek().filter(|t| t.start == end)
    }

    pub fn text(&self, start: usize, end: usize) -> String {
        self.chars[start..end.min(self.chars.len())]
            .iter()
            .collect()
    }

    /// Offset of the next token, or the end of the input.
    fn here(&self) -> usize {
        self.peek().map_or(self.chars.len(), |t| t.start)
    }

    fn or_expr(&mut self, depth: usize) -> Result<Expr, FilterError> {
        let mut items = Vec::new();
        loop {
            match self.and_expr(depth)? {
                Expr::Or(inner) => items.extend(inner),
                e => items.push(e),
            }
            if !is_kw(self.peek(), "or") {
                break;
            }
            self.pos += 1;
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Expr::Or(items)
        })
    }

    fn and_expr(&mut self, depth: usize) -> Result<Expr, FilterError> {
        let mut items = Vec::new();
        loop {
            match self.primary(depth)? {
                Expr::And(inner) => items.extend(inner),
                e => items.push(e),
            }
            if !is_kw(self.peek(), "and") {
                break;
            }
            self.pos += 1;
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Expr::And(items)
        })
    }

    fn primary(&mut self, depth: usize) -> Result<Expr, FilterError> {
        let Some(t) = self.peek().cloned() else {
            let msg = match self.pos.checked_sub(1).and_then(|i| self.toks.get(i)) {
                Some(prev) => format!(
                    "Expected a condition after '{}'",
                    self.text(prev.start, prev.end)
                ),
                None => "Expected a condition".to_string(),
            };
            return Err(FilterError::new(self.chars.len(), msg));
        };
        match &t.tok {
            Tok::LParen => {
                if depth >= MAX_DEPTH {
                    return Err(FilterError::new(
                        t.start,
                        "Parentheses are nested too deeply",
                    ));
                }
                self.pos += 1;
                let e = self.or_expr(depth + 1)?;
                match self.peek() {
                    Some(Token {
                        tok: Tok::RParen, ..
                    }) => {
                        self.pos += 1;
                        Ok(e)
                    }
                    _ => Err(FilterError::new(t.start, "Unclosed '(': missing ')'")),
                }
            }
            Tok::Word(w) if ["and", "or"].iter().any(|k| w.eq_ignore_ascii_case(k)) => Err(
                FilterError::new(t.start, format!("Expected a condition, found '{w}'")),
            ),
            Tok::Word(_) | Tok::Backticked(_) | Tok::Str { quote: '"', .. } => {
                self.comparison().map(Expr::Cond)
            }
            _ => Err(FilterError::new(
                t.start,
                format!(
                    "Expected a condition, found '{}'",
                    self.text(t.start, t.end)
                ),
            )),
        }
    }

    /// Reads `entity.key` or a bare name. The caller has checked the first token.
    pub fn ident(&mut self) -> Result<RawIdent, FilterError> {
        let Some(first) = self.peek().cloned() else {
            return Err(FilterError::new(self.chars.len(), "Expected an identifier"));
        };
        let head = match &first.tok {
            Tok::Word(w) => w.clone(),
            Tok::Backticked(s) => s.clone(),
            Tok::Str { quote: '"', text } => text.clone(),
            _ => {
                let text = self.text(first.start, first.end);
                return Err(FilterError::new(
                    first.start,
                    format!("Expected an identifier, found '{text}'"),
                ));
            }
        };
        self.pos += 1;
        let mut end = first.end;
        if !matches!(self.glued(end), Some(Token { tok: Tok::Dot, .. })) {
            return Ok(RawIdent {
                start: first.start,
                end,
                entity: None,
                key: head,
                bare_word: matches!(first.tok, Tok::Word(_)),
            });
        }
        let entity = match &first.tok {
            Tok::Str { .. } => format!("\"{head}\""),
            _ => head,
        };
        let mut key: Option<String> = None;
        while let Some(Token {
            tok: Tok::Dot,
            end: dot_end,
            ..
        }) = self.glued(end).cloned()
        {
            let seg = match self
                .peek_at(1)
                .filter(|t| t.start == dot_end)
                .map(|t| (&t.tok, t.end))
            {
                Some((Tok::Word(w), e)) => Some((w.clone(), e, false)),
                Some((
                    Tok::Backticked(s)
                    | Tok::Str {
                        quote: '"',
                        text: s,
                    },
                    e,
                )) if key.is_none() => Some((s.clone(), e, true)),
                _ => None,
            };
            let Some((seg, seg_end, quoted)) = seg else {
                let shown = self.text(first.start, dot_end);
                return Err(FilterError::new(
                    dot_end,
                    format!("Expected a key after '{shown}'"),
                ));
            };
            self.pos += 2;
            end = seg_end;
            key = Some(match key {
                Some(k) => format!("{k}.{seg}"),
                None => seg,
            });
            if quoted {
                break;
            }
        }
        Ok(RawIdent {
            start: first.start,
            end,
            entity: Some(entity),
            key: key.unwrap_or_default(),
            bare_word: false,
        })
    }

    fn comparison(&mut self) -> Result<Cond, FilterError> {
        let id = self.ident()?;
        let id_text = self.text(id.start, id.end);
        // Text glued to the identifier (`metrics.val/acc`, `params.a-b`) is not part of it.
        if let Some(t) = self
            .glued(id.end)
            .filter(|t| !matches!(t.tok, Tok::Op(_) | Tok::LParen))
        {
            let mut stop = t.start;
            while stop < self.chars.len()
                && !self.chars[stop].is_whitespace()
                && !"<>=!~()".contains(self.chars[stop])
            {
                stop += 1;
            }
            let found = self.text(id.start, stop);
            let hint = match found.split_once('.') {
                Some((e, k)) if id.entity.is_some() => {
                    format!("; quote keys with special characters in backticks, e.g. {e}.`{k}`")
                }
                _ => String::new(),
            };
            return Err(FilterError::new(
                id.start,
                format!("Invalid comparison clause. Expected 'Identifier' found '{found}'{hint}"),
            ));
        }
        if id.bare_word
            && ["not", "in", "is", "like", "ilike", "null"]
                .iter()
                .any(|k| id.key.eq_ignore_ascii_case(k))
        {
            return Err(FilterError::new(
                id.start,
                format!("Expected a condition, found '{id_text}'"),
            ));
        }
        let subject = resolve(&id, Purpose::Filter)?;
        let op_at = self.here();
        let op = self.comparator(&id, &id_text)?;
        if matches!(op, RawOp::IsNull | RawOp::IsNotNull) {
            let negated = op == RawOp::IsNotNull;
            return match &subject {
                Subject::Param(_) | Subject::Tag(_) => Ok(Cond {
                    subject,
                    test: Test::Null { negated },
                }),
                _ => {
                    let (kind, key) = kind_and_key(&subject, &id);
                    Err(FilterError::new(
                        op_at,
                        format!(
                            "IS NULL / IS NOT NULL is only supported for tags and params, not for '{kind}' '{key}'"
                        ),
                    ))
                }
            };
        }
        let value_at = self.here();
        let (value, raw) = self.value(&op)?;
        check_value(&subject, &id, &value, &raw).map_err(|m| FilterError::new(value_at, m))?;
        let test = build_test(&subject, &op, value).map_err(|m| FilterError::new(op_at, m))?;
        Ok(Cond { subject, test })
    }

    fn comparator(&mut self, id: &RawIdent, id_text: &str) -> Result<RawOp, FilterError> {
        let word = |t: Option<&Token>| match t {
            Some(Token {
                tok: Tok::Word(w), ..
            }) => Some(w.to_ascii_uppercase()),
            _ => None,
        };
        let (op, used) = match (self.peek().map(|t| &t.tok), word(self.peek())) {
            (Some(Tok::Op(s)), _) => (Some(RawOp::Sym(s.clone())), 1),
            (_, Some(w)) => match w.as_str() {
                "LIKE" => (Some(RawOp::Like), 1),
                "ILIKE" => (Some(RawOp::ILike), 1),
                "IN" => (Some(RawOp::In), 1),
                "RLIKE" | "REGEXP" => (Some(RawOp::Unsupported(w)), 1),
                "NOT" => match word(self.peek_at(1)).as_deref() {
                    Some("IN") => (Some(RawOp::NotIn), 2),
                    Some(w2 @ ("LIKE" | "ILIKE" | "RLIKE" | "REGEXP")) => {
                        (Some(RawOp::Unsupported(format!("NOT {w2}"))), 2)
                    }
                    _ => (None, 0),
                },
                "IS" => match (
                    word(self.peek_at(1)).as_deref(),
                    word(self.peek_at(2)).as_deref(),
                ) {
                    (Some("NULL"), _) => (Some(RawOp::IsNull), 2),
                    (Some("NOT"), Some("NULL")) => (Some(RawOp::IsNotNull), 3),
                    _ => {
                        let at = self.peek_at(1).map_or(self.chars.len(), |t| t.start);
                        return Err(FilterError::new(at, "Expected NULL or NOT NULL after IS"));
                    }
                },
                _ => (None, 0),
            },
            _ => (None, 0),
        };
        if let Some(op) = op {
            self.pos += used;
            return Ok(op);
        }
        let mut msg = format!(
            "Invalid clause(s) in filter string: '{id_text}' (expected a comparator after it"
        );
        match self.peek() {
            Some(t) => {
                msg.push_str(&format!(", found '{}'", self.text(t.start, t.end)));
                if let (Some(e), Tok::Word(w)) = (&id.entity, &t.tok) {
                    msg.push_str(&format!(
                        "; keys with spaces need backticks, e.g. {e}.`{} {w}`",
                        id.key
                    ));
                }
            }
            None => msg.push_str(", found the end of the filter"),
        }
        msg.push(')');
        Err(FilterError::new(self.here(), msg))
    }

    fn value(&mut self, op: &RawOp) -> Result<(RawValue, String), FilterError> {
        let Some(t) = self.peek().cloned() else {
            return Err(FilterError::new(
                self.chars.len(),
                format!("Expected a value after '{}'", op.shown()),
            ));
        };
        let raw = self.text(t.start, t.end);
        let v = match &t.tok {
            Tok::Number(s) => match s.parse::<f64>() {
                Ok(v) => RawValue::Num(v),
                Err(_) => return Err(FilterError::new(t.start, format!("Invalid number {s}"))),
            },
            Tok::Str { text, .. } => RawValue::Str(text.clone()),
            Tok::Word(_) | Tok::Backticked(_) => RawValue::Bare,
            Tok::LParen => return self.list(t.start),
            _ => {
                return Err(FilterError::new(
                    t.start,
                    format!("Expected a value after '{}', found '{raw}'", op.shown()),
                ));
            }
        };
        self.pos += 1;
        Ok((v, raw))
    }

    /// Reads `( item, item, ... )` starting at the `(`.
    fn list(&mut self, open: usize) -> Result<(RawValue, String), FilterError> {
        self.pos += 1;
        let mut items = Vec::new();
        let ill_formed = |at: usize| {
            FilterError::new(
                at,
                "While parsing a list in the query, expected a non-empty list of string values, but got ill-formed list.",
            )
        };
        loop {
            let Some(t) = self.peek().cloned() else {
                return Err(FilterError::new(open, "Unclosed '(': missing ')'"));
            };
            self.pos += 1;
            match t.tok {
                Tok::RParen => break,
                Tok::Str { text, .. } => items.push(Some(text)),
                Tok::Number(_) | Tok::Word(_) | Tok::Backticked(_) => items.push(None),
                _ => return Err(ill_formed(t.start)),
            }
            match self.peek().map(|t| (&t.tok, t.start)) {
                Some((Tok::Comma, _)) => self.pos += 1,
                Some((Tok::RParen, _)) => {}
                Some((_, at)) => return Err(ill_formed(at)),
                None => return Err(FilterError::new(open, "Unclosed '(': missing ')'")),
            }
        }
        let end = self
            .pos
            .checked_sub(1)
            .and_then(|i| self.toks.get(i))
            .map_or(self.chars.len(), |t| t.end);
        Ok((RawValue::List(items), self.text(open, end)))
    }
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
fn kind_and_key<'a>(s: &Subject, id: &'a RawIdent) -> (&'static str, &'a str) {
    let kind = match s {
        Subject::Metric(_) => "metric",
        Subject::Param(_) => "parameter",
        Subject::Tag(_) => "tag",
        Subject::Attr(_) => "attribute",
        Subject::Dataset(_) => "dataset",
    };
    (kind, &id.key)
}

/// Checks the value's type against the subject, in MLflow's words.
fn check_value(s: &Subject, id: &RawIdent, v: &RawValue, raw: &str) -> Result<(), String> {
    let not_quoted = || {
        format!(
            "Parameter value is either not quoted or unidentified quote types used for string \
             value {raw}. Use either single or double quotes."
        )
    };
    match (s, v) {
        (Subject::Metric(_), RawValue::Num(_)) => Ok(()),
        (Subject::Metric(_), _) => Err(format!(
            "Expected numeric value type for metric. Found {raw}"
        )),
        (Subject::Attr(a), RawValue::Num(_)) if is_numeric_attr(*a) => Ok(()),
        (Subject::Attr(a), _) if is_numeric_attr(*a) => Err(format!(
            "Expected numeric value type for numeric attribute: {}. Found {raw}",
            id.key
        )),
        (_, RawValue::Str(_)) => Ok(()),
        (_, RawValue::Bare) => Err(not_quoted()),
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
fn build_test(s: &Subject, op: &RawOp, v: RawValue) -> Result<Test, String> {
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
        (Subject::Metric(_), RawValue::Num(x)) => Ok(Test::Num(sym(NUM_OPS)?, x)),
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
