//! Lexer for filter and order-by strings: tokens with char offsets, numbers lexed the way
//! MLflow's sqlparse does (`1`, `-1`, `.5`, `1.`, `1e-3`), quotes without escapes.

use super::FilterError;

/// One token kind.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    /// A run of word characters (letters, digits, `_`): names and keywords (`AND`, `IN`, ...).
    Word(String),
    /// A `` `...` `` quoted name; the text is what lies between the backticks.
    Backticked(String),
    /// A `'...'` or `"..."` quoted string; the text is what lies between the quotes.
    Str {
        quote: char,
        text: String,
    },
    /// A number literal as written.
    Number(String),
    /// A `.` joining the parts of an identifier.
    Dot,
    /// A run of comparison characters (`=`, `!=`, `<=`, also invalid ones like `==`).
    Op(String),
    LParen,
    RParen,
    Comma,
    Semicolon,
    /// Any other character.
    Other(char),
}

/// A token and the char offsets it spans in the input.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Token {
    pub tok: Tok,
    pub start: usize,
    pub end: usize,
}

/// True for the characters of a bare name (Python's `\w`, near enough).
pub(super) fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn is_op_char(c: char) -> bool {
    matches!(c, '<' | '>' | '=' | '!' | '~')
}

/// Splits `chars` into tokens. Fails only on unterminated quotes and on text glued to a
/// closing quote (the way `'it''s'` or `'it\'s'` tries to escape a quote).
pub(super) fn tokenize(chars: &[char]) -> Result<Vec<Token>, FilterError> {
    let mut out: Vec<Token> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        // Is this char glued to the previous token (no whitespace in between)?
        let glued_to_name = out.last().is_some_and(|t| {
            t.end == start
                && matches!(
                    t.tok,
                    Tok::Word(_) | Tok::Backticked(_) | Tok::Str { quote: '"', .. }
                )
        });
        let after_dot = out
            .last()
            .is_some_and(|t| t.end == start && t.tok == Tok::Dot);
        let tok = match c {
            '`' => {
                let (text, end) = quoted(chars, i, '`')?;
                i = end;
                Tok::Backticked(text)
            }
            '\'' | '"' => {
                let (text, end) = quoted(chars, i, c)?;
                i = end;
                Tok::Str { quote: c, text }
            }
            '.' if glued_to_name => {
                i += 1;
                Tok::Dot
            }
            _ if after_dot && is_word_char(c) => {
                i = word_end(chars, i);
                Tok::Word(chars[start..i].iter().collect())
            }
            _ if c.is_ascii_digit() || c == '.' || c == '-' => match number_end(chars, i) {
                Some(end) => {
                    i = end;
                    Tok::Number(chars[start..i].iter().collect())
                }
                None if c.is_ascii_digit() => {
                    i = word_end(chars, i);
                    Tok::Word(chars[start..i].iter().collect())
                }
                None => {
                    i += 1;
                    if c == '.' { Tok::Dot } else { Tok::Other(c) }
                }
            },
            _ if is_word_char(c) => {
                i = word_end(chars, i);
                Tok::Word(chars[start..i].iter().collect())
            }
            _ if is_op_char(c) => {
                while i < chars.len() && is_op_char(chars[i]) {
                    i += 1;
                }
                Tok::Op(chars[start..i].iter().collect())
            }
            '(' | ')' | ',' | ';' => {
                i += 1;
                match c {
                    '(' => Tok::LParen,
                    ')' => Tok::RParen,
                    ',' => Tok::Comma,
                    _ => Tok::Semicolon,
                }
            }
            _ => {
                i += 1;
                Tok::Other(c)
            }
        };
        out.push(Token { tok, start, end: i });
    }
    Ok(out)
}

fn word_end(chars: &[char], mut i: usize) -> usize {
    while i < chars.len() && is_word_char(chars[i]) {
        i += 1;
    }
    i
}

/// Reads a quoted run starting at the opening quote `chars[at]`; returns its text and the
/// offset after the closing quote. There are no escapes: the next `quote` closes it.
fn quoted(chars: &[char], at: usize, quote: char) -> Result<(String, usize), FilterError> {
    let close = chars[at + 1..]
        .iter()
        .position(|&c| c == quote)
        .map(|p| at + 1 + p);
    let Some(close) = close else {
        let what = if quote == '`' {
            "backtick-quoted name"
        } else {
            "quoted value"
        };
        return Err(FilterError::new(
            at,
            format!("Unterminated {what}: missing the closing {quote}"),
        ));
    };
    let text: String = chars[at + 1..close].iter().collect();
    let next = chars.get(close + 1).copied();
    if quote != '`'
        && (next == Some(quote) || (text.ends_with('\\') && next.is_some_and(is_word_char)))
    {
        let other = if quote == '\'' { '"' } else { '\'' };
        return Err(FilterError::new(
            close,
            format!(
                "Quotes cannot be escaped in a filter ({quote}{quote} and \\{quote} do not work); \
                 to match a value containing {quote}, quote it with {other} instead"
            ),
        ));
    }
    Ok((text, close + 1))
}

/// The end of a number literal starting at `at`, following sqlparse's rules: an optional
/// `-`, then `D+(.D+)?[eE]-?D+`, `D+.D*`, `.D+` or `D+`, not followed by a letter or `_`.
fn number_end(chars: &[char], at: usize) -> Option<usize> {
    let digits = |mut i: usize| {
        let s = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        (i > s).then_some(i)
    };
    let at_char = |i: usize, c: char| chars.get(i) == Some(&c);
    let not_letter = |i: usize| !chars.get(i).is_some_and(|&c| c.is_alphabetic() || c == '_');
    let body = if at_char(at, '-') { at + 1 } else { at };
    // D+(.D+)?[eE]-?D+
    if let Some(int_end) = digits(body) {
        let mut i = int_end;
        if at_char(i, '.') {
            if let Some(frac_end) = digits(i + 1) {
                i = frac_end;
            }
        }
        if chars.get(i).is_some_and(|c| matches!(c, 'e' | 'E')) {
            let exp = if at_char(i + 1, '-') { i + 2 } else { i + 1 };
            if let Some(end) = digits(exp) {
                return Some(end);
            }
        }
        // D+.D*
        if at_char(int_end, '.') {
            let end = digits(int_end + 1).unwrap_or(int_end + 1);
            if not_letter(end) {
                return Some(end);
            }
        }
        // D+
        return not_letter(int_end).then_some(int_end);
    }
    // .D+
    if at_char(body, '.') {
        if let Some(end) = digits(body + 1) {
            return not_letter(end).then_some(end);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        let chars: Vec<char> = s.chars().collect();
        tokenize(&chars)
            .expect("lexes")
            .into_iter()
            .map(|t| t.tok)
            .collect()
    }

    fn w(s: &str) -> Tok {
        Tok::Word(s.into())
    }

    fn n(s: &str) -> Tok {
        Tok::Number(s.into())
    }

    #[test]
    fn numbers_follow_sqlparse() {
        for s in [
            "1", "-1", ".5", "-.5", "1.", "1.25", "1e-3", "1E5", "-1.5e3", "1e400",
        ] {
            assert_eq!(toks(s), [n(s)], "{s}");
        }
        assert_eq!(toks("1.e5"), [n("1"), Tok::Dot, w("e5")]);
        assert_eq!(toks("+1"), [Tok::Other('+'), n("1")]);
        assert_eq!(toks("1abc"), [w("1abc")]);
        assert_eq!(toks("- 1"), [Tok::Other('-'), n("1")]);
    }

    #[test]
    fn identifiers_dots_and_quotes() {
        assert_eq!(
            toks("metrics.acc>=.5"),
            [
                w("metrics"),
                Tok::Dot,
                w("acc"),
                Tok::Op(">=".into()),
                n(".5")
            ]
        );
        assert_eq!(toks("metrics.1a"), [w("metrics"), Tok::Dot, w("1a")]);
        assert_eq!(
            toks("params.`a b`='x'"),
            [
                w("params"),
                Tok::Dot,
                Tok::Backticked("a b".into()),
                Tok::Op("=".into()),
                Tok::Str {
                    quote: '\'',
                    text: "x".into()
                }
            ]
        );
        assert_eq!(
            toks("tags.\"k\""),
            [
                w("tags"),
                Tok::Dot,
                Tok::Str {
                    quote: '"',
                    text: "k".into()
                }
            ]
        );
        assert_eq!(toks("params.ключ"), [w("params"), Tok::Dot, w("ключ")]);
        assert_eq!(
            toks("a.b-c"),
            [w("a"), Tok::Dot, w("b"), Tok::Other('-'), w("c")]
        );
    }

    #[test]
    fn quotes_have_no_escapes() {
        let chars: Vec<char> = "p = 'it''s'".chars().collect();
        let e = tokenize(&chars).expect_err("doubled quote");
        assert_eq!(e.position, 7);
        assert!(e.message.contains("quote it with \""), "{e}");
        let chars: Vec<char> = r"p = 'it\'s'".chars().collect();
        assert!(tokenize(&chars).is_err());
        let chars: Vec<char> = "p = 'abc".chars().collect();
        assert_eq!(tokenize(&chars).expect_err("unterminated").position, 4);
        assert_eq!(
            toks(r"'C:\dir\'"),
            [Tok::Str {
                quote: '\'',
                text: r"C:\dir\".into()
            }]
        );
        assert_eq!(
            toks("\"it's\""),
            [Tok::Str {
                quote: '"',
                text: "it's".into()
            }]
        );
    }
}
