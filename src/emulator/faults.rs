//! Deterministic fault injection (docs/ARCHITECTURE.md, "The emulator"): a seeded pseudo-random
//! choice per eligible request sequence number; failures rotate 503 → 504 → connection reset
//! (503/504 only inside `$batch`).

/// An injected failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    Unavailable,
    GatewayTimeout,
    Reset,
}

/// Fault state: eligible request counter and injected count, and the separate stream deciding
/// which successful creates lose their response.
#[derive(Debug)]
pub(crate) struct Faults {
    rate: f64,
    seed: u64,
    seq: u64,
    pub injected: u64,
    drop_rate: f64,
    drop_seq: u64,
}

/// Keeps the dropped-create stream independent of the read-fault stream for the same seed.
const DROP_STREAM: u64 = 0xD809_C4EA_7E00_0001;

pub(crate) fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

impl Faults {
    pub fn new(rate: f64, seed: u64) -> Faults {
        Faults {
            rate: rate.clamp(0.0, 1.0),
            seed,
            seq: 0,
            injected: 0,
            drop_rate: 0.0,
            drop_seq: 0,
        }
    }

    /// Also drop the response of this fraction of successful creates.
    pub fn with_drop_create_rate(mut self, rate: f64) -> Faults {
        self.drop_rate = if rate.is_nan() {
            0.0
        } else {
            rate.clamp(0.0, 1.0)
        };
        self
    }

    /// Decides whether the response of the next successful create is dropped.
    pub fn drop_create(&mut self) -> bool {
        if self.drop_rate <= 0.0 {
            return false;
        }
        self.drop_seq += 1;
        let u =
            (mix(self.seed ^ DROP_STREAM ^ mix(self.drop_seq)) >> 11) as f64 / (1u64 << 53) as f64;
        u < self.drop_rate
    }

    /// Decides the fate of the next eligible request.
    pub fn next(&mut self, in_batch: bool) -> Option<Fault> {
        if self.rate <= 0.0 {
            return None;
        }
        self.seq += 1;
        let u = (mix(self.seed ^ mix(self.seq)) >> 11) as f64 / (1u64 << 53) as f64;
        if u >= self.rate {
            return None;
        }
        let n = self.injected;
        self.injected += 1;
        Some(match (in_batch, n % if in_batch { 2 } else { 3 }) {
            (_, 0) => Fault::Unavailable,
            (_, 1) => Fault::GatewayTimeout,
            _ => Fault::Reset,
        })
    }

    pub fn reset(&mut self) {
        self.injected = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_rate_and_rotation() {
        let run = |seed| {
            let mut f = Faults::new(0.3, seed);
            (0..1000).map(|_| f.next(false)).collect::<Vec<_>>()
        };
        let a = run(1);
        assert_eq!(a, run(1));
        assert_ne!(a, run(2));
        let hits: Vec<Fault> = a.iter().flatten().copied().collect();
        assert!((200..400).contains(&hits.len()), "{}", hits.len());
        assert_eq!(
            &hits[..3],
            &[Fault::Unavailable, Fault::GatewayTimeout, Fault::Reset]
        );
    }

    #[test]
    fn drop_create_stream_is_deterministic_and_separate() {
        let run = |seed| {
            let mut f = Faults::new(0.0, seed).with_drop_create_rate(0.5);
            (0..200).map(|_| f.drop_create()).collect::<Vec<_>>()
        };
        let a = run(3);
        assert_eq!(a, run(3));
        assert_ne!(a, run(4));
        let hits = a.iter().filter(|d| **d).count();
        assert!((60..140).contains(&hits), "{hits}");
        let mut f = Faults::new(0.0, 3);
        assert!((0..50).all(|_| !f.drop_create()));
        let mut all = Faults::new(0.0, 3).with_drop_create_rate(1.0);
        assert!((0..50).all(|_| all.drop_create()));
        assert_eq!(all.next(false), None, "read faults stay off");
    }

    #[test]
    fn batch_never_resets_and_zero_rate_never_fails() {
        let mut f = Faults::new(1.0, 5);
        assert!((0..50).all(|_| f.next(true) != Some(Fault::Reset)));
        let mut z = Faults::new(0.0, 5);
        assert!((0..50).all(|_| z.next(false).is_none()));
    }
}
