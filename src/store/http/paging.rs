//! Following a server's page tokens without trusting them: a token seen before (A→B→A), a
//! run of pages that bring nothing new while tokens keep coming, a run of pages far smaller
//! than asked for that still promise more (MLflow sends a token only after a full page), or
//! more pages than the configured maximum end the listing with an error that says so,
//! instead of looping.

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};

use super::auth::ENV_MAX_PAGES;
use super::errors::http_error;
use crate::store::{StoreError, thousands};

/// Pages in a row that may bring nothing new before the listing is called endless.
const IDLE_PAGES: usize = 3;
/// Pages in a row that may hold under 1% of what was asked, yet promise more.
const TINY_PAGES: usize = 10;

/// The page tokens of one listing.
pub struct Pager {
    /// Where the pages come from, for messages (`http://host/api/2.0/mlflow/runs/search`).
    shown: String,
    max_pages: usize,
    pages: usize,
    idle: usize,
    tiny: usize,
    /// Hashes of the tokens seen (a token is not kept: it may be long).
    seen: HashSet<u64>,
}

impl Pager {
    pub fn new(shown: String, max_pages: usize) -> Self {
        Self {
            shown,
            max_pages: max_pages.max(1),
            pages: 0,
            idle: 0,
            tiny: 0,
            seen: HashSet::new(),
        }
    }

    /// After a page of `received` items (`asked` were asked for), `new_items` of them new,
    /// with `next` as its token: `Ok(Some)` to ask for the next page, `Ok(None)` at the end,
    /// or why the paging is broken.
    pub fn next(
        &mut self,
        next: Option<String>,
        received: usize,
        asked: usize,
        new_items: usize,
    ) -> Result<Option<String>, StoreError> {
        self.pages += 1;
        let Some(token) = next.filter(|t| !t.is_empty()) else {
            return Ok(None);
        };
        let mut h = DefaultHasher::new();
        token.hash(&mut h);
        if !self.seen.insert(h.finish()) {
            return Err(self.error(format!(
                "the server sent a page token it had sent before (after {} pages): its paging \
                 goes round in a circle, so the listing was stopped",
                thousands(self.pages as u64)
            )));
        }
        self.idle = if new_items == 0 { self.idle + 1 } else { 0 };
        if self.idle >= IDLE_PAGES {
            return Err(self.error(format!(
                "{IDLE_PAGES} pages in a row brought nothing new, yet the server keeps sending \
                 page tokens (after {} pages): its paging does not end, so the listing was \
                 stopped",
                thousands(self.pages as u64)
            )));
        }
        self.tiny = if received.saturating_mul(100) < asked {
            self.tiny + 1
        } else {
            0
        };
        if self.tiny >= TINY_PAGES {
            return Err(self.error(format!(
                "{TINY_PAGES} pages in a row held only {received} of the {asked} items asked \
                 for, yet each promised more (MLflow sends a page token only after a full page): \
                 the listing was stopped"
            )));
        }
        if self.pages >= self.max_pages {
            return Err(self.error(format!(
                "more than {} pages: stopped there (set {ENV_MAX_PAGES} to allow more)",
                thousands(self.max_pages as u64)
            )));
        }
        Ok(Some(token))
    }

    fn error(&self, message: String) -> StoreError {
        http_error(&self.shown, Some(200), &message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Option<String> {
        Some(s.to_string())
    }

    #[test]
    fn tokens_end_cycle_or_idle() {
        let mut p = Pager::new("u".into(), 100);
        assert_eq!(p.next(t("a"), 5, 5, 5).expect("a"), t("a"));
        assert_eq!(p.next(t("b"), 5, 5, 5).expect("b"), t("b"));
        let e = p.next(t("a"), 5, 5, 5).expect_err("a again").to_string();
        assert!(e.contains("sent before (after 3 pages)"), "{e}");
        let mut p = Pager::new("u".into(), 100);
        assert_eq!(p.next(None, 0, 5, 0).expect("end"), None);
        assert_eq!(p.next(t(""), 0, 5, 0).expect("end"), None);
        let mut p = Pager::new("u".into(), 100);
        p.next(t("1"), 5, 5, 0).expect("1");
        p.next(t("2"), 5, 5, 0).expect("2");
        let e = p.next(t("3"), 5, 5, 0).expect_err("idle").to_string();
        assert!(e.contains("nothing new"), "{e}");
        let mut p = Pager::new("u".into(), 3);
        p.next(t("1"), 1, 1, 1).expect("1");
        p.next(t("2"), 1, 1, 1).expect("2");
        let e = p.next(t("3"), 1, 1, 1).expect_err("max").to_string();
        assert!(
            e.contains("more than 3 pages") && e.contains(ENV_MAX_PAGES),
            "{e}"
        );
    }

    #[test]
    fn tiny_pages_that_promise_more_end() {
        let mut p = Pager::new("u".into(), 1000);
        for i in 0..TINY_PAGES - 1 {
            p.next(t(&format!("{i}")), 1, 1000, 1).expect("tiny");
        }
        // A full page in between starts the count again; so does a server capping pages
        // at a tenth of what was asked.
        p.next(t("full"), 1000, 1000, 1000).expect("full");
        for i in 0..50 {
            p.next(t(&format!("c{i}")), 100, 1000, 100).expect("capped");
        }
        for i in 0..TINY_PAGES - 1 {
            p.next(t(&format!("x{i}")), 1, 1000, 1).expect("tiny");
        }
        let e = p.next(t("last"), 1, 1000, 1).expect_err("tiny").to_string();
        assert!(e.contains("held only 1 of the 1000 items asked for"), "{e}");
    }
}
