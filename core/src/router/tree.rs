//! The routing tree: one node per pattern segment.
//!
//! Matching walks the tree segment by segment, trying the static child,
//! then the parameter child, then a tail — and backs up when a branch leads
//! nowhere, so `/a/{x}/c` still matches `/a/b/c` when `/a/b/d` exists.
//! It yields every endpoint that matches, most specific first.

use super::pattern::Segment;

/// A node: what may follow the segments that led here.
#[derive(Debug, Default)]
pub struct Node {
    /// Children for static segments, by their text.
    statics: Vec<(String, Node)>,
    /// The child for a `{param}` segment.
    param: Option<Box<Node>>,
    /// The endpoint of a `{*tail}` pattern ending here.
    tail: Option<usize>,
    /// The endpoint of a pattern ending exactly here.
    endpoint: Option<usize>,
}

impl Node {
    /// Finds or creates the endpoint for `segments`; `new_id` is the id to
    /// give it if it is new. Returns the endpoint's id.
    pub fn insert(&mut self, segments: &[Segment], new_id: usize) -> usize {
        match segments.split_first() {
            None => *self.endpoint.get_or_insert(new_id),
            Some((Segment::Tail(_), _)) => *self.tail.get_or_insert(new_id),
            Some((Segment::Param(_), rest)) => {
                let child = self.param.get_or_insert_with(Default::default);
                child.insert(rest, new_id)
            }
            Some((Segment::Static(text), rest)) => {
                let index = match self.statics.iter().position(|(t, _)| t == text) {
                    Some(i) => i,
                    None => {
                        self.statics.push((text.clone(), Node::default()));
                        self.statics.len() - 1
                    }
                };
                self.statics[index].1.insert(rest, new_id)
            }
        }
    }

    /// Visits every endpoint matching `rest`, the part of the path not yet
    /// matched (without its leading `/`; `None` when no segment is left),
    /// most specific first, with the values captured on the way (still
    /// percent-encoded). `visit` returns `true` to stop the search.
    pub fn find<'p>(
        &self,
        rest: Option<&'p str>,
        captured: &mut Vec<&'p str>,
        visit: &mut dyn FnMut(usize, &[&'p str]) -> bool,
    ) -> bool {
        let Some(rest) = rest else {
            return self.endpoint.is_some_and(|id| visit(id, captured));
        };
        // Bytes, not chars: a `/` is ASCII, and short segments are found
        // faster without the machinery of `str::split_once`.
        let (first, after) = match rest.bytes().position(|b| b == b'/') {
            Some(slash) => (&rest[..slash], Some(&rest[slash + 1..])),
            None => (rest, None),
        };
        // Whether the segment needs decoding is found once, not per child.
        let encoded = first.as_bytes().contains(&b'%');
        if let Some((_, child)) = self.statics.iter().find(|(text, _)| {
            if encoded {
                segment_is(first, text)
            } else {
                first == text.as_str()
            }
        }) {
            if child.find(after, captured, visit) {
                return true;
            }
        }
        if let Some(child) = &self.param {
            if !first.is_empty() {
                captured.push(first);
                let stop = child.find(after, captured, visit);
                captured.pop();
                if stop {
                    return true;
                }
            }
        }
        // A tail takes everything that is left, slashes included.
        if let Some(id) = self.tail {
            captured.push(rest);
            let stop = visit(id, captured);
            captured.pop();
            return stop;
        }
        false
    }
}

/// Whether the raw (percent-encoded) segment of a request is `text` once
/// decoded: `caf%C3%A9` is `café`, and `a%2Fb` is the one segment `a/b`
/// (a `%2F` never separates segments). Segments without a `%` — nearly
/// all — are compared as they are, with no decoding and no allocation.
fn segment_is(raw: &str, text: &str) -> bool {
    if raw.as_bytes().contains(&b'%') {
        crate::input::percent::decode(raw).is_ok_and(|decoded| decoded == text)
    } else {
        raw == text
    }
}
