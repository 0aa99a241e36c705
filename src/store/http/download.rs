//! Downloads: a GET whose answer is a file's bytes (artifacts), handed over as a stream
//! rather than read into memory. A child of `client` so that it shares the agent, auth and
//! error wording; no retries (a half-read stream cannot be replayed).

use std::io::Read;

use super::super::errors::{Phase, status_error};
use super::{API_PATH, Client, MAX_ERROR_BODY, encode};
use crate::store::StoreError;

/// An answer being downloaded: its length when the server said it, and the bytes.
pub struct Download {
    pub size: Option<u64>,
    pub reader: Box<dyn Read + Send>,
}

impl Client {
    /// The server's base URL (with any path prefix), without the REST API path.
    fn base(&self) -> &str {
        self.api.strip_suffix(API_PATH).unwrap_or(&self.api)
    }

    /// `GET <base><path>?query` (e.g. `/get-artifact`), streamed. Error statuses become
    /// the same errors as for JSON requests.
    pub fn download(&self, path: &str, query: &[(&str, &str)]) -> Result<Download, StoreError> {
        let qs: Vec<String> = query
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        let sep = if qs.is_empty() { "" } else { "?" };
        let url = format!("{}{path}{sep}{}", self.base(), qs.join("&"));
        let shown = format!("{}{path}", self.shown);
        let response = self
            .headers(self.agent.get(&url), true)
            .call()
            .map_err(|e| self.transport_failure(e, &shown, Phase::Request).error)?;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        let (_, body) = response.into_parts();
        if !(200..300).contains(&status) {
            let mut text = Vec::new();
            let _ = body
                .into_reader()
                .take(MAX_ERROR_BODY)
                .read_to_end(&mut text);
            let text = String::from_utf8_lossy(&text);
            return Err(status_error(
                &self.context(),
                status,
                &content_type,
                &text,
                &shown,
            ));
        }
        let size = body.content_length();
        Ok(Download {
            size,
            reader: Box::new(body.into_reader()),
        })
    }
}
