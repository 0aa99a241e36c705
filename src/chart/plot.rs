//! Chart images (PNG, SVG) with plotters: the same series and options as the terminal
//! chart, one panel per metric. Text uses the DejaVu Sans font embedded in the binary, so
//! it works on machines without any system fonts.

use std::path::Path;
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{ChartOptions, Series, bounds, downsample, x_label, y_label};

/// Okabe–Ito colours (colour-blind safe), also used by the terminal chart.
pub const PALETTE: [(u8, u8, u8); 8] = [
    (0, 114, 178),
    (230, 159, 0),
    (0, 158, 115),
    (204, 121, 167),
    (86, 180, 233),
    (213, 94, 0),
    (240, 228, 66),
    (0, 0, 0),
];

static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static REGISTER: Once = Once::new();

/// Errors while drawing an image.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    #[error("{0}: unsupported image type (use .png or .svg)")]
    Format(String),
    #[error("drawing {path}: {message}")]
    Draw { path: String, message: String },
    #[error("nothing to plot: {0}")]
    Empty(String),
}

/// One panel: a metric and its series (one per run) with legend labels.
pub struct Panel {
    pub key: String,
    pub series: Vec<Series>,
    pub labels: Vec<String>,
}

/// A chart image request.
pub struct Plot {
    pub title: String,
    pub panels: Vec<Panel>,
    pub opts: ChartOptions,
    pub size: (u32, u32),
}

/// Something drawable onto any plotters backend (line panels, scatter, parallel, bands).
pub trait Drawing {
    fn draw_on<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>>;
}

impl Drawing for Plot {
    fn draw_on<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        draw(root, self)
    }
}

/// Writes `plot` to `path`; the extension picks PNG or SVG.
pub fn render(path: &Path, plot: &Plot) -> Result<(), PlotError> {
    if plot
        .panels
        .iter()
        .all(|p| p.series.iter().all(|s| s.raw.is_empty()))
    {
        return Err(PlotError::Empty(
            "no finite values in the selected runs and metrics".into(),
        ));
    }
    render_with(path, plot.size, plot)
}

/// Writes any drawing to `path` at `size` pixels; the extension picks PNG or SVG.
pub fn render_with(path: &Path, size: (u32, u32), drawing: &impl Drawing) -> Result<(), PlotError> {
    REGISTER.call_once(|| {
        // The embedded font is a valid TTF; a failure would only make text invisible.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let err = |e: String| PlotError::Draw {
        path: path.display().to_string(),
        message: e,
    };
    match ext.as_str() {
        "png" => {
            let root = BitMapBackend::new(path, size).into_drawing_area();
            drawing.draw_on(&root).map_err(|e| err(e.to_string()))?;
            root.present().map_err(|e| err(e.to_string()))
        }
        "svg" => {
            let root = SVGBackend::new(path, size).into_drawing_area();
            drawing.draw_on(&root).map_err(|e| err(e.to_string()))?;
            root.present().map_err(|e| err(e.to_string()))
        }
        other => Err(PlotError::Format(if other.is_empty() {
            path.display().to_string()
        } else {
            format!(".{other}")
        })),
    }
}

pub(super) fn color(i: usize) -> RGBColor {
    let (r, g, b) = PALETTE[i % PALETTE.len()];
    RGBColor(r, g, b)
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    plot: &Plot,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let root = root.titled(&plot.title, ("sans-serif", 22))?;
    let n = plot.panels.len().max(1);
    let cols = if n == 1 { 1 } else { 2 };
    let rows = n.div_ceil(cols);
    let areas = root.split_evenly((rows, cols));
    let opts = &plot.opts;
    for (panel, area) in plot.panels.iter().zip(areas) {
        let refs: Vec<&Series> = panel.series.iter().collect();
        let Some(b) = bounds(&refs, opts, None) else {
            continue;
        };
        let span = b.x.1 - b.x.0;
        let mut caption = panel.key.clone();
        let skipped: usize = panel.series.iter().map(|s| s.nonfinite).sum();
        let hidden: usize = panel.series.iter().map(|s| s.nonpositive).sum();
        if skipped > 0 {
            caption.push_str(&format!("  ({skipped} NaN/inf skipped)"));
        }
        if hidden > 0 {
            caption.push_str(&format!("  ({hidden} ≤ 0 hidden by log scale)"));
        }
        let mut chart = ChartBuilder::on(&area)
            .caption(caption, ("sans-serif", 16))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(b.x.0..b.x.1, b.y.0..b.y.1)?;
        let y_desc = if opts.log_y {
            "value (log scale)"
        } else {
            "value"
        };
        chart
            .configure_mesh()
            .x_desc(opts.x_mode.label())
            .y_desc(y_desc)
            .x_label_formatter(&|x| x_label(opts.x_mode, *x, span, &Default::default()))
            .y_label_formatter(&|y| y_label(opts.log_y, *y))
            .label_style(("sans-serif", 12))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()?;
        let width = area.dim_in_pixel().0 as usize;
        for (i, s) in panel.series.iter().enumerate() {
            let c = color(i);
            let raw = downsample::minmax(&s.raw, b.x.0, b.x.1, width);
            let label = panel.labels.get(i).cloned().unwrap_or_default();
            let main_style = c.stroke_width(2);
            match &s.smoothed {
                Some(sm) => {
                    chart.draw_series(LineSeries::new(raw, c.mix(0.25).stroke_width(1)))?;
                    let sm = downsample::minmax(sm, b.x.0, b.x.1, width);
                    chart
                        .draw_series(LineSeries::new(sm, main_style))?
                        .label(label)
                        .legend(move |(x, y)| {
                            PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(3))
                        });
                }
                None => {
                    chart
                        .draw_series(LineSeries::new(raw, main_style))?
                        .label(label)
                        .legend(move |(x, y)| {
                            PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(3))
                        });
                }
            }
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(180, 180, 180))
            .label_font(("sans-serif", 12))
            .draw()?;
    }
    Ok(())
}
