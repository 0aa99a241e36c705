//! Which way a metric gets better, inferred from its name: lower for losses and errors,
//! higher for accuracies and scores, unknown for everything else (`lr`, `gpu/mem_gb`,
//! `grad_norm`). Unknown means no "best" and no good/bad colour for a change.

/// The better direction of a metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Direction {
    Higher,
    Lower,
    #[default]
    Unknown,
}

impl Direction {
    /// The next one in the cycle a key steps through: higher, lower, unknown.
    pub fn next(self) -> Self {
        match self {
            Direction::Higher => Direction::Lower,
            Direction::Lower => Direction::Unknown,
            Direction::Unknown => Direction::Higher,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Direction::Higher => "higher is better",
            Direction::Lower => "lower is better",
            Direction::Unknown => "no better direction",
        }
    }

    /// Whether a change by `delta` is an improvement: `None` when the direction is unknown
    /// or there is no change.
    pub fn improves(self, delta: f64) -> Option<bool> {
        if delta == 0.0 || delta.is_nan() {
            return None;
        }
        match self {
            Direction::Higher => Some(delta > 0.0),
            Direction::Lower => Some(delta < 0.0),
            Direction::Unknown => None,
        }
    }
}

/// Directions given as key patterns (`[metrics] lower/higher`), over the name rules.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rules {
    pub lower: Vec<String>,
    pub higher: Vec<String>,
}

impl Rules {
    /// The better direction of `key`: from the longest (most specific) matching pattern,
    /// else from its name (see [`infer`]).
    pub fn direction(&self, key: &str) -> Direction {
        let best = |patterns: &[String]| {
            patterns
                .iter()
                .filter(|p| crate::config::glob_match(p, key))
                .map(String::len)
                .max()
        };
        match (best(&self.lower), best(&self.higher)) {
            (Some(l), Some(h)) if h > l => Direction::Higher,
            (Some(_), _) => Direction::Lower,
            (None, Some(_)) => Direction::Higher,
            (None, None) => infer(key),
        }
    }
}

/// Words (whole name parts) of metrics where lower is better.
const LOWER: &[&str] = &[
    "loss",
    "losses",
    "error",
    "errors",
    "err",
    "mse",
    "mae",
    "rmse",
    "mape",
    "smape",
    "msle",
    "rmsle",
    "nll",
    "perplexity",
    "ppl",
    "wer",
    "cer",
    "ter",
    "latency",
    "cost",
    "regret",
    "fid",
    "kid",
    "eer",
    "fpr",
    "fnr",
    "bpd",
    "bpc",
];

/// Words of metrics where higher is better.
const HIGHER: &[&str] = &[
    "acc",
    "accuracy",
    "f1",
    "fbeta",
    "auc",
    "auroc",
    "auprc",
    "roc",
    "precision",
    "prec",
    "recall",
    "map",
    "ap",
    "ndcg",
    "mrr",
    "bleu",
    "rouge",
    "meteor",
    "chrf",
    "r2",
    "iou",
    "miou",
    "dice",
    "reward",
    "rewards",
    "return",
    "score",
    "psnr",
    "ssim",
    "top1",
    "top5",
    "tpr",
    "specificity",
    "sensitivity",
    "throughput",
    "kappa",
    "mcc",
    "hit",
    "hits",
    "success",
];

/// The better direction of `key`, from the words of its name: the last word that names a
/// known kind of metric decides (`val/loss` lower, `eval/accuracy` higher, `top1_acc`
/// higher, `error_rate` lower). Words split on non-letters and camel case; a trailing
/// number is ignored (`rouge1`, `f1` stays `f1`).
pub fn infer(key: &str) -> Direction {
    let mut found = Direction::Unknown;
    for word in words(key) {
        let w = word.as_str();
        let trimmed = w.trim_end_matches(|c: char| c.is_ascii_digit());
        for candidate in [w, trimmed] {
            if candidate.is_empty() {
                continue;
            }
            if LOWER.contains(&candidate) {
                found = Direction::Lower;
                break;
            }
            if HIGHER.contains(&candidate) {
                found = Direction::Higher;
                break;
            }
        }
    }
    found
}

/// Lower-case words of a key: split at anything but letters and digits, and where a
/// lower-case letter is followed by an upper-case one (`valLoss`).
fn words(key: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in key.chars() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_names() {
        for k in [
            "loss",
            "val/loss",
            "train_loss",
            "valLoss",
            "eval/mse",
            "rmse",
            "perplexity",
            "test_wer",
            "p99_latency_ms",
            "error_rate",
            "top1_err",
        ] {
            assert_eq!(infer(k), Direction::Lower, "{k}");
        }
        for k in [
            "acc",
            "val/acc",
            "best/val_acc",
            "eval/accuracy",
            "eval/f1",
            "roc_auc",
            "mAP",
            "bleu",
            "rouge1",
            "rougeL",
            "r2",
            "mean_iou",
            "episode_reward",
            "score",
            "top1",
        ] {
            assert_eq!(infer(k), Direction::Higher, "{k}");
        }
    }

    #[test]
    fn no_direction_for_settings_and_system_metrics() {
        for k in [
            "lr",
            "learning_rate",
            "gpu/mem_gb",
            "train/grad_norm",
            "epoch",
            "step_time",
            "batch_size",
            "temperature",
            "accumulate",
            "mapping",
        ] {
            assert_eq!(infer(k), Direction::Unknown, "{k}");
        }
    }

    #[test]
    fn patterns_win_over_names_and_the_most_specific_pattern_wins() {
        let rules = Rules {
            lower: vec!["*perplexity*".into(), "eval/*".into()],
            higher: vec!["*ndcg*".into(), "eval/score_*".into(), "val/loss".into()],
        };
        assert_eq!(rules.direction("val/perplexity"), Direction::Lower);
        assert_eq!(rules.direction("ndcg@10"), Direction::Higher);
        // A name rule says lower; the pattern says higher.
        assert_eq!(rules.direction("val/loss"), Direction::Higher);
        // Both lists match: the longer pattern decides.
        assert_eq!(rules.direction("eval/score_x"), Direction::Higher);
        assert_eq!(rules.direction("eval/thing"), Direction::Lower);
        // No pattern: the name rules.
        assert_eq!(rules.direction("train/acc"), Direction::Higher);
        assert_eq!(rules.direction("lr"), Direction::Unknown);
    }

    #[test]
    fn improvement_follows_the_direction() {
        assert_eq!(Direction::Lower.improves(-0.1), Some(true));
        assert_eq!(Direction::Lower.improves(0.1), Some(false));
        assert_eq!(Direction::Higher.improves(0.1), Some(true));
        assert_eq!(Direction::Unknown.improves(0.1), None);
        assert_eq!(Direction::Higher.improves(0.0), None);
    }
}
