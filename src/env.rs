//! env (in progress)
