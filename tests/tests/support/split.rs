//! Split delivery: the same request bytes sent whole and then cut into
//! pieces — at every position for a short request, at random positions
//! (and one byte at a time) for a long one — must get the same answer.
//!
//! TCP is a byte stream: a client, a proxy or the network may cut a request
//! anywhere, and a server that only works when a head, a chunk-size line or
//! a CRLF arrives in one `read` has a bug that no single-write test shows.
//! The client sets `TCP_NODELAY` and pauses between writes, so each piece
//! travels as its own segment and the server really reads it on its own.

use std::io::Write;
use std::net::SocketAddr;
use std::thread;
use std::time::{Duration, Instant};

use super::{Client, RawResponse};

/// Requests up to this long are cut at every position; longer ones at
/// random positions.
pub const SHORT: usize = 200;

/// One way to deliver a request: where to cut it, and how long to wait
/// between the pieces.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Cut positions, strictly increasing, each in `1..len`.
    pub cuts: Vec<usize>,
    pub pause: Duration,
}

/// A response reduced to what must not depend on how the request arrived:
/// status, reason, headers (names lowercased; `Date` and the request id,
/// which differ from one exchange to the next, left out) and body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seen {
    pub status: u16,
    pub reason: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Seen {
    /// `response` without its `Date` and `X-Request-Id`, after checking that
    /// it is well framed.
    pub fn of(response: &RawResponse) -> Seen {
        if response.status >= 200 {
            response.assert_well_framed();
        }
        Seen {
            status: response.status,
            reason: response.reason.clone(),
            headers: response
                .headers
                .iter()
                .filter(|(name, _)| {
                    !name.eq_ignore_ascii_case("date") && !name.eq_ignore_ascii_case("x-request-id")
                })
                .map(|(name, value)| (name.to_ascii_lowercase(), value.clone()))
                .collect(),
            body: response.body.clone(),
        }
    }
}

/// What a client saw after sending the request bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Outcome {
    /// The final (non-1xx) responses, in order.
    finals: Vec<Seen>,
    /// How many `100 Continue` came right before each final response.
    continues: Vec<usize>,
    /// What followed them.
    after: After,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum After {
    /// The server closed the connection, with nothing more said.
    Closed,
    /// The connection stayed open: the probe request sent next got this
    /// (proof that the server's idea of where the requests end is right).
    Probe(Seen),
    /// The probe got no (clean) answer: why.
    ProbeFailed(String),
}

/// A fixed-seed linear congruential generator (Knuth's MMIX constants):
/// the same plans on every run, so a failure can be replayed.
pub struct Lcg(pub u64);

impl Lcg {
    pub fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    /// A number in `low..high`.
    pub fn below(&mut self, low: usize, high: usize) -> usize {
        low + (self.next() as usize) % (high - low)
    }
}

/// The plans for a request of these bytes.
///
/// Short (`<= SHORT` bytes): every single cut, then two-cut combinations
/// — every byte cut off on its own, and some random pairs. Long: a cut on
/// each side of every CR, random plans of 2 to 16 cuts, and one byte at a
/// time. Pauses of 1 to 3 ms.
pub fn plans(raw: &[u8], seed: u64) -> Vec<Plan> {
    let len = raw.len();
    assert!(len >= 3, "too short to cut in pieces");
    let mut rng = Lcg(seed);
    let ms = Duration::from_millis;
    let mut plans = Vec::new();
    let single = |cut: usize, plans: &mut Vec<Plan>| {
        if (1..len).contains(&cut) {
            plans.push(Plan {
                cuts: vec![cut],
                pause: ms(1),
            });
        }
    };
    if len <= SHORT {
        for cut in 1..len {
            single(cut, &mut plans);
        }
        // Every byte alone in its own segment: a CR without its LF, the
        // `:` of a field, the last byte of a chunk size...
        for p in 1..len - 1 {
            plans.push(Plan {
                cuts: vec![p, p + 1],
                pause: ms(1),
            });
        }
        for _ in 0..24 {
            let a = rng.below(1, len - 1);
            let b = rng.below(a + 1, len);
            plans.push(Plan {
                cuts: vec![a, b],
                pause: ms(rng.below(1, 4) as u64),
            });
        }
    } else {
        for (p, &b) in raw.iter().enumerate() {
            if b == b'\r' {
                single(p, &mut plans); // before the CR
                single(p + 1, &mut plans); // between CR and LF
            }
        }
        for _ in 0..48 {
            let mut cuts: Vec<usize> = (0..rng.below(2, 17)).map(|_| rng.below(1, len)).collect();
            cuts.sort_unstable();
            cuts.dedup();
            plans.push(Plan {
                cuts,
                pause: ms(rng.below(1, 4) as u64),
            });
        }
        plans.push(Plan {
            cuts: (1..len).collect(),
            pause: ms(1),
        });
    }
    plans
}

/// Sends `raw` cut at `plan.cuts`, pausing between the pieces. Writes that
/// fail are ignored: a server may close early on a request it refuses.
pub fn send_in_pieces(client: &mut Client, raw: &[u8], plan: &Plan) {
    let mut start = 0;
    for (i, &end) in plan.cuts.iter().chain([&raw.len()]).enumerate() {
        if i > 0 {
            thread::sleep(plan.pause);
        }
        let _ = client.stream.write_all(&raw[start..end]);
        start = end;
    }
}

/// A request (or several, pipelined) to deliver whole and in pieces.
pub struct Split {
    addr: SocketAddr,
    name: String,
    raw: Vec<u8>,
    responses: usize,
    closes: bool,
    may_continue: bool,
    probe: Vec<u8>,
    seed: u64,
}

/// How a [`Split::run`] went, for the test's own report.
#[derive(Debug)]
pub struct Report {
    pub plans: usize,
    pub elapsed: Duration,
}

impl Split {
    /// `raw` to the server at `addr`, expecting one response and a
    /// connection that stays open.
    pub fn new(addr: SocketAddr, name: &str, raw: impl AsRef<[u8]>) -> Split {
        Split {
            addr,
            name: name.to_string(),
            raw: raw.as_ref().to_vec(),
            responses: 1,
            closes: false,
            may_continue: false,
            probe: b"GET /probe HTTP/1.1\r\nHost: test\r\n\r\n".to_vec(),
            seed: 0x5eed,
        }
    }

    /// `raw` holds `n` pipelined requests: `n` final responses.
    pub fn responses(mut self, n: usize) -> Split {
        self.responses = n;
        self
    }

    /// The server closes the connection after the responses.
    pub fn closes(mut self) -> Split {
        self.closes = true;
        self
    }

    /// A `100 Continue` may come before a final response: it does when the
    /// head arrived without the whole body, and must then come before it.
    pub fn may_continue(mut self) -> Split {
        self.may_continue = true;
        self
    }

    /// Delivers the request whole, then by every plan, and asserts that
    /// every plan gets what the whole request got.
    pub fn run(self) -> Report {
        let started = Instant::now();
        let whole = self.exchange(&Plan {
            cuts: Vec::new(),
            pause: Duration::ZERO,
        });
        match &whole.after {
            After::Probe(probe) => assert_eq!(probe.status, 200, "{}: the probe", self.name),
            After::ProbeFailed(why) => panic!("{}: the probe after it failed: {why}", self.name),
            After::Closed => {}
        }
        let plans = plans(&self.raw, self.seed);
        for plan in &plans {
            let got = self.exchange(plan);
            for (i, &n) in got.continues.iter().enumerate() {
                let allowed = usize::from(self.may_continue);
                assert!(
                    n <= allowed,
                    "{}: {n} interim responses before response {i} with cuts {:?}",
                    self.name,
                    plan.cuts
                );
            }
            if got.finals != whole.finals || got.after != whole.after {
                panic!(
                    "{}: cut at {:?} (pause {:?}), the answer differs from the one to the \
                     whole request.\nwhole: {:#?}\ncut:   {:#?}",
                    self.name, plan.cuts, plan.pause, whole, got
                );
            }
        }
        Report {
            plans: plans.len(),
            elapsed: started.elapsed(),
        }
    }

    fn exchange(&self, plan: &Plan) -> Outcome {
        let mut client = Client::connect(self.addr);
        send_in_pieces(&mut client, &self.raw, plan);
        let mut finals = Vec::new();
        let mut continues = Vec::new();
        let mut interim = 0;
        while finals.len() < self.responses {
            let response = client.try_read_response(false).unwrap_or_else(|e| {
                panic!(
                    "{}: cut at {:?}, reading response {} failed: {e}",
                    self.name,
                    plan.cuts,
                    finals.len()
                )
            });
            if response.status < 200 {
                assert_eq!(
                    (response.status, response.reason.as_str()),
                    (100, "Continue"),
                    "{}: cut at {:?}, an unexpected interim response",
                    self.name,
                    plan.cuts
                );
                interim += 1;
            } else {
                finals.push(Seen::of(&response));
                continues.push(interim);
                interim = 0;
            }
        }
        let after = if self.closes {
            client.expect_closed();
            After::Closed
        } else {
            client.send_lossy(&self.probe);
            match client.try_read_response(false) {
                Ok(probe) if client.pending().is_empty() => After::Probe(Seen::of(&probe)),
                Ok(_) => After::ProbeFailed(format!(
                    "stray bytes after the probe's response: {:?}",
                    String::from_utf8_lossy(client.pending())
                )),
                Err(e) => After::ProbeFailed(e.to_string()),
            }
        };
        Outcome {
            finals,
            continues,
            after,
        }
    }
}
