//! Counters and the request log served at `/_emulator/stats` so tests and benchmarks can measure a
//! client (requests per backup, throttling kept, retries honoured).

use std::collections::{BTreeMap, VecDeque};

use serde_json::{Value, json};

/// Entries kept in the request log.
pub(crate) const LOG_CAP: usize = 5000;

/// Methods counted in `writes`, always listed (0 when unused).
pub(crate) const WRITE_METHODS: &[&str] = &["POST", "PATCH", "PUT", "DELETE"];

/// One logged Graph request (also `$batch` items).
#[derive(Debug, Clone)]
pub(crate) struct LogEntry {
    pub method: String,
    pub path: String,
    /// 0 = connection reset.
    pub status: u16,
    pub client_request_id: Option<String>,
    pub request_id: String,
}

#[derive(Debug, Default)]
pub(crate) struct Stats {
    /// Graph requests incl. `$batch` items, excl. the `$batch` envelopes.
    pub requests: u64,
    /// Every HTTP request except `/_emulator/*`.
    pub http_requests: u64,
    pub batches: u64,
    pub token_requests: u64,
    pub by_status: BTreeMap<String, u64>,
    pub by_method: BTreeMap<String, u64>,
    /// Writes (POST/PATCH/PUT/DELETE) that reached the router, `$batch` items by their own
    /// method, the `$batch` envelope and token requests excluded.
    pub writes: BTreeMap<String, u64>,
    /// Creates committed whose response was dropped (`drop_create_rate`).
    pub dropped_creates: u64,
    /// Reads of a collection from its first page, by path (`/beta/deviceManagement/…`): how many
    /// times a client read each collection, whatever its page size (later pages not counted).
    pub list_reads: BTreeMap<String, u64>,
    seq: u64,
    log: VecDeque<(u64, LogEntry)>,
}

impl Stats {
    pub fn record(&mut self, e: LogEntry) {
        self.requests += 1;
        *self.by_status.entry(e.status.to_string()).or_default() += 1;
        *self.by_method.entry(e.method.clone()).or_default() += 1;
        self.seq += 1;
        if self.log.len() == LOG_CAP {
            self.log.pop_front();
        }
        self.log.push_back((self.seq, e));
    }

    /// Counts a write that reached the router; other methods are ignored.
    pub fn record_write(&mut self, method: &str) {
        if WRITE_METHODS.contains(&method) {
            *self.writes.entry(method.to_string()).or_default() += 1;
        }
    }

    pub fn reset(&mut self) {
        *self = Stats::default();
    }

    /// The JSON body of `/_emulator/stats` minus the throttle/fault parts the server adds.
    pub fn to_json(&self) -> Value {
        let log: Vec<Value> = self
            .log
            .iter()
            .map(|(seq, e)| {
                json!({
                    "seq": seq, "method": e.method, "path": e.path, "status": e.status,
                    "clientRequestId": e.client_request_id, "requestId": e.request_id,
                })
            })
            .collect();
        let writes: BTreeMap<&str, u64> = WRITE_METHODS
            .iter()
            .map(|m| (*m, self.writes.get(*m).copied().unwrap_or(0)))
            .collect();
        json!({
            "requests": self.requests,
            "httpRequests": self.http_requests,
            "batches": self.batches,
            "tokenRequests": self.token_requests,
            "byStatus": self.by_status,
            "byMethod": self.by_method,
            "writes": writes,
            "droppedCreates": self.dropped_creates,
            "listReads": self.list_reads,
            "log": log,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_is_capped_and_counts() {
        let mut s = Stats::default();
        for i in 0..(LOG_CAP + 3) {
            s.record(LogEntry {
                method: "GET".into(),
                path: format!("/beta/x/{i}"),
                status: if i % 2 == 0 { 200 } else { 404 },
                client_request_id: None,
                request_id: "r".into(),
            });
        }
        let j = s.to_json();
        assert_eq!(j["log"].as_array().unwrap().len(), LOG_CAP);
        assert_eq!(j["log"][0]["seq"], 4);
        assert_eq!(j["requests"], (LOG_CAP + 3) as u64);
        assert_eq!(j["byMethod"]["GET"], (LOG_CAP + 3) as u64);
        assert_eq!(
            j["writes"],
            json!({"POST": 0, "PATCH": 0, "PUT": 0, "DELETE": 0})
        );
        s.record_write("PATCH");
        s.record_write("GET");
        assert_eq!(s.to_json()["writes"]["PATCH"], 1);
        assert_eq!(s.to_json()["writes"]["POST"], 0);
        s.reset();
        assert_eq!(s.to_json()["requests"], 0);
        assert_eq!(s.to_json()["writes"]["PATCH"], 0);
    }
}
