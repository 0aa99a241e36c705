//! Names typed on the command line, turned into what they name: experiments by id or name,
//! runs by full id, unique id prefix or exact name. A name that matches nothing, or more
//! than one thing, is a [`UsageError`] (exit status 2) that says what would have matched.

use anyhow::Result;

use crate::index::RunIndex;
use crate::index::lookup::{Lookup, MIN_PREFIX, find_run};
use crate::model::{Experiment, Lifecycle, Run};
use crate::store::{Store, StoreError};
use crate::{Needs, index_runs, suggest, text};

/// A name on the command line that matches nothing, or several things. mltui exits with
/// status 2 for it (like a malformed command line) and prints `details` (candidates), one
/// per line, under the message.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct UsageError {
    pub message: String,
    pub details: Vec<String>,
}

impl UsageError {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            details: Vec::new(),
        }
    }
}

/// Experiments listed in full after "no experiment …" when no name is close.
const LIST_AT_MOST: usize = 8;

/// The experiment `typed` names: its id, else its exact name. Unknown names get the closest
/// names (by edit distance or substring) or, when none is close, the list of experiments.
pub fn find_experiment<'a>(
    list: &'a [Experiment],
    typed: &str,
    store: &str,
) -> Result<&'a Experiment, UsageError> {
    let t = typed.trim();
    if let Some(e) = list
        .iter()
        .find(|e| e.experiment_id == t)
        .or_else(|| list.iter().find(|e| e.name == t))
    {
        return Ok(e);
    }
    let mut message = format!(
        "no experiment with id or name '{}' in {store}",
        text::sanitize(typed)
    );
    let hint = suggest::did_you_mean(t, list.iter().map(|e| e.name.as_str()));
    if !hint.is_empty() {
        message.push_str(&hint);
    } else if list.is_empty() {
        message.push_str(" (it has no experiments)");
    } else if list.len() <= LIST_AT_MOST {
        let names: Vec<String> = list.iter().map(|e| format!("'{}'", e.name)).collect();
        message.push_str(&format!("; it has {}", names.join(", ")));
    } else {
        message.push_str(&format!(
            "; `mltui experiments` lists its {} experiments",
            list.len()
        ));
    }
    Err(UsageError::new(message))
}

/// The experiment ids that `typed` names, each checked (see [`find_experiment`]).
pub fn experiment_ids(list: &[Experiment], typed: &[String], store: &str) -> Result<Vec<String>> {
    typed
        .iter()
        .map(|t| Ok(find_experiment(list, t, store)?.experiment_id.clone()))
        .collect()
}

/// True for what MLflow writes as a run id: 32 lower-case hex digits.
fn is_full_id(s: &str) -> bool {
    s.len() == 32
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Runs by what was typed (see [`crate::index::lookup::find_run`]), in the order given,
/// each read in full from the store. Full ids are read directly; anything else is looked up
/// among the runs of `experiments` (id or name; all experiments when empty).
pub fn fetch_runs(store: &dyn Store, refs: &[String], experiments: &[String]) -> Result<Vec<Run>> {
    let mut index: Option<RunIndex> = None;
    let mut out = Vec::with_capacity(refs.len());
    for typed in refs {
        let t = typed.trim();
        let id = if is_full_id(t) {
            t.to_string()
        } else {
            if index.is_none() {
                index = Some(load_runs(store, experiments)?);
            }
            let Some(idx) = index.as_ref() else {
                continue;
            };
            resolve(idx, t, store)?
        };
        let run = store.run(&id).map_err(|e| match e {
            StoreError::RunNotFound(_) => anyhow::Error::new(UsageError::new(format!(
                "no run with id {} in {}",
                text::sanitize(&id),
                store.describe()
            ))),
            e => anyhow::Error::new(e).context(format!("in {}", store.describe())),
        })?;
        out.push(run);
    }
    Ok(out)
}

/// Every run (latest metric values only) of the experiments named, or of all.
fn load_runs(store: &dyn Store, experiments: &[String]) -> Result<RunIndex> {
    let list = store.experiments()?;
    let wanted = experiment_ids(&list.experiments, experiments, &store.describe())?;
    let needs = Needs {
        narrow: None,
        summaries: false,
        aggregates: &[],
    };
    index_runs(
        store,
        list,
        |e| wanted.is_empty() || wanted.contains(&e.experiment_id),
        needs,
    )
}

/// The id of the one run `typed` names in `index`, or why there is none.
fn resolve(index: &RunIndex, typed: &str, store: &dyn Store) -> Result<String, UsageError> {
    let shown = text::sanitize(typed);
    match find_run(index.runs(), typed) {
        Lookup::Found(run) => Ok(run.run_id.clone()),
        Lookup::Ambiguous(runs) => Err(UsageError {
            message: format!(
                "'{shown}' matches {}; give more of the id:",
                text::count(runs.len(), "run", "runs")
            ),
            details: candidates(index, &runs),
        }),
        Lookup::TooShort => Err(UsageError::new(format!(
            "'{shown}' is too short for a run id prefix: give at least {MIN_PREFIX} characters \
             of the id, or the run's name"
        ))),
        Lookup::NotFound => {
            let mut names: Vec<&str> = index.runs().iter().map(|r| r.run_name.as_str()).collect();
            names.sort_unstable();
            names.dedup();
            Err(UsageError::new(format!(
                "no run with id, id prefix or name '{shown}' in {}{}",
                store.describe(),
                suggest::did_you_mean(typed, names)
            )))
        }
    }
}

/// One line per run: name, full id, experiment (and whether it is deleted), aligned.
fn candidates(index: &RunIndex, runs: &[&Run]) -> Vec<String> {
    let names: Vec<String> = runs
        .iter()
        .map(|r| text::sanitize(&r.run_name).into_owned())
        .collect();
    let width = names.iter().map(|n| text::width(n)).max().unwrap_or(0);
    runs.iter()
        .zip(&names)
        .map(|(r, name)| {
            let exp = index
                .experiment(&r.experiment_id)
                .map_or(String::new(), |e| format!("'{}' ", text::sanitize(&e.name)));
            let deleted = if r.lifecycle == Lifecycle::Deleted {
                ", deleted"
            } else {
                ""
            };
            format!(
                "{}  {}  experiment {exp}({}){deleted}",
                text::pad(name, width, false),
                r.run_id,
                text::sanitize(&r.experiment_id)
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exp(id: &str, name: &str) -> Experiment {
        Experiment {
            experiment_id: id.into(),
            name: name.into(),
            lifecycle: Lifecycle::Active,
            artifact_location: String::new(),
            creation_time: None,
            last_update_time: None,
            tags: Default::default(),
        }
    }

    #[test]
    fn experiments_by_id_or_name_with_suggestions() {
        let list = vec![exp("0", "Default"), exp("1", "sweep"), exp("2", "bert-ft")];
        let name = |t: &str| find_experiment(&list, t, "s").ok().map(|e| e.name.clone());
        assert_eq!(name("1").as_deref(), Some("sweep"));
        assert_eq!(name("bert-ft").as_deref(), Some("bert-ft"));
        let e = find_experiment(&list, "swep", "store").expect_err("typo");
        assert_eq!(
            e.message,
            "no experiment with id or name 'swep' in store; did you mean sweep?"
        );
        let e = find_experiment(&list, "zzzzzz", "store").expect_err("unknown");
        assert!(
            e.message
                .ends_with("; it has 'Default', 'sweep', 'bert-ft'"),
            "{}",
            e.message
        );
        let e = find_experiment(&[], "x", "store").expect_err("empty");
        assert!(
            e.message.ends_with("(it has no experiments)"),
            "{}",
            e.message
        );
    }

    #[test]
    fn full_ids_are_32_hex_digits() {
        assert!(is_full_id("24afbcb5d1e34d7c9f0e0a1b2c3d4e5f"));
        assert!(!is_full_id("24afbcb5"));
        assert!(!is_full_id("24AFBCB5D1E34D7C9F0E0A1B2C3D4E5F"));
        assert!(!is_full_id("resnet50-sgd-lr0.1-xxxxxxxxxxxxxx"));
    }
}
