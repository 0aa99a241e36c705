//! Parser: tokens to `Expr` (comparisons joined by AND, plus mltui's OR and parentheses),
//! with MLflow's messages for malformed clauses; `check` validates each comparison.

use super::FilterError;
use super::ast::{Cond, Expr, Subject, Test};
use super::check::{
    Purpose, RawIdent, RawOp, RawValue, build_test, check_value, kind_and_key, resolve,
};
use super::lexer::{Tok, Token, tokenize};
use crate::aggregate::{Agg, split_key};

/// Applies an aggregate suffix (see [`Parser::agg_suffix`]) to a resolved identifier;
/// only metrics have aggregates.
pub(super) fn with_agg(
    subject: Subject,
    agg: Option<(String, Agg)>,
    at: usize,
) -> Result<Subject, FilterError> {
    match (subject, agg) {
        (s, None) => Ok(s),
        (Subject::Metric(_), Some((k, Agg::Latest))) => Ok(Subject::Metric(k)),
        (Subject::Metric(_), Some((k, a))) => Ok(Subject::MetricAgg(k, a)),
        (_, Some((_, a))) => Err(FilterError::new(
            at,
            format!(
                "Aggregates such as '{}' apply to metrics only",
                a.suffix().trim_start_matches(':')
            ),
        )),
    }
}

/// Parentheses nested deeper than this are refused rather than risking the stack.
const MAX_DEPTH: usize = 64;

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

    /// mltui extension: an aggregate glued to a metric identifier — `metrics.loss:min`,
    /// ``metrics.`val/loss`@1000``, or `metrics.val/loss:max_step` (a key that would
    /// otherwise need quotes is taken up to the suffix). On success the parser moves past
    /// it and returns the key and aggregate; `None` when nothing glued to `id` is one.
    pub fn agg_suffix(&mut self, id: &RawIdent) -> Result<Option<(String, Agg)>, FilterError> {
        if id.entity.is_none() || self.glued(id.end).is_none() {
            return Ok(None);
        }
        let mut stop = id.end;
        while stop < self.chars.len()
            && !self.chars[stop].is_whitespace()
            && !"<>=!~()".contains(self.chars[stop])
        {
            stop += 1;
        }
        let rest = self.text(id.end, stop);
        let quoted = id.end > 0 && matches!(self.chars[id.end - 1], '`' | '"');
        let explicit_latest = rest.ends_with(":latest") || rest.ends_with(":LATEST");
        let (key, agg) = if quoted {
            match split_key(&format!("k{rest}")) {
                ("k", agg) if agg != Agg::Latest || explicit_latest => (id.key.clone(), agg),
                _ => return Ok(None),
            }
        } else {
            let start = id.end - id.key.chars().count();
            let full = self.text(start, stop);
            let (key, agg) = split_key(&full);
            if (agg == Agg::Latest && !explicit_latest) || key.contains(['`', '"', '\'']) {
                return Ok(None);
            }
            (key.to_string(), agg)
        };
        // Every token up to `stop` is part of it; one reaching past it (a quoted string
        // with a space) means this is not a plain suffix.
        let mut pos = self.pos;
        while let Some(t) = self.toks.get(pos).filter(|t| t.start < stop) {
            if t.end > stop {
                return Ok(None);
            }
            pos += 1;
        }
        self.pos = pos;
        Ok(Some((key, agg)))
    }

    fn comparison(&mut self) -> Result<Cond, FilterError> {
        let id = self.ident()?;
        let agg = self.agg_suffix(&id)?;
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
        let subject = with_agg(resolve(&id, Purpose::Filter)?, agg, id.start)?;
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
        check_value(&subject, &id, &op, &value, &raw).map_err(|m| FilterError::new(value_at, m))?;
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
