//! The unattended loop: triggers (timer, file watch, webhook) only *schedule* a round; each tenant
//! has at most one round queued or running; a round backs up, reports drift or enforces the desired
//! commit according to the tenant's mode, within its guardrails and windows.
//!
//! Reconcile is level-triggered: every round recomputes desired against live, so a missed trigger
//! costs latency, never correctness, and a periodic requeue runs even when watches exist.

pub mod status;
pub mod trigger;
