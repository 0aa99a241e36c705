//! What an artifact file looks like, judged from its first bytes (never more than
//! [`PREVIEW_LIMIT`]): text (JSON pretty-printed, CSV as a table, YAML, `MLmodel` and
//! `MLproject` with a summary of what matters), or binary (its type), or an image (format
//! and dimensions). No UI imports: the TUI draws a [`Preview`], escaping every line.

use std::io::Read;

/// The most bytes read from a file for a preview.
pub const PREVIEW_LIMIT: usize = 256 * 1024;
/// Rows of a CSV file shown as a table.
const CSV_ROWS: usize = 2_000;

/// A file's preview.
#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    pub path: String,
    /// The file's size, when known.
    pub size: Option<u64>,
    /// Bytes read (at most [`PREVIEW_LIMIT`]).
    pub read: usize,
    /// True when the file is longer than what was read.
    pub truncated: bool,
    /// What the file is: `JSON`, `CSV`, `text`, `PNG image`, …
    pub kind: String,
    /// Key facts shown above the content (`MLmodel` flavors and signature, `MLproject`
    /// entry points, image dimensions).
    pub summary: Vec<(String, String)>,
    pub body: Body,
}

/// The content part of a preview.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// Lines of text (tabs expanded; other control characters left for the view to escape).
    Lines(Vec<String>),
    /// A CSV file: header and rows.
    Table {
        header: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    /// Not text: nothing to show but the summary.
    Binary,
}

impl Preview {
    /// The body as lines of text (a CSV table aligned in columns), for drawing and tests.
    pub fn lines(&self) -> Vec<String> {
        match &self.body {
            Body::Lines(l) => l.clone(),
            Body::Binary => Vec::new(),
            Body::Table { header, rows } => {
                let ncols = rows
                    .iter()
                    .map(Vec::len)
                    .chain(std::iter::once(header.len()))
                    .max()
                    .unwrap_or(0);
                let mut widths = vec![0usize; ncols];
                for r in std::iter::once(header).chain(rows) {
                    for (i, c) in r.iter().enumerate() {
                        widths[i] = widths[i].max(crate::text::width(c).min(40));
                    }
                }
                let fmt = |r: &Vec<String>| {
                    r.iter()
                        .enumerate()
                        .map(|(i, c)| {
                            crate::text::pad(&crate::text::truncate(c, widths[i]), widths[i], false)
                        })
                        .collect::<Vec<_>>()
                        .join("  ")
                        .trim_end()
                        .to_string()
                };
                let mut out = vec![fmt(header)];
                out.push(
                    widths
                        .iter()
                        .map(|w| "─".repeat(*w))
                        .collect::<Vec<_>>()
                        .join("  "),
                );
                out.extend(rows.iter().map(fmt));
                out
            }
        }
    }

    /// `12.3 KiB`, or `2.8 MiB · truncated to 256.0 KiB` when only the start was read.
    pub fn size_note(&self) -> String {
        let size = self.size.map_or("size unknown".to_string(), human_size);
        if self.truncated {
            format!("{size} · truncated to {}", human_size(self.read as u64))
        } else {
            size
        }
    }
}

/// `512 B`, `1.5 KiB`, `3.2 MiB`, `10.0 GiB`.
pub fn human_size(n: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

/// Reads at most [`PREVIEW_LIMIT`] bytes of `reader` and judges them.
pub fn read_preview(
    path: &str,
    size: Option<u64>,
    reader: &mut dyn Read,
) -> std::io::Result<Preview> {
    let mut buf =
        Vec::with_capacity(size.map_or(64 * 1024, |s| s.min(PREVIEW_LIMIT as u64) as usize));
    reader.take(PREVIEW_LIMIT as u64).read_to_end(&mut buf)?;
    let truncated = match size {
        Some(s) => s > buf.len() as u64,
        // Unknown size: one more byte tells.
        None if buf.len() == PREVIEW_LIMIT => {
            let mut one = [0u8; 1];
            reader.read(&mut one)? > 0
        }
        None => false,
    };
    Ok(judge(path, size, &buf, truncated))
}

/// Judges the first bytes of a file.
pub fn judge(path: &str, size: Option<u64>, bytes: &[u8], truncated: bool) -> Preview {
    let name = path.rsplit('/').next().unwrap_or(path);
    let mut p = Preview {
        path: path.to_string(),
        size,
        read: bytes.len(),
        truncated,
        kind: String::new(),
        summary: Vec::new(),
        body: Body::Binary,
    };
    if bytes.is_empty() {
        p.kind = "empty file".into();
        p.body = Body::Lines(Vec::new());
        return p;
    }
    if let Some((format, dims)) = image_info(bytes) {
        p.kind = format!("{format} image");
        p.summary.push(("format".into(), format.to_string()));
        p.summary.push((
            "dimensions".into(),
            dims.map_or("unknown".into(), |(w, h)| format!("{w} × {h} pixels")),
        ));
        return p;
    }
    if let Some(kind) = binary_kind(bytes) {
        p.kind = kind.to_string();
        return p;
    }
    let Some(text) = as_text(bytes, truncated) else {
        p.kind = "binary data".into();
        return p;
    };
    let lower = name.to_ascii_lowercase();
    let ext = lower.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    if name == "MLmodel" {
        p.kind = "MLmodel (YAML)".into();
        p.summary = mlmodel_summary(text);
    } else if name == "MLproject" {
        p.kind = "MLproject (YAML)".into();
        p.summary = mlproject_summary(text);
    } else if matches!(ext, "csv" | "tsv") {
        let delimiter = if ext == "tsv" { b'\t' } else { b',' };
        if let Some((header, rows, more)) = csv_table(text, delimiter) {
            p.kind = if ext == "tsv" {
                "TSV".into()
            } else {
                "CSV".into()
            };
            if more {
                p.summary
                    .push(("rows".into(), format!("first {CSV_ROWS} shown")));
            }
            p.body = Body::Table { header, rows };
            return p;
        }
        p.kind = "text".into();
    } else if ext == "json" || (!truncated && looks_like_json(text)) {
        match serde_json::from_str::<serde_json::Value>(text) {
            Ok(v) => {
                p.kind = "JSON".into();
                let pretty = serde_json::to_string_pretty(&v).unwrap_or_else(|_| text.to_string());
                p.body = Body::Lines(pretty.lines().map(str::to_string).collect());
                return p;
            }
            Err(_) => {
                p.kind = if truncated {
                    "JSON (cut, shown as text)".into()
                } else {
                    "text (not valid JSON)".into()
                }
            }
        }
    } else if matches!(ext, "yaml" | "yml") {
        p.kind = "YAML".into();
    } else if lower == "requirements.txt" || lower.ends_with("requirements.txt") {
        p.kind = "pip requirements".into();
    } else if matches!(ext, "md" | "markdown") {
        p.kind = "Markdown".into();
    } else {
        p.kind = "text".into();
    }
    p.body = Body::Lines(text_lines(text));
    p
}

fn looks_like_json(text: &str) -> bool {
    let t = text.trim_start();
    t.starts_with('{') || t.starts_with('[')
}

/// The bytes as text when they are UTF-8 without NUL bytes (a multi-byte character cut at
/// the end of a truncated read is dropped).
fn as_text(bytes: &[u8], truncated: bool) -> Option<&str> {
    if bytes.iter().take(8192).any(|&b| b == 0) {
        return None;
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Some(s),
        Err(e) if truncated && e.error_len().is_none() && bytes.len() - e.valid_up_to() < 4 => {
            std::str::from_utf8(&bytes[..e.valid_up_to()]).ok()
        }
        Err(_) => None,
    }
}

/// Lines with `\r\n` handled and tabs expanded to 4-column stops.
fn text_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| {
            let l = l.strip_suffix('\r').unwrap_or(l);
            if !l.contains('\t') {
                return l.to_string();
            }
            let mut out = String::with_capacity(l.len() + 8);
            let mut col = 0;
            for c in l.chars() {
                if c == '\t' {
                    let n = 4 - col % 4;
                    out.extend(std::iter::repeat_n(' ', n));
                    col += n;
                } else {
                    out.push(c);
                    col += 1;
                }
            }
            out
        })
        .collect()
}

/// Header and rows of CSV text (at most [`CSV_ROWS`]); `true` when rows were left out.
fn csv_table(text: &str, delimiter: u8) -> Option<(Vec<String>, Vec<Vec<String>>, bool)> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header: Vec<String> = records.next()?.ok()?.iter().map(str::to_string).collect();
    let mut rows = Vec::new();
    let mut more = false;
    for r in records {
        // A record cut by the read limit fails to parse: stop there.
        let Ok(r) = r else { break };
        if rows.len() == CSV_ROWS {
            more = true;
            break;
        }
        rows.push(r.iter().map(str::to_string).collect());
    }
    Some((header, rows, more))
}

/// Flavors, signature and ids of an `MLmodel` file.
fn mlmodel_summary(text: &str) -> Vec<(String, String)> {
    let Ok(serde_yaml_ng::Value::Mapping(m)) =
        serde_yaml_ng::from_str::<serde_yaml_ng::Value>(text)
    else {
        return vec![("note".into(), "not valid YAML".into())];
    };
    let get = |k: &str| m.get(k).and_then(yaml_scalar);
    let mut out = Vec::new();
    if let Some(serde_yaml_ng::Value::Mapping(flavors)) = m.get("flavors") {
        let list: Vec<String> = flavors
            .iter()
            .filter_map(|(k, v)| {
                let name = k.as_str()?.to_string();
                let version = match v {
                    serde_yaml_ng::Value::Mapping(f) => f
                        .iter()
                        .find(|(k, _)| {
                            k.as_str()
                                .is_some_and(|k| k.ends_with("_version") && k != "python_version")
                        })
                        .and_then(|(_, v)| yaml_scalar(v)),
                    _ => None,
                };
                Some(match version {
                    Some(v) => format!("{name} {v}"),
                    None => name,
                })
            })
            .collect();
        out.push(("flavors".into(), list.join(", ")));
    }
    if let Some(serde_yaml_ng::Value::Mapping(sig)) = m.get("signature") {
        for part in ["inputs", "outputs", "params"] {
            if let Some(s) = sig.get(part).and_then(yaml_scalar) {
                out.push((format!("signature {part}"), schema_text(&s)));
            }
        }
    }
    for k in [
        "model_id",
        "run_id",
        "mlflow_version",
        "utc_time_created",
        "model_size_bytes",
    ] {
        if let Some(v) = get(k) {
            out.push((k.into(), v));
        }
    }
    out
}

/// A signature schema (MLflow keeps it as a JSON string) in a line: `f0: double, f1: long`,
/// or `tensor float64 [-1, 2]`.
fn schema_text(s: &str) -> String {
    let Ok(serde_json::Value::Array(cols)) = serde_json::from_str::<serde_json::Value>(s) else {
        return s.to_string();
    };
    cols.iter()
        .map(|c| {
            let ty = c.get("type").and_then(|t| t.as_str()).unwrap_or("?");
            if ty == "tensor" {
                let spec = c.get("tensor-spec");
                let dtype = spec
                    .and_then(|s| s.get("dtype"))
                    .and_then(|d| d.as_str())
                    .unwrap_or("?");
                let shape = spec
                    .and_then(|s| s.get("shape"))
                    .map(|s| s.to_string())
                    .unwrap_or_default();
                let name = c.get("name").and_then(|n| n.as_str());
                match name {
                    Some(n) => format!("{n}: tensor {dtype} {shape}"),
                    None => format!("tensor {dtype} {shape}"),
                }
            } else {
                match c.get("name").and_then(|n| n.as_str()) {
                    Some(n) => format!("{n}: {ty}"),
                    None => ty.to_string(),
                }
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Name, environment and entry points (with their commands) of an `MLproject` file.
fn mlproject_summary(text: &str) -> Vec<(String, String)> {
    let Ok(serde_yaml_ng::Value::Mapping(m)) =
        serde_yaml_ng::from_str::<serde_yaml_ng::Value>(text)
    else {
        return vec![("note".into(), "not valid YAML".into())];
    };
    let mut out = Vec::new();
    if let Some(name) = m.get("name").and_then(yaml_scalar) {
        out.push(("name".into(), name));
    }
    for env in ["python_env", "conda_env", "docker_env"] {
        if let Some(v) = m.get(env) {
            let shown = yaml_scalar(v).unwrap_or_else(|| {
                v.get("image")
                    .and_then(yaml_scalar)
                    .unwrap_or_else(|| "(inline)".into())
            });
            out.push((env.into(), shown));
        }
    }
    if let Some(serde_yaml_ng::Value::Mapping(eps)) = m.get("entry_points") {
        for (k, v) in eps {
            let Some(name) = k.as_str() else { continue };
            let command = v.get("command").and_then(yaml_scalar).unwrap_or_default();
            out.push((format!("entry point {name}"), command));
        }
    }
    out
}

/// Entry point command of an `MLproject` text, for the run detail's reproducibility block.
pub fn mlproject_command(text: &str, entry_point: &str) -> Option<String> {
    mlproject_summary(text)
        .into_iter()
        .find(|(k, _)| k == &format!("entry point {entry_point}"))
        .map(|(_, v)| v)
}

/// Flavors and signature (`flavors`, `inputs`, `outputs`, `params`) of an `MLmodel` text,
/// for the run detail.
pub fn mlmodel_facts(text: &str) -> Vec<(String, String)> {
    mlmodel_summary(text)
        .into_iter()
        .filter_map(|(k, v)| {
            let k = match k.strip_prefix("signature ") {
                Some(part) => part.to_string(),
                None if k == "flavors" => k,
                None => return None,
            };
            Some((k, v))
        })
        .collect()
}

fn yaml_scalar(v: &serde_yaml_ng::Value) -> Option<String> {
    match v {
        serde_yaml_ng::Value::String(s) => Some(s.clone()),
        serde_yaml_ng::Value::Number(n) => Some(n.to_string()),
        serde_yaml_ng::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Image format and, when the header has them, dimensions.
fn image_info(b: &[u8]) -> Option<(&'static str, Option<(u32, u32)>)> {
    let be32 =
        |i: usize| -> Option<u32> { Some(u32::from_be_bytes(b.get(i..i + 4)?.try_into().ok()?)) };
    let le32 =
        |i: usize| -> Option<u32> { Some(u32::from_le_bytes(b.get(i..i + 4)?.try_into().ok()?)) };
    let le16 = |i: usize| -> Option<u32> {
        Some(u16::from_le_bytes(b.get(i..i + 2)?.try_into().ok()?) as u32)
    };
    if b.starts_with(b"\x89PNG\r\n\x1a\n") {
        let dims = (b.get(12..16) == Some(b"IHDR"))
            .then(|| Some((be32(16)?, be32(20)?)))
            .flatten();
        return Some(("PNG", dims));
    }
    if b.starts_with(b"GIF87a") || b.starts_with(b"GIF89a") {
        return Some(("GIF", le16(6).zip(le16(8))));
    }
    if b.starts_with(b"BM") && b.len() > 26 {
        let h = i32::from_le_bytes(b.get(22..26)?.try_into().ok()?).unsigned_abs();
        return Some(("BMP", le32(18).map(|w| (w, h))));
    }
    if b.starts_with(b"RIFF") && b.get(8..12) == Some(b"WEBP") {
        let dims = match b.get(12..16) {
            Some(b"VP8 ") => le16(26)
                .zip(le16(28))
                .map(|(w, h)| (w & 0x3fff, h & 0x3fff)),
            Some(b"VP8L") => le32(21).map(|v| ((v & 0x3fff) + 1, ((v >> 14) & 0x3fff) + 1)),
            Some(b"VP8X") => {
                let w = le32(24).map(|v| (v & 0xff_ffff) + 1);
                let h = le32(27).map(|v| (v & 0xff_ffff) + 1);
                w.zip(h)
            }
            _ => None,
        };
        return Some(("WebP", dims));
    }
    if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(("JPEG", jpeg_dims(b)));
    }
    None
}

/// Width and height from a JPEG's start-of-frame segment.
fn jpeg_dims(b: &[u8]) -> Option<(u32, u32)> {
    let mut i = 2;
    while i + 9 < b.len() {
        if b[i] != 0xFF {
            i += 1;
            continue;
        }
        let marker = b[i + 1];
        if marker == 0xFF {
            i += 1;
            continue;
        }
        let len = u16::from_be_bytes([b[i + 2], b[i + 3]]) as usize;
        let is_sof = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_sof {
            let h = u16::from_be_bytes([b[i + 5], b[i + 6]]) as u32;
            let w = u16::from_be_bytes([b[i + 7], b[i + 8]]) as u32;
            return Some((w, h));
        }
        i += 2 + len;
    }
    None
}

/// Known binary formats by their first bytes.
fn binary_kind(b: &[u8]) -> Option<&'static str> {
    const MAGIC: &[(&[u8], &str)] = &[
        (b"%PDF", "PDF document"),
        (
            b"PK\x03\x04",
            "ZIP archive (also .skops, .pt, .keras, wheels)",
        ),
        (b"\x1f\x8b", "gzip data"),
        (b"\x93NUMPY", "NumPy array (.npy)"),
        (b"PAR1", "Parquet file"),
        (b"SQLite format 3\0", "SQLite database"),
        (b"\x7fELF", "ELF executable"),
        (b"\x89HDF\r\n\x1a\n", "HDF5 file"),
        (b"BZh", "bzip2 data"),
        (b"\xfd7zXZ\0", "xz data"),
        (b"\x28\xb5\x2f\xfd", "Zstandard data"),
        (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
        (b"ARROW1", "Arrow IPC file"),
        (b"ONNX", "ONNX model"),
    ];
    if let Some((_, kind)) = MAGIC.iter().find(|(m, _)| b.starts_with(m)) {
        return Some(kind);
    }
    // Python pickle, protocol 2 to 5.
    if b.len() > 2 && b[0] == 0x80 && (2..=5).contains(&b[1]) {
        return Some("Python pickle");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        b.extend(w.to_be_bytes());
        b.extend(h.to_be_bytes());
        b.extend([8, 2, 0, 0, 0]);
        b
    }

    #[test]
    fn images_show_format_and_dimensions() {
        let p = judge("a/curve.png", Some(500), &png(37, 21), false);
        assert_eq!(p.kind, "PNG image");
        assert_eq!(p.summary[1], ("dimensions".into(), "37 × 21 pixels".into()));
        assert_eq!(p.body, Body::Binary);
        let gif = b"GIF89a\x10\x00\x20\x00rest";
        assert_eq!(image_info(gif), Some(("GIF", Some((16, 32)))));
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0, 0xFF, 0xC0, 0, 11, 8, 0, 48, 0, 64, 3, 0, 0, 0,
        ];
        assert_eq!(image_info(&jpeg), Some(("JPEG", Some((64, 48)))));
    }

    #[test]
    fn binary_files_are_typed_never_shown() {
        let p = judge(
            "bin/w.bin",
            Some(3072),
            &(0u8..=255).collect::<Vec<_>>(),
            false,
        );
        assert_eq!((p.kind.as_str(), &p.body), ("binary data", &Body::Binary));
        let p = judge("model.skops", Some(9), b"PK\x03\x04rest", false);
        assert!(p.kind.starts_with("ZIP"));
        let p = judge("model.pkl", Some(9), b"\x80\x04\x95rest", false);
        assert_eq!(p.kind, "Python pickle");
    }

    #[test]
    fn json_is_pretty_printed_and_csv_becomes_a_table() {
        let p = judge("config.json", None, br#"{"b":1,"a":[1,2]}"#, false);
        assert_eq!(p.kind, "JSON");
        assert_eq!(p.lines()[0], "{");
        assert!(
            p.lines().iter().any(|l| l.trim() == "\"b\": 1,"),
            "{:?}",
            p.lines()
        );
        let p = judge("m.csv", None, b"epoch,loss\n0,0.69\n1,0.41\n", false);
        assert_eq!(p.kind, "CSV");
        assert_eq!(
            p.lines(),
            ["epoch  loss", "─────  ────", "0      0.69", "1      0.41"]
        );
    }

    #[test]
    fn mlmodel_and_mlproject_get_a_summary() {
        let mlmodel = "flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n    python_version: 3.11.7\n  sklearn:\n    sklearn_version: 1.9.1\nsignature:\n  inputs: '[{\"type\": \"tensor\", \"tensor-spec\": {\"dtype\": \"float64\", \"shape\": [-1, 2]}}]'\n  outputs: '[{\"type\": \"long\", \"name\": \"label\"}]'\nrun_id: abc\n";
        let p = judge("MLmodel", None, mlmodel.as_bytes(), false);
        let s: Vec<(&str, &str)> = p
            .summary
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert!(
            s.contains(&("flavors", "python_function, sklearn 1.9.1")),
            "{s:?}"
        );
        assert!(
            s.contains(&("signature inputs", "tensor float64 [-1,2]")),
            "{s:?}"
        );
        assert!(s.contains(&("signature outputs", "label: long")), "{s:?}");
        let project = "name: p\npython_env: python_env.yaml\nentry_points:\n  main:\n    command: \"python train.py --C {C}\"\n";
        assert_eq!(
            mlproject_command(project, "main").as_deref(),
            Some("python train.py --C {C}")
        );
        assert_eq!(
            judge("MLproject", None, project.as_bytes(), false).summary[1],
            ("python_env".into(), "python_env.yaml".into())
        );
    }

    #[test]
    fn reads_stop_at_the_limit_and_say_so() {
        let big = vec![b'x'; PREVIEW_LIMIT + 10];
        let p = read_preview("big.txt", Some(big.len() as u64), &mut &big[..]).expect("read");
        assert!(p.truncated && p.read == PREVIEW_LIMIT);
        assert!(p.size_note().contains("truncated"), "{}", p.size_note());
        let p = read_preview("big.txt", None, &mut &big[..]).expect("read");
        assert!(p.truncated, "unknown size: one more byte tells");
        // A multi-byte character cut at the limit does not make the text binary.
        let mut cut = vec![b'a'; PREVIEW_LIMIT - 1];
        cut.extend("é".as_bytes());
        let p = read_preview("t.txt", Some(cut.len() as u64), &mut &cut[..]).expect("read");
        assert_eq!(p.kind, "text");
    }

    #[test]
    fn tabs_expand_and_sizes_read_well() {
        assert_eq!(text_lines("a\tb\r\n"), ["a   b"]);
        assert_eq!(human_size(512), "512 B");
        assert_eq!(human_size(3 * 1024 * 1024 + 1), "3.0 MiB");
        assert_eq!(human_size(10 << 30), "10.0 GiB");
    }
}
