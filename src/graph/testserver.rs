//! Scripted test server.
