//! The emulator's behaviour tests, one file per concern, each driving a started emulator through
//! its HTTP interface — what a Graph client sees — with the small tenant of `fixture` or the demo
//! tenant: `api` authentication, permissions and error bodies; `protocol` `$batch`, throttling,
//! faults and the stats endpoint; `reads` and `shapes` the read side and the shapes Graph varies
//! in; `writes`, `fidelity` and `actions` writes, `apps` what only apps do, the write rules restore depends on and bound
//! actions; `restore` what the restore tests lean on; `definitions` and `neighbours` the read-only
//! data other clients read; `portal` the edits made from inside the process (`Portal`).

mod actions;
mod api;
mod apps;
mod definitions;
mod fidelity;
mod fixture;
mod neighbours;
mod portal;
mod protocol;
mod reads;
mod restore;
mod shapes;
mod writes;
