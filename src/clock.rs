//! Time and run ids, injectable so that runs can be reproduced byte for byte.

use jiff::Timestamp;

/// Now, or the time fixed by `ATLAS_NOW`.
pub fn now() -> Timestamp {
    crate::env::var(crate::env::NOW)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(Timestamp::now)
}

/// A new run id: `<UTC time>-<6 hex>`, sortable by time; `ATLAS_RUN_ID` fixes it.
pub fn run_id(now: Timestamp) -> String {
    if let Some(id) = crate::env::var(crate::env::RUN_ID) {
        return id;
    }
    let suffix: u32 = rand::random::<u32>() & 0xff_ffff;
    format!("{}-{suffix:06x}", now.strftime("%Y%m%dT%H%M%SZ"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn run_ids_sort_by_time() {
        let t: jiff::Timestamp = "2026-03-04T05:06:07Z".parse().unwrap();
        let id = super::run_id(t);
        assert!(id.starts_with("20260304T050607Z-"), "{id}");
        assert_eq!(id.len(), "20260304T050607Z-".len() + 6);
    }
}
