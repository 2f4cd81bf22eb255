//! tenant-atlas: configuration-as-code for Microsoft Intune and Entra Conditional Access.
//!
//! Data flows one way: Graph → normalize → store (git) for backup. The library returns data and
//! typed errors; only `cli` prints. docs/ARCHITECTURE.md describes the modules, their layers and
//! the data flow.

pub mod apply;
pub mod backup;
pub mod catalog;
pub mod cli;
pub mod clock;
pub mod cloud;
pub mod config;
pub mod demo;
pub mod drift;
pub mod emulator;
pub mod env;
#[doc(hidden)]
pub mod fuzzing;
pub mod graph;
pub mod health;
pub mod inventory;
pub mod normalize;
pub mod notify;
pub mod onboard;
pub mod plan;
pub mod reconcile;
pub mod records;
pub mod render;
pub mod server;
pub mod store;
