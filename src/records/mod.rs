//! The records a reconcile loop leaves for others to read, and the requests others leave for it:
//! each tenant's status (last rounds, drift, next run) and the trigger files that ask for a round.
//! They sit below `reconcile`, `notify` and `server` so that the loop writes them and the web UI
//! and notifications read them without either importing the loop (docs/ARCHITECTURE.md, "Layers").

pub mod inbox;
pub mod jobs;
pub mod status;
pub mod trigger;
