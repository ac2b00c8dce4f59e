//! Buffered I/O: the receive buffer of a connection, and the buffers a
//! worker lends to the connection it is working on.

use std::io::{self, Read};

/// Read at most this much per `read` call. A read that returns less has
/// emptied the socket's receive queue.
pub(crate) const READ_CHUNK: usize = 16 * 1024;

/// Receive buffer a worker keeps between requests: one read's worth.
const KEEP_INBOX: usize = READ_CHUNK;

/// Send buffer a worker keeps between requests: enough for most pages.
const KEEP_OUTBOX: usize = 16 * 1024;

/// Buffers a worker lends to the connection it works on, so that idle
/// connections own no buffers at all.
#[derive(Default)]
pub(crate) struct Scratch {
    inbox: InBuffer,
    outbox: Vec<u8>,
}

impl Scratch {
    /// Lends the worker's buffers to a connection. What a parked connection
    /// kept (a partial head, the start of a pipelined request) sits in a
    /// buffer of its exact size: it moves into the worker's buffer, which
    /// has room to read more after it.
    pub fn lend(&mut self, inbox: &mut InBuffer, outbox: &mut Vec<u8>) {
        if inbox.capacity() < self.inbox.capacity() {
            self.inbox.refill(inbox.data());
            *inbox = std::mem::take(&mut self.inbox);
        }
        if outbox.is_empty() {
            std::mem::swap(outbox, &mut self.outbox);
        }
    }

    /// Takes back what is empty or mostly room, so that a parked connection
    /// holds no memory between requests, and mid-request just the bytes it
    /// has sent: a slowloris sending a byte a second holds those, not a
    /// whole read's worth. The worker keeps the larger buffer.
    pub fn take_back(&mut self, inbox: &mut InBuffer, outbox: &mut Vec<u8>) {
        if inbox.is_mostly_room() {
            let kept = inbox.compacted();
            let room = std::mem::replace(inbox, kept);
            if self.inbox.capacity() < room.capacity() {
                self.inbox = room;
            }
        }
        if outbox.is_empty() && self.outbox.capacity() < outbox.capacity() {
            std::mem::swap(outbox, &mut self.outbox);
        }
        if outbox.is_empty() {
            *outbox = Vec::new();
        }
        self.inbox.clear();
        self.outbox.clear();
        // A worker keeps buffers for ordinary requests; what a big one made
        // it grow is given back, so memory does not creep up worker by worker.
        if self.inbox.capacity() > KEEP_INBOX {
            self.inbox = InBuffer::default();
        }
        if self.outbox.capacity() > KEEP_OUTBOX {
            self.outbox = Vec::new();
        }
    }
}

/// Bytes received and not yet used: part of a request, or the next
/// pipelined ones. Used bytes are skipped by moving `start`, and the free
/// room is moved to the end only when a read needs it, so neither reading
/// nor consuming copies or zeroes memory on the usual path.
#[derive(Debug, Default)]
pub(crate) struct InBuffer {
    /// Always fully initialised: `start..end` holds the data.
    bytes: Vec<u8>,
    start: usize,
    end: usize,
}

impl InBuffer {
    /// The bytes not yet used.
    pub fn data(&self) -> &[u8] {
        &self.bytes[self.start..self.end]
    }

    /// Whether every byte received has been used.
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// Marks the first `n` bytes of [`data`](Self::data) as used.
    pub fn consume(&mut self, n: usize) {
        self.start += n.min(self.end - self.start);
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// Forgets every byte.
    pub fn clear(&mut self) {
        self.start = 0;
        self.end = 0;
    }

    /// Memory held, in bytes.
    pub fn capacity(&self) -> usize {
        self.bytes.len()
    }

    /// Whether most of the memory held is free room rather than data.
    pub fn is_mostly_room(&self) -> bool {
        self.capacity() > 2 * (self.end - self.start)
    }

    /// A buffer holding just the unused bytes, with no room to spare: what
    /// a parked connection keeps of a partial request.
    pub fn compacted(&self) -> InBuffer {
        let bytes = self.data().to_vec();
        InBuffer {
            end: bytes.len(),
            bytes,
            start: 0,
        }
    }

    /// Replaces the contents with `data` (the unused bytes of another
    /// buffer), keeping the memory this one holds.
    pub fn refill(&mut self, data: &[u8]) {
        if self.bytes.len() < data.len() {
            self.bytes.resize(data.len(), 0);
        }
        self.bytes[..data.len()].copy_from_slice(data);
        self.start = 0;
        self.end = data.len();
    }

    /// Reads once from `source`, at most [`READ_CHUNK`] bytes.
    pub fn read_from(&mut self, source: &mut impl Read) -> io::Result<usize> {
        if self.bytes.len() - self.end < READ_CHUNK {
            // Move the unused bytes to the front, then grow if still short.
            self.bytes.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
            if self.bytes.len() - self.end < READ_CHUNK {
                self.bytes.resize(self.end + READ_CHUNK, 0);
            }
        }
        loop {
            match source.read(&mut self.bytes[self.end..self.end + READ_CHUNK]) {
                Ok(n) => {
                    self.end += n;
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_consumes_and_compacts() {
        let mut buf = InBuffer::default();
        assert_eq!(buf.read_from(&mut &b"hello world"[..]).unwrap(), 11);
        buf.consume(6);
        assert_eq!(buf.data(), b"world");
        let big = vec![7u8; READ_CHUNK];
        assert_eq!(buf.read_from(&mut &big[..]).unwrap(), READ_CHUNK);
        assert_eq!(&buf.data()[..5], b"world");
        assert_eq!(buf.data().len(), 5 + READ_CHUNK);
        buf.consume(usize::MAX);
        assert!(buf.is_empty());
        assert_eq!(buf.data(), b"");
    }

    #[test]
    fn compacting_keeps_the_data_and_drops_the_room() {
        let mut buf = InBuffer::default();
        buf.read_from(&mut &b"GET / HT"[..]).unwrap();
        buf.consume(2);
        assert!(buf.is_mostly_room());
        let kept = buf.compacted();
        assert_eq!(kept.data(), b"T / HT");
        assert_eq!(kept.capacity(), 6);
        assert!(!kept.is_mostly_room());

        // Back into a worker's buffer, and reading goes on after the data.
        let mut worker = InBuffer::default();
        worker
            .read_from(&mut &b"something longer before"[..])
            .unwrap();
        let room = worker.capacity();
        worker.refill(kept.data());
        assert_eq!(worker.data(), b"T / HT");
        assert_eq!(worker.capacity(), room);
        worker.read_from(&mut &b"TP/1.1"[..]).unwrap();
        assert_eq!(worker.data(), b"T / HTTP/1.1");

        // Refilling a smaller buffer grows it.
        let mut small = InBuffer::default();
        small.refill(b"abc");
        assert_eq!(small.data(), b"abc");
    }
}
