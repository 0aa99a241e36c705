//! Finding a run by what people type: its full id, a unique prefix of the id (at least
//! [`MIN_PREFIX`] characters, like git), or its exact name.

use crate::model::{Lifecycle, Run};

/// The shortest id prefix accepted (git's default abbreviation is 7; MLflow ids are 32
/// hex characters, so 6 already tell about 16 million runs apart).
pub const MIN_PREFIX: usize = 6;

/// What a typed run reference matched.
#[derive(Debug, PartialEq)]
pub enum Lookup<'a> {
    Found(&'a Run),
    /// Several runs match (id prefix or name); all of them, in the order given.
    Ambiguous(Vec<&'a Run>),
    /// Shorter than [`MIN_PREFIX`], no run has this name, but ids start with it.
    TooShort,
    NotFound,
}

/// Looks `typed` up among `runs`: an exact id wins; otherwise every run whose id starts
/// with it (when it is at least [`MIN_PREFIX`] long) or whose name equals it. Deleted runs
/// count only when no active run matches, so a deleted namesake never gets in the way.
pub fn find_run<'a>(runs: &'a [Run], typed: &str) -> Lookup<'a> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Lookup::NotFound;
    }
    if let Some(run) = runs.iter().find(|r| r.run_id == typed) {
        return Lookup::Found(run);
    }
    let long_enough = typed.chars().count() >= MIN_PREFIX;
    let mut matches: Vec<&Run> = runs
        .iter()
        .filter(|r| r.run_name == typed || (long_enough && r.run_id.starts_with(typed)))
        .collect();
    if matches.iter().any(|r| r.lifecycle == Lifecycle::Active) {
        matches.retain(|r| r.lifecycle == Lifecycle::Active);
    }
    match matches.len() {
        0 if !long_enough && runs.iter().any(|r| r.run_id.starts_with(typed)) => Lookup::TooShort,
        0 => Lookup::NotFound,
        1 => Lookup::Found(matches[0]),
        _ => Lookup::Ambiguous(matches),
    }
}

/// The shortest prefix length, at least `min`, that tells every id in `ids` apart from all
/// the others (a full id when two are equal up to their end).
pub fn unique_prefix_len<'a>(ids: impl IntoIterator<Item = &'a str>, min: usize) -> usize {
    let mut ids: Vec<&str> = ids.into_iter().collect();
    ids.sort_unstable();
    let mut len = min;
    for pair in ids.windows(2) {
        let common = pair[0]
            .chars()
            .zip(pair[1].chars())
            .take_while(|(a, b)| a == b)
            .count();
        len = len.max(common + 1);
    }
    len
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::tests::run_with;

    fn runs() -> Vec<Run> {
        let mut a = run_with("abc123ff00", 1, &[], &[]);
        a.run_name = "resnet".into();
        let mut b = run_with("abc124ee00", 2, &[], &[]);
        b.run_name = "bert".into();
        let mut c = run_with("ffff000000", 3, &[], &[]);
        c.run_name = "bert".into();
        let mut d = run_with("dddd000000", 4, &[], &[]);
        d.run_name = "resnet".into();
        d.lifecycle = Lifecycle::Deleted;
        vec![a, b, c, d]
    }

    fn id(l: Lookup<'_>) -> String {
        match l {
            Lookup::Found(r) => r.run_id.clone(),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn full_ids_prefixes_and_names() {
        let runs = runs();
        assert_eq!(id(find_run(&runs, "abc123ff00")), "abc123ff00");
        assert_eq!(id(find_run(&runs, "abc123")), "abc123ff00");
        assert_eq!(id(find_run(&runs, " abc124e ")), "abc124ee00");
        assert_eq!(
            id(find_run(&runs, "resnet")),
            "abc123ff00",
            "the deleted namesake does not count"
        );
        assert_eq!(id(find_run(&runs, "dddd00")), "dddd000000", "deleted by id");
        assert_eq!(find_run(&runs, "abc12"), Lookup::TooShort);
        assert_eq!(find_run(&runs, "nothing"), Lookup::NotFound);
        assert_eq!(find_run(&runs, ""), Lookup::NotFound);
        match find_run(&runs, "bert") {
            Lookup::Ambiguous(found) => assert_eq!(found.len(), 2),
            other => panic!("{other:?}"),
        }
        match find_run(&runs, "abc12") {
            Lookup::TooShort => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unique_prefixes() {
        assert_eq!(unique_prefix_len(["abc", "abd"], 1), 3);
        assert_eq!(unique_prefix_len(["abcdef01", "abcdef02", "ffff"], 6), 8);
        assert_eq!(unique_prefix_len(["a1", "b2"], 8), 8);
        assert_eq!(unique_prefix_len(Vec::<&str>::new(), 8), 8);
    }
}
