//! A one-line text field that edits like a shell: cursor moves by character and word,
//! Home/End, and the kill keys (Ctrl-U, Ctrl-K, Ctrl-W).

use crate::tui::action::Action;

/// Text and a cursor (a byte offset on a character boundary).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineEdit {
    text: String,
    cursor: usize,
}

impl LineEdit {
    /// A field holding `text` with the cursor at its end.
    pub fn new(text: impl Into<String>) -> Self {
        let text = text.into();
        Self {
            cursor: text.len(),
            text,
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// Replaces the text, cursor at the end.
    pub fn set(&mut self, text: impl Into<String>) {
        *self = Self::new(text);
    }

    /// Replaces `range` (bytes) with `with` and puts the cursor after it.
    pub fn replace(&mut self, range: std::ops::Range<usize>, with: &str) {
        self.text.replace_range(range.clone(), with);
        self.cursor = range.start + with.len();
    }

    fn prev(&self, i: usize) -> usize {
        self.text[..i].char_indices().last().map_or(0, |(j, _)| j)
    }

    fn next(&self, i: usize) -> usize {
        self.text[i..]
            .chars()
            .next()
            .map_or(self.text.len(), |c| i + c.len_utf8())
    }

    /// The start of the word before `i` (skipping separators first), like a shell's Alt-B.
    fn word_start(&self, i: usize) -> usize {
        let before = &self.text[..i];
        let trimmed = before.trim_end_matches(|c: char| !is_word(c));
        trimmed
            .char_indices()
            .rev()
            .find(|(_, c)| !is_word(*c))
            .map_or(0, |(j, c)| j + c.len_utf8())
    }

    /// The end of the word after `i`, like a shell's Alt-F.
    fn word_end(&self, i: usize) -> usize {
        let after = &self.text[i..];
        let skip = after.len() - after.trim_start_matches(|c: char| !is_word(c)).len();
        let rest = &after[skip..];
        i + skip + rest.find(|c: char| !is_word(c)).unwrap_or(rest.len())
    }

    /// The start of the whitespace-separated word before the cursor (Ctrl-W's unit).
    fn shell_word_start(&self) -> usize {
        let before = self.text[..self.cursor].trim_end();
        before
            .char_indices()
            .rev()
            .find(|(_, c)| c.is_whitespace())
            .map_or(0, |(j, c)| j + c.len_utf8())
    }

    /// Applies an editing action; returns false for actions that are not edits.
    pub fn apply(&mut self, action: Action) -> bool {
        let c = self.cursor;
        match action {
            Action::InputChar(ch) => {
                self.text.insert(c, ch);
                self.cursor += ch.len_utf8();
            }
            Action::InputBackspace => {
                let p = self.prev(c);
                self.text.replace_range(p..c, "");
                self.cursor = p;
            }
            Action::InputDelete => {
                let n = self.next(c);
                self.text.replace_range(c..n, "");
            }
            Action::InputLeft => self.cursor = self.prev(c),
            Action::InputRight => self.cursor = self.next(c),
            Action::InputWordLeft => self.cursor = self.word_start(c),
            Action::InputWordRight => self.cursor = self.word_end(c),
            Action::InputHome => self.cursor = 0,
            Action::InputEnd => self.cursor = self.text.len(),
            Action::InputKillStart => {
                self.text.replace_range(..c, "");
                self.cursor = 0;
            }
            Action::InputKillEnd => self.text.truncate(c),
            Action::InputKillWord => {
                let p = self.shell_word_start();
                self.text.replace_range(p..c, "");
                self.cursor = p;
            }
            _ => return false,
        }
        true
    }
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action as A;

    fn run(text: &str, actions: &[Action]) -> (String, usize) {
        let mut e = LineEdit::new(text);
        for a in actions {
            assert!(e.apply(*a), "{a:?}");
        }
        (e.text().to_string(), e.cursor())
    }

    #[test]
    fn moves_and_inserts_like_a_shell() {
        let (t, c) = run("metrics.acc > 0.9", &[A::InputHome, A::InputChar('x')]);
        assert_eq!((t.as_str(), c), ("xmetrics.acc > 0.9", 1));
        let (t, _) = run("ab", &[A::InputLeft, A::InputChar('é'), A::InputRight]);
        assert_eq!(t, "aéb");
        let (t, c) = run("héllo", &[A::InputLeft, A::InputLeft, A::InputBackspace]);
        assert_eq!((t.as_str(), c), ("hélo", 3), "the cursor is a byte offset");
        let (t, _) = run(
            "abc",
            &[A::InputHome, A::InputDelete, A::InputEnd, A::InputDelete],
        );
        assert_eq!(t, "bc");
    }

    #[test]
    fn words_and_kills() {
        let s = "metrics.acc > 0.9 and params.lr = '0.1'";
        let (_, c) = run(s, &[A::InputWordLeft]);
        assert_eq!(&s[c..], "1'");
        let (_, c) = run(s, &[A::InputWordLeft, A::InputWordLeft, A::InputWordLeft]);
        assert_eq!(&s[c..], "lr = '0.1'");
        let (_, c) = run(s, &[A::InputHome, A::InputWordRight, A::InputWordRight]);
        assert_eq!(&s[..c], "metrics.acc");
        let (t, c) = run(s, &[A::InputKillWord]);
        assert_eq!((t.as_str(), c), ("metrics.acc > 0.9 and params.lr = ", 34));
        let (t, _) = run(s, &[A::InputWordLeft, A::InputWordLeft, A::InputKillStart]);
        assert_eq!(t, "0.1'");
        let (t, _) = run(s, &[A::InputHome, A::InputWordRight, A::InputKillEnd]);
        assert_eq!(t, "metrics");
        let (t, c) = run("", &[A::InputBackspace, A::InputDelete, A::InputKillWord]);
        assert_eq!((t.as_str(), c), ("", 0));
    }
}
