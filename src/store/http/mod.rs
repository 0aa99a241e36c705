//! The tracking-server backend: `HttpStore` reads any MLflow tracking server over its REST API
//! (`/api/2.0/mlflow/...`), paging through every list and streaming runs page by page.
//!
//! `auth` reads settings and credentials the way MLflow's client does, `client` makes one
//! request (with retries), `errors` explains failures, `url` masks credentials in the URL,
//! `wire` holds the JSON shapes and their mapping to the model; `registry` and `artifacts`
//! read models, logged models and artifacts (`Catalog`).

mod aggs;
mod artifacts;
mod auth;
mod client;
mod decode;
mod errors;
mod follow;
mod paging;
mod registry;
mod url;
mod wire;

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::ops::ControlFlow;

use serde_json::json;

use crate::model::{Experiment, MetricPoint, Run};

use super::{ExperimentList, RunBatch, RunQuery, Store, StoreError, Warning, WarningLog};
pub use auth::{Auth, HttpOptions, Tls};
use client::{API_PATH, Client};
use decode::decode_page;
use paging::Pager;
use url::ServerUrl;
pub use url::mask_userinfo;
use wire::{ExperimentsPage, GetRun, MetricsPage, RunsPage, WireExperiment, WireMetric, WireRun};

/// Experiments per `runs/search` call.
const EXPERIMENTS_PER_SEARCH: usize = 100;
/// The first page of runs is small so that the first rows show quickly; later pages grow.
const FIRST_RUNS_PAGE: usize = 1_000;
/// MLflow's limit for `runs/search` is 50,000; stay below it to keep each answer quick.
const MAX_RUNS_PAGE: usize = 25_000;
/// The smallest page of runs asked for after a page was too large to read.
const MIN_RUNS_PAGE: usize = 100;
/// Experiments per `experiments/search` page (`max_results` is required there).
const EXPERIMENTS_PAGE: usize = 5_000;
/// Points per `metrics/get-history` page: never ask for an unbounded history.
const HISTORY_PAGE: usize = 25_000;
/// Limits of `metrics/get-history-bulk-interval`.
const BULK_MAX_RUNS: usize = 100;
const BULK_MAX_POINTS: usize = 2_500;

/// An MLflow tracking server, read over HTTP(S).
///
/// Settings come from the environment as for MLflow's client: `MLFLOW_TRACKING_USERNAME` and
/// `MLFLOW_TRACKING_PASSWORD` (Basic; also `~/.mlflow/credentials` or userinfo in the URL),
/// `MLFLOW_TRACKING_TOKEN` (Bearer), `MLFLOW_TRACKING_INSECURE_TLS`,
/// `MLFLOW_TRACKING_SERVER_CERT_PATH`, `MLFLOW_HTTP_REQUEST_TIMEOUT`,
/// `MLFLOW_HTTP_REQUEST_MAX_RETRIES` and `MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR` (capped).
#[derive(Clone)]
pub struct HttpStore {
    client: std::sync::Arc<Client>,
    page_size: Option<usize>,
    max_pages: usize,
}

impl HttpStore {
    /// A store for `url` (`http(s)://[user:password@]host[:port][/prefix]`) with settings
    /// from the environment. Nothing is sent until the first read.
    pub fn open(url: &str) -> Result<Self, StoreError> {
        Self::with_options(url, HttpOptions::from_env()?)
    }

    /// A store for `url` with explicit settings (credentials in the URL still win).
    pub fn with_options(url: &str, options: HttpOptions) -> Result<Self, StoreError> {
        let url = ServerUrl::parse(url)?;
        Ok(Self {
            page_size: options.page_size.map(|n| n.max(1)),
            max_pages: options.max_pages,
            client: std::sync::Arc::new(Client::new(&url, options)?),
        })
    }

    /// Runs of `experiment_ids` that match an MLflow search `filter`, evaluated by the server
    /// (`runs/search`), delivered page by page through `sink` like [`Store::runs`]:
    /// active and deleted runs, each once.
    ///
    /// `filter` is MLflow's own grammar (`metrics.acc > 0.9 and params.opt = 'adam'`: clauses
    /// joined by AND, no OR or parentheses; keys with other characters than `[A-Za-z0-9_.]`
    /// in backticks). An empty filter matches every run. A filter the server rejects comes
    /// back as [`StoreError::Http`] with `status: Some(400)`,
    /// `code: Some("INVALID_PARAMETER_VALUE")` and the server's explanation as `message`.
    ///
    /// For a source that resolved to `SourceSpec::Http(url)`, `HttpStore::open(url)` gives the
    /// store this is called on (`store::open` returns it as a `Box<dyn Store>`).
    pub fn search_runs_filtered(
        &self,
        experiment_ids: &[String],
        filter: &str,
        sink: &mut dyn FnMut(RunBatch),
    ) -> Result<(), StoreError> {
        let filter = Some(filter.trim()).filter(|f| !f.is_empty());
        self.search_runs(experiment_ids, filter, sink)
    }

    pub(super) fn search_runs(
        &self,
        experiment_ids: &[String],
        filter: Option<&str>,
        sink: &mut dyn FnMut(RunBatch),
    ) -> Result<(), StoreError> {
        // Pages are offsets: rows inserted meanwhile shift later pages, so keep each run once.
        let mut seen: HashSet<String> = HashSet::new();
        let location = format!("{} (runs/search)", self.client.shown());
        for chunk in experiment_ids.chunks(EXPERIMENTS_PER_SEARCH) {
            let mut token: Option<String> = None;
            let mut page_size = self.page_size.unwrap_or(FIRST_RUNS_PAGE);
            // The largest page that may be asked for (smaller after a page was too big).
            let mut largest = MAX_RUNS_PAGE;
            let mut pager = self.pager("runs/search");
            loop {
                let mut body = json!({
                    "experiment_ids": chunk,
                    "run_view_type": "ALL",
                    "max_results": page_size,
                });
                if let Some(f) = filter {
                    body["filter"] = f.into();
                }
                if let Some(t) = &token {
                    body["page_token"] = t.as_str().into();
                }
                let page = self
                    .client
                    .post_with("runs/search", &body, &|r| decode_runs(r, &location));
                let (runs, warnings, next) = match page {
                    // Runs with many params can make a large page too big to read: ask for
                    // the same page again, smaller (MLflow's tokens are offsets), and keep the
                    // pages that size.
                    Err(StoreError::Http { code: Some(c), .. })
                        if c == errors::ANSWER_TOO_LARGE
                            && self.page_size.is_none()
                            && page_size > MIN_RUNS_PAGE =>
                    {
                        page_size = (page_size / 8).max(MIN_RUNS_PAGE);
                        largest = page_size;
                        continue;
                    }
                    other => other?,
                };
                let received = runs.len() + warnings.total() as usize;
                let mut batch = RunBatch {
                    summaries: Vec::new(),
                    runs: Vec::with_capacity(runs.len()),
                    warnings: warnings.to_vec(),
                };
                for run in runs {
                    if seen.insert(run.run_id.clone()) {
                        batch.runs.push(run);
                    }
                }
                let new = batch.runs.len();
                sink(batch);
                match pager.next(next, received, page_size, new)? {
                    Some(t) => token = Some(t),
                    None => break,
                }
                if self.page_size.is_none() {
                    page_size = (page_size * 4).min(largest);
                }
            }
        }
        Ok(())
    }

    /// Follows the page tokens of `endpoint`.
    fn pager(&self, endpoint: &str) -> Pager {
        Pager::new(
            format!("{}{API_PATH}{endpoint}", self.client.shown()),
            self.max_pages,
        )
    }

    fn bulk_interval(
        &self,
        run_ids: &[String],
        key: &str,
        max_points: usize,
        steps: Option<(i64, i64)>,
    ) -> Result<HashMap<String, Vec<MetricPoint>>, StoreError> {
        let max = max_points.clamp(1, BULK_MAX_POINTS).to_string();
        let (lo, hi) = steps.map_or((String::new(), String::new()), |(lo, hi)| {
            (lo.to_string(), hi.to_string())
        });
        let mut by_run: HashMap<String, Vec<MetricPoint>> = HashMap::new();
        for chunk in run_ids.chunks(BULK_MAX_RUNS) {
            let mut query: Vec<(&str, &str)> =
                chunk.iter().map(|id| ("run_ids", id.as_str())).collect();
            query.push(("metric_key", key));
            query.push(("max_results", &max));
            if steps.is_some() {
                query.push(("start_step", &lo));
                query.push(("end_step", &hi));
            }
            let page = self
                .client
                .get_with("metrics/get-history-bulk-interval", &query, &|r| {
                    // Only the runs asked for: a server cannot fill memory with made-up ones.
                    let mut got: HashMap<String, Vec<MetricPoint>> = HashMap::new();
                    decode_page(r, "metrics", &mut |m: WireMetric| {
                        let p = m.point();
                        if let Some(id) = m.run_id.filter(|id| chunk.contains(id)) {
                            got.entry(id).or_default().push(p);
                        }
                    })?;
                    Ok(got)
                })?;
            for (id, points) in page {
                by_run.entry(id).or_default().extend(points);
            }
        }
        Ok(by_run)
    }
}

/// One `runs/search` page, decoded run by run: the runs, warnings about the unusable ones
/// (counted, not kept one by one) and the next page token.
fn decode_runs(
    r: &mut dyn Read,
    location: &str,
) -> serde_json::Result<(Vec<Run>, WarningLog, Option<String>)> {
    let mut runs = Vec::new();
    let mut warnings = WarningLog::new();
    let token = decode_page(r, "runs", &mut |w: WireRun| match w.into_model() {
        Ok(run) => runs.push(run),
        Err(message) => warnings.push(Warning {
            location: location.to_string(),
            message,
        }),
    })?;
    Ok((runs, warnings, token))
}

/// One `experiments/search` page (see [`decode_runs`]).
fn decode_experiments(
    r: &mut dyn Read,
    location: &str,
) -> serde_json::Result<(Vec<Experiment>, WarningLog, Option<String>)> {
    let mut experiments = Vec::new();
    let mut warnings = WarningLog::new();
    let token = decode_page(
        r,
        "experiments",
        &mut |w: WireExperiment| match w.into_model() {
            Some(e) => experiments.push(e),
            None => warnings.push(Warning {
                location: location.to_string(),
                message: "an experiment without experiment_id".into(),
            }),
        },
    )?;
    Ok((experiments, warnings, token))
}

/// One page of a metric's history.
fn decode_points(r: &mut dyn Read) -> serde_json::Result<(Vec<MetricPoint>, Option<String>)> {
    let mut points = Vec::new();
    let token = decode_page(r, "metrics", &mut |m: WireMetric| points.push(m.point()))?;
    Ok((points, token))
}

/// Decodes arbitrary bytes as each kind of page, streamed and whole (serde's derived decoding
/// of the complete document), and checks that both ways agree (for fuzzing and property
/// tests): never panics otherwise. The streamed way may accept more (a `null` list, a repeated
/// field) but never less, except a document that is not an object (derived decoding also
/// takes a struct from an array).
pub(crate) fn fuzz_page(data: &[u8]) {
    use std::fmt::Debug;
    fn agree<A: Debug, B: Debug>(
        data: &[u8],
        streamed: serde_json::Result<A>,
        whole: serde_json::Result<B>,
        what: &str,
    ) {
        match (streamed, whole) {
            // Debug text: NaN values compare equal there.
            (Ok(s), Ok(w)) => assert_eq!(format!("{s:?}"), format!("{w:?}"), "{what}"),
            (Err(e), Ok(_)) => assert!(
                data.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{'),
                "{what}: the streamed decoding refused an object ({e}) that decodes whole"
            ),
            _ => {}
        }
    }
    let streamed =
        decode_runs(&mut &data[..], "x").map(|(runs, w, token)| (runs, w.total(), token));
    let whole = serde_json::from_slice::<RunsPage>(data).map(|page| {
        let mut ok = Vec::new();
        let mut bad = 0;
        for w in page.runs {
            match w.into_model() {
                Ok(run) => ok.push(run),
                Err(_) => bad += 1,
            }
        }
        (ok, bad, page.next_page_token)
    });
    agree(data, streamed, whole, "runs");
    let streamed = decode_experiments(&mut &data[..], "x").map(|(e, _, t)| (e, t));
    let whole = serde_json::from_slice::<ExperimentsPage>(data).map(|p| {
        let e: Vec<Experiment> = p
            .experiments
            .into_iter()
            .filter_map(WireExperiment::into_model)
            .collect();
        (e, p.next_page_token)
    });
    agree(data, streamed, whole, "experiments");
    let streamed = decode_points(&mut &data[..]);
    let whole = serde_json::from_slice::<MetricsPage>(data).map(|p| {
        (
            p.metrics.iter().map(WireMetric::point).collect::<Vec<_>>(),
            p.next_page_token,
        )
    });
    agree(data, streamed, whole, "metrics");
    let _ = serde_json::from_slice::<GetRun>(data).map(|g| g.run.map(WireRun::into_model));
}

/// At most `n` points, evenly spread, always keeping the first and the last.
fn thin(points: Vec<MetricPoint>, n: usize) -> Vec<MetricPoint> {
    let n = n.max(1);
    if points.len() <= n {
        return points;
    }
    if n == 1 {
        return points.last().copied().into_iter().collect();
    }
    let last = points.len() - 1;
    let mut idx: Vec<usize> = (0..n).map(|i| i * last / (n - 1)).collect();
    idx.dedup();
    idx.into_iter().map(|i| points[i]).collect()
}

impl Store for HttpStore {
    fn describe(&self) -> String {
        format!("server {}", self.client.shown())
    }

    fn experiments(&self) -> Result<ExperimentList, StoreError> {
        let mut list = ExperimentList::default();
        let mut warnings = WarningLog::new();
        let mut seen = HashSet::new();
        let mut token: Option<String> = None;
        let page_size = self.page_size.unwrap_or(EXPERIMENTS_PAGE);
        let asked = page_size.to_string();
        let location = format!("{} (experiments/search)", self.client.shown());
        let mut pager = self.pager("experiments/search");
        loop {
            let mut query = vec![("max_results", asked.as_str()), ("view_type", "ALL")];
            if let Some(t) = &token {
                query.push(("page_token", t));
            }
            let (experiments, page_warnings, next) =
                self.client.get_with("experiments/search", &query, &|r| {
                    decode_experiments(r, &location)
                })?;
            let received = experiments.len() + page_warnings.total() as usize;
            warnings.extend(page_warnings.to_vec());
            let mut new = 0;
            for e in experiments {
                if seen.insert(e.experiment_id.clone()) {
                    list.experiments.push(e);
                    new += 1;
                }
            }
            match pager.next(next, received, page_size, new)? {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        list.warnings = warnings.to_vec();
        Ok(list)
    }

    fn runs(&self, query: &RunQuery<'_>, sink: &mut dyn FnMut(RunBatch)) -> Result<(), StoreError> {
        let ids = crate::store::experiment_ids(query.experiments);
        // Aggregates need each run's histories: fetched per page, before it is passed on.
        let mut failed: Option<StoreError> = None;
        let mut with_aggs = |mut batch: RunBatch| {
            if failed.is_some() {
                return;
            }
            match super::with_aggregates(self, &mut batch.runs, query.aggregates) {
                Ok(()) => sink(batch),
                Err(e) => failed = Some(e),
            }
        };
        match query.narrow() {
            Some(filter) => self.search_runs_filtered(&ids, filter, &mut with_aggs),
            None => self.search_runs(&ids, None, &mut with_aggs),
        }?;
        failed.map_or(Ok(()), Err)
    }

    fn metric_aggregates(
        &self,
        run_ids: &[String],
        wanted: &[crate::aggregate::MetricAgg],
        sink: &mut dyn FnMut(super::AggBatch),
    ) -> Result<(), StoreError> {
        self.aggregates(run_ids, wanted, sink)
    }

    fn samples_histories(&self) -> bool {
        true
    }

    fn follower(&self) -> Option<Box<dyn super::Follower>> {
        Some(Box::new(follow::HttpFollower::new(self.clone())))
    }

    fn run(&self, run_id: &str) -> Result<Run, StoreError> {
        let not_found = || StoreError::RunNotFound(run_id.to_string());
        let got: GetRun =
            self.client
                .get("runs/get", &[("run_id", run_id)])
                .map_err(|e| match e {
                    StoreError::Http {
                        status: Some(404),
                        code: Some(_),
                        ..
                    } => not_found(),
                    other => other,
                })?;
        let wire = got.run.ok_or_else(not_found)?;
        wire.into_model().map_err(|message| StoreError::Http {
            url: format!("{} (runs/get)", self.client.shown()),
            status: Some(200),
            code: None,
            message,
        })
    }

    fn metric_history(&self, run_id: &str, key: &str) -> Result<Vec<MetricPoint>, StoreError> {
        let mut points = Vec::new();
        self.metric_history_chunks(run_id, key, &mut |chunk| {
            points.extend_from_slice(chunk);
            ControlFlow::Continue(())
        })?;
        Ok(points)
    }

    /// Page by page: memory holds one page whatever the history's length.
    fn metric_history_chunks(
        &self,
        run_id: &str,
        key: &str,
        sink: &mut dyn FnMut(&[MetricPoint]) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        let mut token: Option<String> = None;
        let page_size = self.page_size.unwrap_or(HISTORY_PAGE);
        let asked = page_size.to_string();
        let mut pager = self.pager("metrics/get-history");
        loop {
            let mut query = vec![
                ("run_id", run_id),
                ("metric_key", key),
                ("max_results", asked.as_str()),
            ];
            if let Some(t) = &token {
                query.push(("page_token", t));
            }
            let (points, next) = self
                .client
                .get_with("metrics/get-history", &query, &|r| decode_points(r))?;
            for chunk in points.chunks(super::HISTORY_CHUNK) {
                if sink(chunk).is_break() {
                    return Ok(());
                }
            }
            match pager.next(next, points.len(), page_size, points.len())? {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        Ok(())
    }

    /// Downsampled on the server (`metrics/get-history-bulk-interval`, first and last point
    /// kept); servers older than MLflow 2.11 fall back to whole histories.
    fn metric_history_for_chart(
        &self,
        run_ids: &[String],
        key: &str,
        max_points: usize,
        steps: Option<(i64, i64)>,
    ) -> Result<Vec<(String, Vec<MetricPoint>)>, StoreError> {
        let mut by_run = match self.bulk_interval(run_ids, key, max_points, steps) {
            Ok(map) => map,
            Err(StoreError::Http {
                status: Some(404),
                code: None,
                ..
            }) => {
                // No such endpoint: fetch each history (paged) and thin it here.
                let mut map = HashMap::new();
                for id in run_ids {
                    map.insert(id.clone(), self.metric_history(id, key)?);
                }
                map
            }
            Err(e) => return Err(e),
        };
        Ok(run_ids
            .iter()
            .map(|id| {
                let mut points = by_run.remove(id).unwrap_or_default();
                if let Some((lo, hi)) = steps {
                    points.retain(|p| p.step >= lo && p.step <= hi);
                }
                (id.clone(), thin(points, max_points))
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pts(steps: impl IntoIterator<Item = i64>) -> Vec<MetricPoint> {
        steps
            .into_iter()
            .map(|s| MetricPoint {
                step: s,
                timestamp: s,
                value: s as f64,
            })
            .collect()
    }

    #[test]
    fn thinning_keeps_first_and_last() {
        let got: Vec<i64> = thin(pts(0..300), 5).iter().map(|p| p.step).collect();
        assert_eq!(got.first(), Some(&0));
        assert_eq!(got.last(), Some(&299));
        assert_eq!(got.len(), 5);
        assert_eq!(thin(pts(0..3), 10).len(), 3);
        let one: Vec<i64> = thin(pts(0..10), 1).iter().map(|p| p.step).collect();
        assert_eq!(one, vec![9]);
    }

    #[test]
    fn store_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<HttpStore>();
    }
}
