//! Request body decoders: `Content-Length` and `Transfer-Encoding: chunked`.
//!
//! Both decoders are incremental: they are fed whatever bytes have arrived,
//! take what belongs to the body, and say how many bytes they took. What
//! they leave in the buffer is the start of the next (pipelined) request.

use super::head::Framing;
use super::headers::is_tchar;
use super::{HttpError, Status};

/// Longest chunk-size line (size and extensions) or trailer line accepted.
/// Extensions are ignored, so there is no reason to buffer many of them.
pub const MAX_CHUNK_LINE: usize = 4096;

/// Most bytes of trailer fields after the last chunk; they are discarded.
pub const MAX_TRAILERS: usize = 16 * 1024;

/// Decodes one request body from the bytes that follow its head.
#[derive(Debug)]
pub struct BodyDecoder {
    kind: Kind,
    max_body: usize,
    /// Decoded bytes so far.
    body: Vec<u8>,
}

#[derive(Debug)]
enum Kind {
    /// This many bytes still to come.
    Length(u64),
    Chunked(Chunked),
}

/// Where the chunked decoder is.
#[derive(Debug, PartialEq, Eq)]
enum ChunkState {
    /// Reading a chunk-size line (held in `line`).
    Size,
    /// Inside chunk data, this many bytes still to come.
    Data(u64),
    /// After chunk data: expecting CR.
    DataCr,
    /// After chunk data and CR: expecting LF.
    DataLf,
    /// After the last chunk: reading trailer lines until an empty one.
    Trailers,
    /// The body is complete.
    Done,
}

#[derive(Debug)]
struct Chunked {
    state: ChunkState,
    /// The line being read (a size line or a trailer line).
    line: Vec<u8>,
    trailer_bytes: usize,
}

impl BodyDecoder {
    /// A decoder for a body with `framing`, refusing more than `max_body`
    /// decoded bytes. Returns `None` when there is no body.
    pub fn new(framing: Framing, max_body: usize) -> Option<BodyDecoder> {
        let kind = match framing {
            Framing::None => return None,
            Framing::Length(n) => Kind::Length(n),
            Framing::Chunked => Kind::Chunked(Chunked {
                state: ChunkState::Size,
                line: Vec::new(),
                trailer_bytes: 0,
            }),
        };
        let capacity = match kind {
            Kind::Length(n) => n.min(max_body as u64) as usize,
            Kind::Chunked(_) => 0,
        };
        Some(BodyDecoder {
            kind,
            max_body,
            body: Vec::with_capacity(capacity),
        })
    }

    /// Takes body bytes from the start of `input`; returns how many it took.
    pub fn feed(&mut self, input: &[u8]) -> Result<usize, HttpError> {
        match &mut self.kind {
            Kind::Length(remaining) => {
                let take = (*remaining).min(input.len() as u64) as usize;
                self.body.extend_from_slice(&input[..take]);
                *remaining -= take as u64;
                Ok(take)
            }
            Kind::Chunked(chunked) => chunked.feed(input, &mut self.body, self.max_body),
        }
    }

    /// Whether the whole body has arrived.
    pub fn is_done(&self) -> bool {
        match &self.kind {
            Kind::Length(remaining) => *remaining == 0,
            Kind::Chunked(c) => c.state == ChunkState::Done,
        }
    }

    /// The decoded body so far (all of it once [`is_done`](Self::is_done)).
    pub fn into_body(self) -> Vec<u8> {
        self.body
    }
}

impl Chunked {
    fn feed(
        &mut self,
        input: &[u8],
        body: &mut Vec<u8>,
        max_body: usize,
    ) -> Result<usize, HttpError> {
        let mut i = 0;
        while i < input.len() {
            match self.state {
                ChunkState::Size | ChunkState::Trailers => {
                    // Collect one line, up to and including its LF.
                    let rest = &input[i..];
                    let (part, complete) = match rest.iter().position(|&b| b == b'\n') {
                        Some(lf) => (&rest[..=lf], true),
                        None => (rest, false),
                    };
                    self.line.extend_from_slice(part);
                    i += part.len();
                    if self.line.len() > MAX_CHUNK_LINE {
                        return Err(HttpError::bad_request("chunk line too long"));
                    }
                    if complete {
                        self.end_of_line(body.len(), max_body)?;
                    }
                }
                ChunkState::Data(remaining) => {
                    let take = remaining.min((input.len() - i) as u64) as usize;
                    body.extend_from_slice(&input[i..i + take]);
                    i += take;
                    self.state = match remaining - take as u64 {
                        0 => ChunkState::DataCr,
                        left => ChunkState::Data(left),
                    };
                }
                ChunkState::DataCr | ChunkState::DataLf => {
                    let expected = if self.state == ChunkState::DataCr {
                        b'\r'
                    } else {
                        b'\n'
                    };
                    if input[i] != expected {
                        return Err(HttpError::bad_request("chunk data not followed by CRLF"));
                    }
                    i += 1;
                    self.state = if expected == b'\r' {
                        ChunkState::DataLf
                    } else {
                        ChunkState::Size
                    };
                }
                ChunkState::Done => break,
            }
        }
        Ok(i)
    }

    /// A complete line (ending in LF) is in `self.line`.
    fn end_of_line(&mut self, body_len: usize, max_body: usize) -> Result<(), HttpError> {
        let Some(line) = self.line.strip_suffix(b"\r\n") else {
            return Err(HttpError::bad_request("chunk line ending without CR"));
        };
        if self.state == ChunkState::Size {
            let size = parse_chunk_size(line)?;
            // `checked_add`: a size near u64::MAX (16 hex digits are
            // allowed) must not wrap the total around below the limit —
            // that would panic in a debug build and, in a release build,
            // let the client send a body of any size.
            let total = (body_len as u64).checked_add(size);
            if total.is_none_or(|total| total > max_body as u64) {
                return Err(HttpError::new(
                    Status::PAYLOAD_TOO_LARGE,
                    "request body too large",
                ));
            }
            self.state = if size == 0 {
                ChunkState::Trailers
            } else {
                ChunkState::Data(size)
            };
        } else if line.is_empty() {
            self.state = ChunkState::Done;
        } else {
            // A trailer field: tolerated and discarded, within a limit.
            self.trailer_bytes += self.line.len();
            if self.trailer_bytes > MAX_TRAILERS {
                return Err(HttpError::new(
                    Status::REQUEST_HEADER_FIELDS_TOO_LARGE,
                    "trailer fields too large",
                ));
            }
            let name_end = line.iter().position(|&b| b == b':').unwrap_or(0);
            let name_ok = name_end > 0 && line[..name_end].iter().all(|b| b.is_ascii_graphic());
            if !name_ok || line.iter().any(|&b| b < 0x20 && b != b'\t') {
                return Err(HttpError::bad_request("malformed trailer field"));
            }
        }
        self.line.clear();
        Ok(())
    }
}

/// `1*HEXDIG *( BWS ";" BWS name [ BWS "=" BWS value ] )`, strictly: no
/// sign, no `0x`, no `_`, no spaces unless an extension follows, at most 16
/// digits (no overflow). rung uses no extension, but each must still be well
/// formed (RFC 9112 §7.1.1): a proxy that reads `5;bad[=x` otherwise than
/// rung does could disagree about where the chunk starts.
fn parse_chunk_size(line: &[u8]) -> Result<u64, HttpError> {
    let bad = || HttpError::bad_request("malformed chunk size");
    let digits = line.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    let (size, extensions) = line.split_at(digits);
    if size.is_empty() || size.len() > 16 {
        return Err(bad());
    }
    if !extensions.is_empty() && !are_chunk_extensions(extensions) {
        return Err(HttpError::bad_request("malformed chunk extension"));
    }
    let text = std::str::from_utf8(size).map_err(|_| bad())?;
    u64::from_str_radix(text, 16).map_err(|_| bad())
}

/// Whether `ext` is one or more `BWS ";" BWS name [ BWS "=" BWS value ]`,
/// with `name` a token and `value` a token or a quoted string.
fn are_chunk_extensions(mut ext: &[u8]) -> bool {
    fn skip_ws(s: &[u8]) -> &[u8] {
        let n = s.iter().take_while(|&&b| b == b' ' || b == b'\t').count();
        &s[n..]
    }
    fn token(s: &[u8]) -> Option<&[u8]> {
        let n = s.iter().take_while(|&&b| is_tchar(b)).count();
        (n > 0).then(|| &s[n..])
    }
    while !ext.is_empty() {
        let Some(rest) = skip_ws(ext).strip_prefix(b";") else {
            return false;
        };
        let Some(rest) = token(skip_ws(rest)) else {
            return false;
        };
        ext = match skip_ws(rest).strip_prefix(b"=") {
            None => rest,
            Some(value) => {
                let value = skip_ws(value);
                let after = if value.first() == Some(&b'"') {
                    quoted_string(value)
                } else {
                    token(value)
                };
                match after {
                    Some(after) => after,
                    None => return false,
                }
            }
        };
    }
    true
}

/// Skips a quoted string at the start of `s` (which starts with `"`):
/// what follows it, or `None` if it is not closed or holds a control byte.
fn quoted_string(s: &[u8]) -> Option<&[u8]> {
    let mut i = 1;
    while let Some(&b) = s.get(i) {
        match b {
            b'"' => return Some(&s[i + 1..]),
            b'\\' => {
                let escaped = *s.get(i + 1)?;
                if escaped < 0x20 && escaped != b'\t' || escaped == 0x7f {
                    return None;
                }
                i += 2;
            }
            b'\t' | 0x20..=0x7e | 0x80..=0xff => i += 1,
            _ => return None,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(raw: &[u8]) -> Result<(Vec<u8>, usize), HttpError> {
        let mut d = BodyDecoder::new(Framing::Chunked, 1 << 20).unwrap();
        let used = d.feed(raw)?;
        assert!(d.is_done(), "body incomplete");
        Ok((d.into_body(), used))
    }

    #[test]
    fn chunks_extensions_and_trailers() {
        let raw = b"5;name=value\r\nhello\r\n6 ; x\r\n world\r\n0\r\nTrailer: yes\r\n\r\nNEXT";
        let (body, used) = decode_all(raw).unwrap();
        assert_eq!(body, b"hello world");
        assert_eq!(&raw[used..], b"NEXT");
    }

    #[test]
    fn byte_at_a_time_gives_the_same_body() {
        let raw = b"a\r\n0123456789\r\n1\r\nX\r\n0\r\n\r\n";
        let mut d = BodyDecoder::new(Framing::Chunked, 1 << 20).unwrap();
        for b in raw.iter() {
            assert_eq!(d.feed(std::slice::from_ref(b)).unwrap(), 1);
        }
        assert!(d.is_done());
        assert_eq!(d.into_body(), b"0123456789X");
    }

    #[test]
    fn malformed_sizes_are_rejected() {
        for size in [
            "+5",
            "-5",
            "0x5",
            "5_0",
            " 5",
            "5 ",
            "",
            "g",
            "11111111111111111",
        ] {
            let raw = format!("{size}\r\nhello\r\n0\r\n\r\n");
            let mut d = BodyDecoder::new(Framing::Chunked, 1 << 20).unwrap();
            assert_eq!(
                d.feed(raw.as_bytes()).unwrap_err().status.code(),
                400,
                "{size:?}"
            );
        }
    }

    #[test]
    fn chunk_extensions_follow_the_grammar() {
        for good in [
            "5;a",
            "5;a=b",
            "5 ; a = b",
            "5;a;b=c",
            "5;a=\"quoted; \\\" string\"",
            "5;a=\"\"",
            "5;!#$%&'*+-.^_`|~=x",
        ] {
            let raw = format!("{good}\r\nhello\r\n0\r\n\r\n");
            assert_eq!(decode_all(raw.as_bytes()).unwrap().0, b"hello", "{good:?}");
        }
        for bad in [
            "5;",
            "5; ",
            "5;bad[=x",
            "5;a=",
            "5;a=b c",
            "5;=b",
            "5;a=\"open",
            "5;a;",
            "5 a",
            "5;a=\"x\"y",
            "5;a\u{1}",
        ] {
            let raw = format!("{bad}\r\nhello\r\n0\r\n\r\n");
            let error = decode_all(raw.as_bytes()).unwrap_err();
            assert_eq!(error.status.code(), 400, "{bad:?}");
        }
    }

    #[test]
    fn bad_terminators_are_rejected() {
        for raw in [
            &b"5\nhello\r\n0\r\n\r\n"[..],
            b"5\r\nhelloXX0\r\n\r\n",
            b"5\r\nhello\n0\r\n\r\n",
            b"0\r\n\n",
        ] {
            let mut d = BodyDecoder::new(Framing::Chunked, 1 << 20).unwrap();
            assert_eq!(d.feed(raw).unwrap_err().status.code(), 400, "{raw:?}");
        }
    }

    #[test]
    fn size_limit_is_checked_before_the_data() {
        let mut d = BodyDecoder::new(Framing::Chunked, 10).unwrap();
        assert_eq!(d.feed(b"b\r\n").unwrap_err().status.code(), 413);
    }

    #[test]
    fn a_huge_chunk_size_does_not_wrap_the_total_around() {
        let mut d = BodyDecoder::new(Framing::Chunked, 10).unwrap();
        let raw = b"1\r\na\r\nffffffffffffffff\r\n";
        assert_eq!(d.feed(raw).unwrap_err().status.code(), 413);
    }

    #[test]
    fn content_length_takes_exactly_its_bytes() {
        let mut d = BodyDecoder::new(Framing::Length(3), 10).unwrap();
        assert_eq!(d.feed(b"ab").unwrap(), 2);
        assert!(!d.is_done());
        assert_eq!(d.feed(b"cGET").unwrap(), 1);
        assert!(d.is_done());
        assert_eq!(d.into_body(), b"abc");
    }
}
