//! Entry points for the fuzz targets under `fuzz/` and their corpus replay in the test suite: the
//! emulator's parsers of what a client sends — `$batch` bodies and OData query options — fed
//! arbitrary bytes. Whatever the input, they answer (a Graph error at worst) and never panic.

use super::behaviour::Ver;
use super::config::NextLinkForm;
use super::query::Query;
use serde_json::{Value, json};

/// A `$batch` body: parsed as JSON (as the server does), then as a batch of requests.
pub fn batch(data: &[u8]) {
    let body: Option<Value> = serde_json::from_slice(data).ok();
    if let Ok(items) = super::batch::parse(Ver::Beta, "http://127.0.0.1:1", body) {
        assert!(!items.is_empty() && items.len() <= super::batch::MAX_ITEMS);
        for item in items {
            // What the router does next with each request's query string.
            query_options(&item.req.query);
        }
    }
}

/// A query string (`$filter=…&$select=…`), parsed and applied to a sample object as a list
/// request would: filter, search, the next page's link.
pub fn query(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        query_options(text);
    }
}

fn query_options(text: &str) {
    let Ok(q) = Query::parse(text) else { return };
    let sample = json!({
        "id": "00000000-0000-0000-0000-000000000001",
        "@odata.type": "#microsoft.graph.windows10GeneralConfiguration",
        "displayName": "Baseline",
        "description": null,
        "version": 3,
        "isAssigned": true,
        "roleScopeTagIds": ["0"],
        "settings": [{"settingInstance": {"settingDefinitionId": "a"}}]
    });
    if let Some(f) = &q.filter {
        let _ = f.matches(&sample);
    }
    let _ = q.search_matches(&sample);
    for form in [NextLinkForm::SkipToken, NextLinkForm::Skip] {
        let _ = q.next_query(q.skip.saturating_add(1), form, q.empty_page);
    }
}
