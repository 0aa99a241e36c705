//! The server URL: userinfo taken out (it becomes Basic credentials) and masked in
//! everything shown, so that a password never reaches output, logs or errors.

use std::fmt;

use crate::store::StoreError;

/// A server URL split into what is sent and what is shown.
#[derive(Clone, PartialEq, Eq)]
pub struct ServerUrl {
    /// `scheme://host[:port][/prefix]` without userinfo or a trailing slash.
    pub base: String,
    /// The same with any userinfo replaced by `***`, for messages.
    pub masked: String,
    /// `user:password` from the URL, percent-decoded.
    pub userinfo: Option<(String, String)>,
}

impl fmt::Debug for ServerUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerUrl")
            .field("url", &self.masked)
            .finish()
    }
}

impl ServerUrl {
    /// Parses `http(s)://[user[:password]@]host[:port][/prefix]`; a query or fragment is
    /// dropped.
    pub fn parse(url: &str) -> Result<Self, StoreError> {
        let url = url.trim();
        let bad = |why: &str| StoreError::Unsupported(format!("{}: {why}", mask_userinfo(url)));
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| bad("not an http:// or https:// URL"))?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Err(bad("not an http:// or https:// URL"));
        }
        let rest = rest.split(['?', '#']).next().unwrap_or_default();
        let (authority, path) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        let (userinfo, host) = match authority.rsplit_once('@') {
            Some((info, host)) => (Some(info), host),
            None => (None, authority),
        };
        if host.is_empty() {
            return Err(bad("the URL has no host"));
        }
        let path = path.trim_end_matches('/');
        let base = format!("{scheme}://{host}{path}");
        let masked = match userinfo {
            Some(_) => format!("{scheme}://***@{host}{path}"),
            None => base.clone(),
        };
        let userinfo = userinfo.map(|info| {
            let (user, password) = info.split_once(':').unwrap_or((info, ""));
            (percent_decode(user), percent_decode(password))
        });
        Ok(Self {
            base,
            masked,
            userinfo,
        })
    }
}

/// Replaces the userinfo of every `scheme://user:pw@host` in `text` with `***`.
pub fn mask_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let end = tail
            .find(|c: char| c == '/' || c == '?' || c == '#' || c.is_whitespace())
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match authority.rfind('@') {
            Some(at) => {
                out.push_str("***");
                out.push_str(&authority[at..]);
            }
            None => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Some(v) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_userinfo_is_taken_out_and_masked() {
        let u = ServerUrl::parse("HTTP://al%40ice:p%3Aw@host:5000/prefix/").expect("url");
        assert_eq!(u.base, "http://host:5000/prefix");
        assert_eq!(u.masked, "http://***@host:5000/prefix");
        assert_eq!(u.userinfo, Some(("al@ice".into(), "p:w".into())));
        assert!(!format!("{u:?}").contains("p:w"));
        let u = ServerUrl::parse("https://mlflow.example.com").expect("url");
        assert_eq!(u.base, "https://mlflow.example.com");
        assert_eq!(u.masked, u.base);
        assert_eq!(u.userinfo, None);
        assert!(ServerUrl::parse("http://").is_err());
        let e = ServerUrl::parse("ftp://u:secret@h").expect_err("scheme");
        assert!(!e.to_string().contains("secret"), "{e}");
    }

    #[test]
    fn mask_userinfo_in_free_text() {
        assert_eq!(
            mask_userinfo("GET http://user:pw@host/x failed; see https://h2/y"),
            "GET http://***@host/x failed; see https://h2/y"
        );
        assert_eq!(mask_userinfo("no url"), "no url");
    }
}
