//! backup (in progress)
