//! Each `serve` token's inbox: what happened that its holder should see — a run they started has
//! finished or failed — kept in the repository's private state with what they have read
//! (`.git/atlas/inbox/<token>.json`). Drift and expiring certificates are not copied here: the
//! server lists them from the tenants' status files as they are, and only their being read is
//! kept (docs/ARCHITECTURE.md, "Runs from the browser").

use crate::store::{Repo, StoreError, state};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

/// The folder below `.git/atlas/`.
pub const AREA: &str = "inbox";

/// Messages kept per token; older ones go.
pub const KEPT: usize = 200;

/// One message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    /// Stable: `run:<run id>`, `drift:<tenant>:<checked>`, `expiry:<tenant>:<path>:<date>`.
    pub id: String,
    pub at: Timestamp,
    pub tenant: String,
    /// `run`, `drift`, `expiry`.
    pub kind: String,
    /// `succeeded`, `failed`, … for runs; `warning` otherwise.
    pub level: String,
    pub text: String,
    /// Where to look: the run's page, the drift page, the policy.
    pub link: String,
}

/// A token's kept messages and the ids it has read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Inbox {
    #[serde(default)]
    pub messages: Vec<Message>,
    #[serde(default)]
    pub read: BTreeSet<String>,
}

/// The file of a token: its name hashed, so any name is a safe file name.
fn file(token: &str) -> String {
    format!(
        "{}.json",
        &hex::encode(Sha256::digest(token.as_bytes()))[..24]
    )
}

/// A token's inbox (empty when it has none or its file does not parse).
pub fn read(repo: &Repo, token: &str) -> Result<Inbox, StoreError> {
    Ok(state::read(repo, AREA, &file(token))?
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default())
}

fn write(repo: &Repo, token: &str, inbox: &Inbox) -> Result<(), StoreError> {
    let mut bytes = serde_json::to_vec_pretty(inbox).unwrap_or_default();
    bytes.push(b'\n');
    state::write(repo, AREA, &file(token), &bytes)
}

/// Adds a message (a message of the same id replaces it), keeping the newest [`KEPT`].
pub fn post(repo: &Repo, token: &str, message: Message) -> Result<(), StoreError> {
    let mut inbox = read(repo, token)?;
    inbox.messages.retain(|m| m.id != message.id);
    inbox.read.remove(&message.id);
    inbox.messages.push(message);
    if inbox.messages.len() > KEPT {
        let drop = inbox.messages.len() - KEPT;
        let gone: Vec<String> = inbox.messages.drain(..drop).map(|m| m.id).collect();
        for id in gone {
            inbox.read.remove(&id);
        }
    }
    write(repo, token, &inbox)
}

/// Marks messages read (ids of live messages too: drift and expiry).
pub fn mark_read(repo: &Repo, token: &str, ids: &[String]) -> Result<(), StoreError> {
    let mut inbox = read(repo, token)?;
    inbox.read.extend(ids.iter().cloned());
    // Live messages' ids accumulate; keep the set bounded.
    while inbox.read.len() > 4 * KEPT {
        let first = inbox.read.iter().next().cloned();
        if let Some(f) = first {
            inbox.read.remove(&f);
        }
    }
    write(repo, token, &inbox)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(id: &str) -> Message {
        Message {
            id: id.into(),
            at: "2026-01-15T09:30:00Z".parse().unwrap(),
            tenant: "demo".into(),
            kind: "run".into(),
            level: "succeeded".into(),
            text: "backup of demo succeeded".into(),
            link: "/tenants/demo/runs/x".into(),
        }
    }

    #[test]
    fn messages_per_token_with_what_was_read() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = Repo::init(tmp.path()).unwrap();
        post(&repo, "desk", msg("run:1")).unwrap();
        post(&repo, "desk", msg("run:2")).unwrap();
        post(&repo, "a/../b: odd name", msg("run:3")).unwrap();
        mark_read(&repo, "desk", &["run:1".into(), "drift:demo:t".into()]).unwrap();
        let inbox = read(&repo, "desk").unwrap();
        assert_eq!(inbox.messages.len(), 2);
        assert!(inbox.read.contains("run:1") && inbox.read.contains("drift:demo:t"));
        assert_eq!(read(&repo, "a/../b: odd name").unwrap().messages.len(), 1);
        assert_eq!(read(&repo, "nobody").unwrap(), Inbox::default());
        // The same run again (it was taken up after a restart) is one message, unread.
        post(&repo, "desk", msg("run:1")).unwrap();
        let inbox = read(&repo, "desk").unwrap();
        assert_eq!(inbox.messages.len(), 2);
        assert!(!inbox.read.contains("run:1"));
        for i in 0..(KEPT + 5) {
            post(&repo, "desk", msg(&format!("run:n{i}"))).unwrap();
        }
        assert_eq!(read(&repo, "desk").unwrap().messages.len(), KEPT);
    }
}
