//! A tracking server's artifacts: listings through `artifacts/list` (runs) and
//! `logged-models/{id}/artifacts/directories` (logged models), paged; files streamed from
//! `/get-artifact` and `/ajax-api/2.0/mlflow/logged-models/{id}/artifacts/files`. The server
//! resolves the artifact location itself (proxied `mlflow-artifacts:` or any store it can
//! read), so this works whatever the recorded URI is.

use std::sync::Arc;

use serde::Deserialize;

use super::client::{Client, encode};
use super::decode::lenient_i64;
use super::paging::Pager;
use crate::store::StoreError;
use crate::store::artifacts::{
    ArtifactEntry, ArtifactFile, ArtifactOwner, ArtifactRepo, OwnerKind, clean_path,
};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ListPage {
    root_uri: Option<String>,
    files: Vec<WireFile>,
    next_page_token: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WireFile {
    path: Option<String>,
    is_dir: Option<bool>,
    #[serde(deserialize_with = "lenient_i64")]
    file_size: Option<i64>,
}

/// The artifacts of one run or logged model, read through the server.
pub struct HttpRepo {
    client: Arc<Client>,
    owner: ArtifactOwner,
    /// The most pages one listing may take.
    max_pages: usize,
}

impl HttpRepo {
    pub fn new(client: Arc<Client>, owner: ArtifactOwner, max_pages: usize) -> Self {
        Self {
            client,
            owner,
            max_pages,
        }
    }

    fn page(&self, path: &str, token: Option<&str>) -> Result<ListPage, StoreError> {
        match self.owner.kind {
            OwnerKind::Run => {
                let mut query = vec![("run_id", self.owner.id.as_str())];
                if !path.is_empty() {
                    query.push(("path", path));
                }
                if let Some(t) = token {
                    query.push(("page_token", t));
                }
                self.client.get("artifacts/list", &query)
            }
            OwnerKind::LoggedModel => {
                let endpoint = format!(
                    "logged-models/{}/artifacts/directories",
                    encode(&self.owner.id)
                );
                let mut query = Vec::new();
                if !path.is_empty() {
                    query.push(("artifact_directory_path", path));
                }
                if let Some(t) = token {
                    query.push(("page_token", t));
                }
                self.client.get(&endpoint, &query)
            }
        }
    }
}

impl ArtifactRepo for HttpRepo {
    fn location(&self) -> String {
        let recorded = if self.owner.uri.is_empty() {
            String::new()
        } else {
            format!(", recorded at {}", self.owner.uri)
        };
        format!("through the server {}{recorded}", self.client.shown())
    }

    fn list(&self, path: &str, sink: &mut dyn FnMut(Vec<ArtifactEntry>)) -> Result<(), StoreError> {
        let path = clean_path(path)?;
        let mut token: Option<String> = None;
        let mut pager = Pager::new(
            format!("{} (artifacts of {})", self.client.shown(), self.owner.id),
            self.max_pages,
        );
        let mut seen = std::collections::HashSet::new();
        loop {
            let page = self.page(&path, token.as_deref())?;
            let _ = page.root_uri;
            let mut batch: Vec<ArtifactEntry> = page
                .files
                .into_iter()
                .filter_map(|f| {
                    let is_dir = f.is_dir.unwrap_or(false);
                    Some(ArtifactEntry {
                        path: f.path.filter(|p| !p.is_empty())?,
                        is_dir,
                        file_size: if is_dir {
                            None
                        } else {
                            f.file_size.map(|s| s.max(0) as u64)
                        },
                        link: None,
                    })
                })
                // A listing of a file (not a folder) answers with the file itself.
                .filter(|e| e.path != path)
                .collect();
            batch.sort_by(|a, b| a.path.cmp(&b.path));
            let received = batch.len();
            batch.retain(|e| seen.insert(e.path.clone()));
            let new = batch.len();
            sink(batch);
            // The listing has no page size: a page is never "far smaller than asked".
            match pager.next(page.next_page_token, received, received, new)? {
                Some(t) => token = Some(t),
                None => return Ok(()),
            }
        }
    }

    fn open(&self, path: &str) -> Result<ArtifactFile, StoreError> {
        let path = clean_path(path)?;
        let download = match self.owner.kind {
            OwnerKind::Run => self.client.download(
                "/get-artifact",
                &[("run_id", self.owner.id.as_str()), ("path", path.as_str())],
            )?,
            OwnerKind::LoggedModel => self.client.download(
                &format!(
                    "/ajax-api/2.0/mlflow/logged-models/{}/artifacts/files",
                    encode(&self.owner.id)
                ),
                &[("artifact_file_path", path.as_str())],
            )?,
        };
        Ok(ArtifactFile {
            size: download.size,
            reader: download.reader,
        })
    }
}
