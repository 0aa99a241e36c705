//! In-process benchmarks, timed with `Instant` over repeated iterations (median reported):
//!
//! - `sort_100k`: sorting 100,000 runs by a metric (synthetic runs, deterministic).
//! - `table_frame`: drawing one frame of the run table (160×48, `TestBackend`) with every
//!   run of the store's largest experiment shown (20,000 on the `sweep` store).
//! - `first_rows`: from opening the store to the first drawn frame that has rows, loading
//!   the way the TUI does (a loader thread sending batches; the experiment opened as soon
//!   as experiments are known), and `tui_loaded`: until every batch is applied and drawn.
//! - `history_load`, `chart_first_frame`, `chart_frame`: on the `long` store (file store or
//!   SQLite), loading 10 histories of 1,000,000 points (with the rate in points/s, and
//!   `history_rss_mb`: the peak RSS once they are in, against 16 bytes per point), the first
//!   chart frame (which prepares, i.e. smooths and downsamples, the series) and a redraw with
//!   prepared series.
//! - `--huge DB` (`huge.rs`): `first_rows` / `tui_loaded` as above on a 100,000-run store,
//!   `peak_rss_mb` (VmHWM once loaded, with bytes per run), `table_frame`, sorting by the run
//!   name, a param, a text param, a metric and the start time (`sort_*`: the update and the
//!   frame it causes), and the quick filter key by key (`filter_first`, `filter_key`).
//! - `--server URL`: `first_rows` / `tui_loaded` / `peak_rss_mb` through a tracking server.
//!
//! - `agg_min`, `agg_at`, `agg_first_step`: on the `sweep` store, computing
//!   `metrics.val/loss:min`, `metrics.val/loss@10` and `metrics.val/acc:max_step` for every run
//!   already loaded (what adding such a column in the terminal UI costs).
//! - `group_param`: grouping every `sweep` run by one param (`params.optimizer`) with a
//!   mean ± std of one metric per group.
//! - `scatter_frame`, `parallel_frame`: one frame (160×48) of the scatter screen and of
//!   parallel coordinates with every `sweep` run shown; `scatter_build`, `parallel_build`:
//!   recomputing their data (as after a change of axis or a refresh).
//! - `registry_load`: reading the whole model registry of the `registry` store (1,000 models
//!   × 20 versions), in process; `artifacts_first` / `artifacts_all`: listing the 10,000-file
//!   artifact folder of its first run, to the first batch the browser can show and to the
//!   last entry.
//!
//! ```sh
//! cargo run --release --example bench_frames -- --sweep DIR_OR_DB --long DIR_OR_DB
//! cargo run --release --example bench_frames -- --registry DIR_OR_DB
//! cargo run --release --example bench_frames -- --huge huge.db
//! cargo run --release --example bench_frames -- --server http://127.0.0.1:5000
//! ```
//!
//! Prints one `name<TAB>milliseconds<TAB>note` line per measurement (bench/run.sh reads
//! them); names ending in `_mb` carry megabytes instead of milliseconds.

mod huge;

use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use mltui::index::{Column, SortKey, TextOrder, sort_rows};
use mltui::model::{Lifecycle, MetricPoint, MetricSummary, Run, RunStatus};
use mltui::store::{self, Store};
use mltui::tui::action::Action;
use mltui::tui::app::{App, Effect, LoadEvent};
use mltui::tui::theme::Theme;
use mltui::tui::view;

const WIDTH: u16 = 160;
const HEIGHT: u16 = 48;
/// A fixed "now" so that durations of running runs do not change between frames.
const NOW_MS: i64 = 1_800_000_000_000;

fn report(name: &str, d: Duration, note: &str) {
    println!("{name}\t{:.3}\t{note}", d.as_secs_f64() * 1e3);
}

/// Median of `iters` timings of `f` (after one warm-up call).
fn median(iters: usize, mut f: impl FnMut()) -> Duration {
    f();
    let mut times: Vec<Duration> = (0..iters)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

/// splitmix64, for deterministic synthetic runs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn f64(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// `n` runs with 5 metrics and 10 params each; 1% have no `val/acc`, 1% have NaN.
fn synthetic_runs(n: usize) -> Vec<Run> {
    let mut rng = Rng(7);
    (0..n)
        .map(|i| {
            let start = 1_736_121_600_000 + (rng.next() % 10_000_000) as i64;
            let mut metrics = mltui::model::KeyMap::new();
            for key in ["train/loss", "val/loss", "val/acc", "lr", "grad_norm"] {
                let roll = rng.next() % 100;
                if key == "val/acc" && roll == 0 {
                    continue;
                }
                let value = if key == "val/acc" && roll == 1 {
                    f64::NAN
                } else {
                    rng.f64()
                };
                let p = MetricPoint {
                    step: 199,
                    timestamp: start + 60_000,
                    value,
                };
                metrics.insert((*key).into(), MetricSummary::from_point(p));
            }
            let params = (0..10)
                .map(|k| {
                    (
                        format!("p{k}").into(),
                        (rng.next() % 1000).to_string().into(),
                    )
                })
                .collect();
            Run {
                run_id: format!("{:016x}{:016x}", rng.next(), i),
                run_name: format!("run-{i}"),
                experiment_id: "1".into(),
                status: RunStatus::Finished,
                lifecycle: Lifecycle::Active,
                user_id: "alice".into(),
                start_time: Some(start),
                end_time: Some(start + 60_000),
                artifact_uri: String::new(),
                params,
                tags: Default::default(),
                metrics,
                datasets: Vec::new(),
                aggregates: Default::default(),
            }
        })
        .collect()
}

fn bench_sort() {
    let runs = synthetic_runs(100_000);
    let keys = [SortKey::desc(Column::Metric("val/acc".into()))];
    let t = median(15, || {
        let mut rows: Vec<usize> = (0..runs.len()).collect();
        sort_rows(&runs, &mut rows, &keys, TextOrder::Numeric, NOW_MS);
        std::hint::black_box(&rows);
    });
    report("sort_100k", t, "100,000 runs by metrics.val/acc desc");
    let t = median(15, || {
        let mut rows: Vec<usize> = (0..runs.len()).collect();
        sort_rows(&runs, &mut rows, &[], TextOrder::Numeric, NOW_MS);
        std::hint::black_box(&rows);
    });
    report(
        "sort_100k_default",
        t,
        "100,000 runs in MLflow's default order",
    );
}

fn open_store(path: &str) -> Arc<dyn Store> {
    let spec = store::parse_source(
        path,
        &std::env::current_dir().unwrap_or_else(|e| fail("cwd", &e)),
    )
    .unwrap_or_else(|e| fail(path, &e));
    Arc::from(store::open(&spec).unwrap_or_else(|e| fail(path, &e)))
}

fn fail(what: &str, e: &dyn std::fmt::Display) -> ! {
    eprintln!("bench_frames: {what}: {e}");
    std::process::exit(1)
}

/// Puts the experiment cursor on the experiment with the most runs (or, before runs are
/// loaded, the last experiment that is not `Default`) and opens it.
fn open_biggest_experiment(app: &mut App) {
    let pos = app
        .experiments
        .rows
        .iter()
        .enumerate()
        .max_by_key(|&(_, &i)| {
            let e = &app.index.experiments()[i];
            (
                app.index.run_count(&e.experiment_id).active,
                e.experiment_id != "0",
            )
        })
        .map_or(0, |(pos, _)| pos);
    app.experiments.cursor = pos;
    app.update(Action::Open);
}

fn draw(term: &mut Terminal<TestBackend>, app: &App, theme: &Theme) {
    term.draw(|f| view::draw(f, app, theme))
        .unwrap_or_else(|e| fail("draw", &e));
}

fn new_app() -> App {
    App::new("bench".into(), std::env::temp_dir(), NOW_MS)
}

fn terminal() -> Terminal<TestBackend> {
    Terminal::new(TestBackend::new(WIDTH, HEIGHT)).unwrap_or_else(|e| fail("terminal", &e))
}

/// Loads `path` as the TUI does (its loader thread: the store's follower, first poll) and
/// reports when rows first show, when every row is in the table, and when all is in (min,
/// max and count of every metric too).
fn bench_first_rows(path: &str) -> App {
    use mltui::tui::event::Event;
    let theme = Theme::monochrome();
    let t0 = Instant::now();
    let st = open_store(path);
    let (tx, rx) = mpsc::channel();
    let loading = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let follow = mltui::tui::loader::Follow {
        interval: None,
        watch: false,
    };
    let _control = mltui::tui::loader::spawn_loader(st, tx, loading, follow);
    let mut app = new_app();
    let mut term = terminal();
    let mut first_rows = None;
    let mut rows_all = None;
    let mut batches = 0;
    let mut frames = 0;
    'outer: while let Ok(first) = rx.recv() {
        let mut done = false;
        let mut more_rows = false;
        // Like the TUI loop: apply everything pending, then draw once.
        for ev in std::iter::once(first).chain(rx.try_iter()) {
            let Event::Load(ev) = ev else { continue };
            match ev {
                LoadEvent::Experiments(list) => {
                    app.on_load(LoadEvent::Experiments(list));
                    open_biggest_experiment(&mut app);
                }
                LoadEvent::Runs(b) => {
                    batches += 1;
                    more_rows |= !b.runs.is_empty();
                    app.on_load(LoadEvent::Runs(b));
                }
                LoadEvent::Done => {
                    app.on_load(LoadEvent::Done);
                    done = true;
                }
                LoadEvent::Failed(e) => fail(path, &e),
                other => {
                    app.on_load(other);
                }
            }
        }
        draw(&mut term, &app, &theme);
        frames += 1;
        if first_rows.is_none() && !app.runs.rows.is_empty() {
            first_rows = Some(t0.elapsed());
        }
        if more_rows {
            rows_all = Some(t0.elapsed());
        }
        if done {
            break 'outer;
        }
    }
    let total = t0.elapsed();
    let rows = app.runs.rows.len();
    report(
        "first_rows",
        first_rows.unwrap_or(total),
        &format!("{path}: open to first frame with rows"),
    );
    report(
        "tui_rows_all",
        rows_all.unwrap_or(total),
        &format!("{path}: open to the frame with every row (latest values)"),
    );
    report(
        "tui_loaded",
        total,
        &format!("{path}: {rows} rows; {batches} batches, {frames} frames drawn"),
    );
    app
}

fn bench_table_frame(app: &App) {
    let theme = Theme::monochrome();
    let mut term = terminal();
    let rows = app.runs.rows.len();
    let t = median(30, || draw(&mut term, app, &theme));
    report(
        "table_frame",
        t,
        &format!("{rows} runs shown, {WIDTH}x{HEIGHT}"),
    );
}

fn bench_chart(path: &str) {
    let theme = Theme::monochrome();
    let st = open_store(path);
    let mut app = new_app();
    let list = st.experiments().unwrap_or_else(|e| fail(path, &e));
    let exps = list.experiments.clone();
    app.on_load(LoadEvent::Experiments(list));
    st.runs(&mltui::store::RunQuery::all(&exps), &mut |b| {
        app.on_load(LoadEvent::Runs(b));
    })
    .unwrap_or_else(|e| fail(path, &e));
    app.on_load(LoadEvent::Done);
    open_biggest_experiment(&mut app);
    app.update(Action::MarkAll);
    let effects = app.update(Action::Plot);
    let mut points = 0usize;
    let mut runs = 0usize;
    let rss_before = huge::status_kb("VmRSS").unwrap_or(0);
    let t = Instant::now();
    for effect in effects {
        if let Effect::LoadHistories { run_ids, key, .. } = effect {
            // Whole histories, several at once (as a local SQLite store's charts read
            // them).
            let loaded: Vec<(String, Vec<MetricPoint>)> =
                mltui::store::histories(st.as_ref(), &run_ids, &key)
                    .unwrap_or_else(|e| fail(path, &e));
            runs += loaded.len();
            points += loaded.iter().map(|(_, p)| p.len()).sum::<usize>();
            app.on_history(&key, None, Ok(loaded), &run_ids);
        }
    }
    let took = t.elapsed();
    report(
        "history_load",
        took,
        &format!(
            "{runs} histories, {points} points: {:.1} M points/s",
            points as f64 / took.as_secs_f64().max(1e-9) / 1e6
        ),
    );
    if let Some(peak) = huge::status_kb("VmHWM") {
        huge::report_mb(
            "history_rss_mb",
            peak,
            &format!(
                "VmHWM with {points} points loaded: {:.1} bytes per point ({:.1} MB before loading)",
                peak as f64 * 1024.0 / points.max(1) as f64,
                rss_before as f64 / 1024.0
            ),
        );
    }
    let mut term = terminal();
    let t = Instant::now();
    draw(&mut term, &app, &theme);
    report(
        "chart_first_frame",
        t.elapsed(),
        &format!(
            "{runs} series x {} points: prepare + draw",
            points / runs.max(1)
        ),
    );
    let t = median(20, || draw(&mut term, &app, &theme));
    report("chart_frame", t, "redraw, nothing changed (cached curves)");
    // A new zoom window: bounds and downsampling run again over every point in it.
    let mut zoomed = false;
    let t = median(10, || {
        app.update(if zoomed {
            Action::ResetZoom
        } else {
            Action::ZoomIn
        });
        zoomed = !zoomed;
        draw(&mut term, &app, &theme);
    });
    report(
        "chart_frame_new_zoom",
        t,
        "zoom in/out, then draw: curves recomputed",
    );
}

/// Aggregates for runs already loaded, and grouping, on the `sweep` store.
fn bench_sweep_analysis(path: &str, app: &mut App) {
    use mltui::aggregate::{Agg, MetricAgg};
    use mltui::index::group::{GroupAgg, GroupColumn, group_rows};
    let st = open_store(path);
    let rows = app.index.select(None, mltui::model::ViewType::Active);
    let ids: Vec<String> = rows
        .iter()
        .map(|&r| app.index.runs()[r].run_id.clone())
        .collect();
    let n = ids.len();
    for (name, key, agg) in [
        ("agg_min", "val/loss", Agg::Min),
        ("agg_at", "val/loss", Agg::At(10)),
        ("agg_first_step", "val/acc", Agg::MaxStep),
    ] {
        let wanted = [MetricAgg::new(key, agg)];
        let mut values = 0;
        let t = median(3, || {
            values = 0;
            st.metric_aggregates(&ids, &wanted, &mut |b| values += b.values.len())
                .unwrap_or_else(|e| fail(name, &e));
        });
        report(
            name,
            t,
            &format!("{n} runs, {values} values of metrics.{key}{}", agg.suffix()),
        );
    }
    let by = [Column::Param("optimizer".into())];
    let acc = GroupColumn::Agg(GroupAgg::Mean, Column::Metric("val/acc".into()));
    let sd = GroupColumn::Agg(GroupAgg::Std, Column::Metric("val/acc".into()));
    let mut groups = 0;
    let t = median(20, || {
        let g = group_rows(app.index.runs(), &rows, &by, NOW_MS);
        for grp in &g {
            std::hint::black_box(acc.value(grp, app.index.runs(), &by, NOW_MS));
            std::hint::black_box(sd.value(grp, app.index.runs(), &by, NOW_MS));
        }
        groups = g.len();
    });
    report(
        "group_param",
        t,
        &format!(
            "{} runs into {groups} groups, mean ± std of val/acc",
            rows.len()
        ),
    );

    // Sweep screens over every run of the table, sorted by the best val/acc.
    let theme = Theme::colored();
    let mut term = terminal();
    app.runs.sort = vec![SortKey::desc(Column::Metric("val/acc".into()))];
    app.refresh_runs();
    let shown = app.runs.rows.len();
    app.update(Action::Scatter);
    let points = app
        .scatter
        .as_ref()
        .and_then(|s| s.data.as_ref())
        .map_or(0, |d| d.points.len());
    let t = median(20, || draw(&mut term, app, &theme));
    report(
        "scatter_frame",
        t,
        &format!("{points} points of {shown} runs"),
    );
    let t = median(5, || app.refresh_sweep());
    report("scatter_build", t, &format!("{points} points"));
    app.update(Action::Leave);
    app.update(Action::Parallel);
    let (axes, lines) = app
        .parallel
        .as_ref()
        .and_then(|p| p.data.as_ref())
        .map_or((0, 0), |d| (d.axes.len(), d.lines.len()));
    let t = median(20, || draw(&mut term, app, &theme));
    report(
        "parallel_frame",
        t,
        &format!("{lines} lines on {axes} axes"),
    );
    let t = median(5, || app.refresh_sweep());
    report("parallel_build", t, &format!("{lines} lines"));
    app.update(Action::Leave);
}

/// Registry load, and streaming the listing of a 10,000-file artifact folder.
fn bench_registry(path: &str) {
    let spec = store::parse_source(path, std::path::Path::new("/")).expect("source");
    let st = store::open(&spec).expect("open");
    let mut n = (0, 0);
    let d = median(5, || {
        let reg = st.registry().expect("registry");
        n = (reg.models.len(), reg.versions.len());
    });
    report(
        "registry_load",
        d,
        &format!("{} models, {} versions", n.0, n.1),
    );
    // The first run with the many-files folder.
    let list = st.experiments().expect("experiments");
    let mut runs = Vec::new();
    st.runs(&store::RunQuery::all(&list.experiments), &mut |b| {
        runs.extend(b.runs)
    })
    .expect("runs");
    for run in &runs {
        let owner = store::artifacts::ArtifactOwner::of_run(run);
        let Ok(store::artifacts::ArtifactAccess::Readable(repo)) = st.artifacts(&owner, None)
        else {
            continue;
        };
        let mut top = Vec::new();
        if repo.list("", &mut |b| top.extend(b)).is_err() || !top.iter().any(|e| e.path == "many") {
            continue;
        }
        let mut first = Duration::ZERO;
        let mut total = 0;
        let all = median(5, || {
            let t = Instant::now();
            let mut seen = false;
            total = 0;
            repo.list("many", &mut |b| {
                if !seen {
                    first = t.elapsed();
                    seen = true;
                }
                total += b.len();
            })
            .expect("list");
        });
        report(
            "artifacts_first",
            first,
            &format!("first batch of a {total}-file folder"),
        );
        report("artifacts_all", all, &format!("{total} entries"));
        return;
    }
}

fn main() {
    let mut sweep = None;
    let mut long = None;
    let mut registry = None;
    let mut huge = None;
    let mut server = None;
    let mut only_sort = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--sweep" => sweep = args.next(),
            "--long" => long = args.next(),
            "--registry" => registry = args.next(),
            "--huge" => huge = args.next(),
            "--server" => server = args.next(),
            "--sort" => only_sort = true,
            _ => {
                eprintln!(
                    "usage: bench_frames [--sort] [--sweep STORE] [--long STORE] [--registry STORE] \
                     [--huge STORE] [--server URL]"
                );
                std::process::exit(2);
            }
        }
    }
    if let Some(path) = registry {
        bench_registry(&path);
        return;
    }
    if let Some(path) = &huge {
        huge::bench_huge(path, true);
    }
    if let Some(url) = &server {
        huge::bench_huge(url, false);
    }
    if huge.is_some() || server.is_some() {
        return;
    }
    if only_sort || (sweep.is_none() && long.is_none()) {
        bench_sort();
    }
    if let Some(path) = sweep {
        let mut app = bench_first_rows(&path);
        bench_table_frame(&app);
        bench_sweep_analysis(&path, &mut app);
    }
    if let Some(path) = long {
        bench_chart(&path);
    }
}
