//! Static files: a folder served under a URL prefix.
//!
//! `App::files("/static", "public")` answers `GET /static/style.css` with
//! `public/style.css`. This module finds the file without ever leaving the
//! folder, picks its `Content-Type`, answers conditional requests (`304`)
//! and byte ranges (`206`/`416`), and streams the file so that memory does
//! not grow with its size.
//!
//! A text file goes out gzipped to a client that accepts it (the rule is
//! `respond::compress::gzip_chosen`). If a compressed copy `NAME.gz` sits
//! beside the file (made with `gzip -k -9 style.css`, say, at the best
//! level, once), it is sent as it is; otherwise the file is compressed
//! while it is streamed. Each form has its own ETag (`"…-gzip"` for the
//! gzip one), chosen *before* the conditional check, so that a client
//! holding the gzip form gets its `304` too. A `.gz` copy older than the
//! file is stale and ignored.

use std::fs::{self, File, Metadata};
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::http::{Request, Response, Status};
use crate::respond::compress::{
    add_vary, gzip_chosen, gzip_etag, gzip_reader, is_compressible_type,
};
use crate::respond::{Error, IntoResponse, Redirect};

/// A folder whose files are served.
#[derive(Clone, Debug)]
pub struct StaticFiles {
    /// The folder, canonical (absolute, symlinks resolved), so that "is
    /// this file inside it?" is a plain prefix check.
    root: PathBuf,
}

/// Where a request for a file leads.
#[derive(Debug, PartialEq, Eq)]
enum Found {
    File(PathBuf),
    /// A folder asked for without a trailing slash: redirect, so that
    /// relative links in its `index.html` resolve inside it.
    AddSlash,
}

impl StaticFiles {
    /// Serves the files under `root`, which must be a folder.
    pub fn new(root: impl AsRef<Path>) -> io::Result<StaticFiles> {
        let root = fs::canonicalize(root.as_ref())?;
        if !root.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{} is not a folder", root.display()),
            ));
        }
        Ok(StaticFiles { root })
    }

    /// The folder served.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Answers `req` with the file at `relative` (the decoded rest of the
    /// path after the prefix, e.g. `css/site.css`).
    pub fn serve(&self, req: &Request, relative: &str) -> Response {
        match self.resolve(relative) {
            Ok(Found::File(path)) => self.serve_file(req, &path).unwrap_or_else(|e| {
                log::error!("cannot read {}: {e}", path.display());
                Error::internal("cannot read the file").into_response()
            }),
            Ok(Found::AddSlash) => {
                let location = match req.query() {
                    Some(q) => format!("{}/?{q}", req.raw_path()),
                    None => format!("{}/", req.raw_path()),
                };
                Redirect::permanent(location).into_response()
            }
            Err(error) => error.into_response(),
        }
    }

    /// Finds the file for `relative`, refusing anything that could lead
    /// outside the root: `..`, backslashes, NUL, and symlinks pointing out.
    fn resolve(&self, relative: &str) -> Result<Found, Error> {
        let not_found = || Error::not_found("no such file");
        if relative.contains(['\0', '\\']) {
            return Err(Error::bad_request("invalid character in file path"));
        }
        let mut path = self.root.clone();
        for segment in relative.split('/') {
            match segment {
                "" | "." => {}
                ".." => return Err(not_found()),
                name => path.push(name),
            }
        }
        // Resolve symlinks, then check the result is still inside the root.
        let real = fs::canonicalize(&path).map_err(|_| not_found())?;
        if !real.starts_with(&self.root) {
            return Err(not_found());
        }
        if real.is_dir() {
            if !relative.is_empty() && !relative.ends_with('/') {
                return Ok(Found::AddSlash);
            }
            let index = real.join("index.html");
            return match fs::canonicalize(&index) {
                Ok(i) if i.starts_with(&self.root) && i.is_file() => Ok(Found::File(i)),
                _ => Err(not_found()),
            };
        }
        if real.is_file() {
            Ok(Found::File(real))
        } else {
            Err(not_found())
        }
    }
}

/// The `Content-Type` for a file name: `text/*` with `charset=utf-8`.
pub fn content_type(path: &Path) -> String {
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let text_like = mime.type_() == mime_guess::mime::TEXT
        || matches!(
            mime.essence_str(),
            "application/javascript" | "application/json" | "image/svg+xml"
        );
    if text_like {
        format!("{}; charset=utf-8", mime.essence_str())
    } else {
        mime.essence_str().to_string()
    }
}

/// Which form of a file is sent.
enum Form {
    /// The file as it is.
    Plain,
    /// Its `NAME.gz` copy, as it is.
    Precompressed(File, Metadata),
    /// The file, compressed while it is streamed.
    GzipOnTheFly,
}

impl StaticFiles {
    fn serve_file(&self, req: &Request, path: &Path) -> io::Result<Response> {
        let mut file = File::open(path)?;
        let meta = file.metadata()?;
        let len = meta.len();
        let modified = meta.modified().unwrap_or(UNIX_EPOCH);
        let content_type = content_type(path);

        // Pick the form first: the conditional check compares the client's
        // ETag with the one of the form it would get.
        let form = if gzip_chosen(req, &content_type, Some(len)) {
            match self.precompressed(path, modified) {
                Some((gz, gz_meta)) => Form::Precompressed(gz, gz_meta),
                None => Form::GzipOnTheFly,
            }
        } else {
            Form::Plain
        };
        let etag = match &form {
            Form::Plain => entity_tag(len, modified),
            Form::Precompressed(_, gz_meta) => gzip_etag(&entity_tag(
                gz_meta.len(),
                gz_meta.modified().unwrap_or(UNIX_EPOCH),
            )),
            Form::GzipOnTheFly => gzip_etag(&entity_tag(len, modified)),
        };
        let last_modified = httpdate::fmt_http_date(modified);
        let compressible = is_compressible_type(&content_type);

        let base = |status| {
            let mut response = Response::new(status)
                .with_header("ETag", etag.clone())
                .with_header("Last-Modified", last_modified.clone())
                .with_header("Accept-Ranges", "bytes")
                .with_header("Cache-Control", "no-cache");
            if compressible {
                add_vary(response.headers_mut());
            }
            response
        };

        if not_modified(req, &etag, modified) {
            return Ok(base(Status::NOT_MODIFIED));
        }
        match form {
            Form::Precompressed(gz, gz_meta) => Ok(base(Status::OK)
                .with_header("Content-Type", content_type)
                .with_header("Content-Encoding", "gzip")
                .with_stream(gz, Some(gz_meta.len()))),
            // The compressed length is known only at the end: chunked.
            Form::GzipOnTheFly => Ok(base(Status::OK)
                .with_header("Content-Type", content_type)
                .with_header("Content-Encoding", "gzip")
                .with_stream(gzip_reader(file), None)),
            // Only the plain form has byte ranges: `gzip_chosen` says no
            // to a request with `Range`.
            Form::Plain => match wanted_range(req, &etag, modified, len) {
                RangeRequest::Whole => Ok(base(Status::OK)
                    .with_header("Content-Type", content_type)
                    .with_stream(file, Some(len))),
                RangeRequest::Part { start, end } => {
                    file.seek(SeekFrom::Start(start))?;
                    let part_len = end - start + 1;
                    Ok(base(Status::PARTIAL_CONTENT)
                        .with_header("Content-Type", content_type)
                        .with_header("Content-Range", format!("bytes {start}-{end}/{len}"))
                        .with_stream(file.take(part_len), Some(part_len)))
                }
                RangeRequest::Unsatisfiable => {
                    let mut response =
                        Error::new(Status::RANGE_NOT_SATISFIABLE, "range not satisfiable")
                            .into_response();
                    response
                        .headers_mut()
                        .insert("Content-Range", format!("bytes */{len}"));
                    Ok(response)
                }
            },
        }
    }

    /// The `NAME.gz` beside the file at `path` (which is inside the root),
    /// opened, if there is one that is inside the root too, a regular file,
    /// and not older than the file (`modified`).
    fn precompressed(&self, path: &Path, modified: SystemTime) -> Option<(File, Metadata)> {
        let mut name = path.file_name()?.to_os_string();
        name.push(".gz");
        let real = fs::canonicalize(path.with_file_name(name)).ok()?;
        if !real.starts_with(&self.root) {
            return None;
        }
        let gz = File::open(real).ok()?;
        let meta = gz.metadata().ok()?;
        let fresh = meta
            .modified()
            .is_ok_and(|gz_modified| gz_modified >= modified);
        (meta.is_file() && fresh).then_some((gz, meta))
    }
}

/// A validator that changes whenever the file does: size and mtime.
fn entity_tag(len: u64, modified: SystemTime) -> String {
    let since = modified.duration_since(UNIX_EPOCH).unwrap_or_default();
    format!(
        "\"{len:x}-{:x}.{:x}\"",
        since.as_secs(),
        since.subsec_nanos()
    )
}

/// `If-None-Match` (checked first) or `If-Modified-Since` says the client's
/// copy is current.
fn not_modified(req: &Request, etag: &str, modified: SystemTime) -> bool {
    if let Some(list) = req.header("if-none-match") {
        return list
            .split(',')
            .map(str::trim)
            .any(|tag| tag == "*" || tag.trim_start_matches("W/") == etag);
    }
    match req
        .header("if-modified-since")
        .and_then(|d| httpdate::parse_http_date(d).ok())
    {
        // HTTP dates have whole seconds; compare at that precision.
        Some(since) => whole_seconds(modified) <= whole_seconds(since),
        None => false,
    }
}

fn whole_seconds(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// What part of the file the client asked for.
#[derive(Debug, PartialEq, Eq)]
enum RangeRequest {
    Whole,
    /// Bytes `start..=end`.
    Part {
        start: u64,
        end: u64,
    },
    Unsatisfiable,
}

/// Reads `Range: bytes=...`. One range is served; a malformed or
/// multi-range header is ignored (the whole file is sent, as RFC 9110
/// allows). `If-Range` that does not match the file also means "whole".
fn wanted_range(req: &Request, etag: &str, modified: SystemTime, len: u64) -> RangeRequest {
    let Some(spec) = req
        .header("range")
        .and_then(|r| r.trim().strip_prefix("bytes="))
    else {
        return RangeRequest::Whole;
    };
    if let Some(if_range) = req.header("if-range") {
        let matches = if_range == etag
            || httpdate::parse_http_date(if_range)
                .is_ok_and(|d| whole_seconds(d) == whole_seconds(modified));
        if !matches {
            return RangeRequest::Whole;
        }
    }
    if spec.contains(',') {
        return RangeRequest::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return RangeRequest::Whole;
    };
    let number = |s: &str| -> Option<u64> {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    match (first.trim(), last.trim()) {
        ("", suffix) => match number(suffix) {
            Some(0) => RangeRequest::Unsatisfiable,
            Some(_) if len == 0 => RangeRequest::Unsatisfiable,
            Some(n) => RangeRequest::Part {
                start: len.saturating_sub(n),
                end: len - 1,
            },
            None => RangeRequest::Whole,
        },
        (start, end) => {
            let Some(start) = number(start) else {
                return RangeRequest::Whole;
            };
            let end = if end.is_empty() {
                Some(u64::MAX)
            } else {
                number(end)
            };
            match end {
                None => RangeRequest::Whole,
                Some(end) if end < start => RangeRequest::Whole,
                Some(_) if start >= len => RangeRequest::Unsatisfiable,
                Some(end) => RangeRequest::Part {
                    start,
                    end: end.min(len - 1),
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Method;

    fn range(header: &str, len: u64) -> RangeRequest {
        let req = Request::builder(Method::Get, "/f")
            .header("Range", header)
            .build();
        wanted_range(&req, "\"e\"", UNIX_EPOCH, len)
    }

    #[test]
    fn ranges() {
        use RangeRequest::*;
        assert_eq!(range("bytes=0-4", 10), Part { start: 0, end: 4 });
        assert_eq!(range("bytes=5-", 10), Part { start: 5, end: 9 });
        assert_eq!(range("bytes=-3", 10), Part { start: 7, end: 9 });
        assert_eq!(range("bytes=-30", 10), Part { start: 0, end: 9 });
        assert_eq!(range("bytes=8-100", 10), Part { start: 8, end: 9 });
        assert_eq!(range("bytes=10-", 10), Unsatisfiable);
        assert_eq!(range("bytes=-0", 10), Unsatisfiable);
        assert_eq!(range("bytes=5-2", 10), Whole);
        assert_eq!(range("bytes=0-1,3-4", 10), Whole);
        assert_eq!(range("items=0-1", 10), Whole);
        assert_eq!(range("bytes=x-1", 10), Whole);
    }

    #[test]
    fn text_types_say_utf8() {
        assert_eq!(
            content_type(Path::new("a/style.css")),
            "text/css; charset=utf-8"
        );
        assert_eq!(content_type(Path::new("logo.png")), "image/png");
        assert_eq!(content_type(Path::new("noext")), "application/octet-stream");
    }
}
