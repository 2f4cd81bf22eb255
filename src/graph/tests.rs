//! Client tests against scripted local servers.
