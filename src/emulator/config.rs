//! Knobs of the emulator (docs/ARCHITECTURE.md, "The emulator"): page size, latency, throttling,
//! faults, list order and the hostile / looping nextLink cases a Graph client must survive.

use std::time::Duration;

/// How the emulator behaves beyond plain Graph semantics.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Server page size; `None` = per-collection default (25 for configurationPolicies,
    /// compliancePolicies and every `/settings`; 100 elsewhere). A `$top` may ask for less.
    pub page_size: Option<usize>,
    /// Added to every Graph request.
    pub latency: Duration,
    /// Added to every write (`POST`, `PATCH`, `PUT`, `DELETE` outside `$batch`) besides
    /// `latency`: Intune's writes take far longer than its reads. Changeable while serving
    /// (`EmulatorHandle::set_write_latency`).
    pub write_latency: Duration,
    pub throttle: Throttle,
    /// Fraction (0.0..=1.0) of Graph GET / list / batch-inner requests that fail
    /// (503, 504 or a connection reset, rotating); never token or `/_emulator` requests.
    pub fault_rate: f64,
    pub fault_seed: u64,
    /// Fraction (0.0..=1.0) of successful creates (`POST` answered 201) whose object is committed
    /// but whose response is dropped with a connection reset (deterministic with `fault_seed`).
    /// Inside `$batch` a dropped create resets the whole batch response after every item ran.
    pub drop_create_rate: f64,
    /// Order in which list results are returned.
    pub order: ListOrder,
    pub hostile_next_link: Option<HostileLink>,
    /// Collection path whose nextLink always points back at the same page.
    pub looping_next_link: Option<String>,
    /// `expires_in` of issued tokens.
    pub token_lifetime: Duration,
    /// Answer `definitionValues?$expand=…,presentationValues($expand=presentation)` without the
    /// nested presentation values, as Graph might (only the two-step form is documented:
    /// docs/graph-notes.md, "Administrative templates").
    pub ignore_nested_expand: bool,
    /// Refuse (400) assignment targets naming a group or an include/exclude assignment filter
    /// that does not exist in the tenant (`assign`, autopilot `assignments`). No source says
    /// how Graph answers an unknown group id: UNVERIFIED, hence switchable.
    pub check_assignment_references: bool,
    /// OData minimal metadata: leave `@odata.type` out of every object of its collection's
    /// declared type (lists, single GETs, `$batch` bodies, write answers), as Graph may.
    pub omit_declared_type: bool,
    /// Answer `$select` with only the named fields, without the key. By default the key comes
    /// too, as Intune's answers show (a widely used client matches `$select` answers by `id`);
    /// UNVERIFIED for every entity, hence switchable.
    pub select_omits_key: bool,
    /// `@odata.count` on every list page, asked for with `$count=true` or not (Intune sometimes
    /// sends it anyway, docs/graph-notes.md, "Paging").
    pub always_count: bool,
    /// How a nextLink carries the position. Both forms are accepted on input whatever this says.
    pub next_link_form: NextLinkForm,
    /// Empty pages inside a listing.
    pub empty_pages: EmptyPages,
    /// Serialize every answer object (nested too) with its properties in an order shuffled by this
    /// seed instead of key order.
    pub shuffled_properties: Option<u64>,
    /// Fractional-second digits of every date-time value answered; `None` = as stored. An instant
    /// whose fraction needs more digits keeps them (the instant is never changed).
    pub fraction_digits: Option<u8>,
    /// How a secret Graph hides (encrypted OMA-URI values, secret setting values) is answered.
    pub secret_form: SecretForm,
    /// `@odata.etag` on every answered object with an `id`. None has been seen on Intune
    /// entities (docs/graph-notes.md, "Versions and etags"), but whether Graph ever sends one is
    /// UNVERIFIED, hence switchable.
    pub etags: bool,
    /// Token answers carry `expires_in` / `ext_expires_in` as strings (`"3599"`), as Entra's v1
    /// endpoint does and some v2 answers have; the token detail is UNVERIFIED
    /// (docs/graph-notes.md, "Authentication").
    pub token_expiry_as_string: bool,
    /// Success status of every PATCH and settings catalog PUT (200 with the updated object, 204
    /// without a body) instead of each collection's own (docs/graph-notes.md, "Writes and their
    /// answers": documented 200, often 204).
    pub update_status: Option<u16>,
    /// Answer a create (`POST` to a collection) with 201 and only the id and a few scalars: no
    /// navigations, no `@odata.type`, no `createdDateTime` (`evolution::partial_create`).
    pub partial_create_body: bool,
    /// Properties Graph added after the fixtures were captured: every seeded object, its settings'
    /// instances, its assignments and their targets carry an unknown scalar, object and list
    /// (`evolution::UNKNOWN_*`); creates that leave them out get their defaults.
    pub unknown_properties: bool,
    /// Properties Graph removed since a backup (`evolution::REMOVED`, by `@odata.type`): no longer
    /// served, and refused on write with Graph's 400 for a property its type does not have.
    pub removed_properties: bool,
    /// Refuse (400) a settings catalog PUT that changes the policy's `platforms`, `technologies`
    /// or `templateReference.templateId`. Accepted by default; Graph's answer is UNVERIFIED, hence
    /// switchable (the tool never sends one; docs/graph-variation.md).
    pub refuse_fixed_changes: bool,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            page_size: None,
            latency: Duration::ZERO,
            write_latency: Duration::ZERO,
            throttle: Throttle::Off,
            fault_rate: 0.0,
            fault_seed: 0,
            drop_create_rate: 0.0,
            order: ListOrder::AsStored,
            hostile_next_link: None,
            looping_next_link: None,
            ignore_nested_expand: false,
            check_assignment_references: true,
            omit_declared_type: false,
            select_omits_key: false,
            always_count: false,
            next_link_form: NextLinkForm::SkipToken,
            empty_pages: EmptyPages::None,
            shuffled_properties: None,
            fraction_digits: None,
            secret_form: SecretForm::Masked,
            etags: false,
            token_expiry_as_string: false,
            update_status: None,
            partial_create_body: false,
            unknown_properties: false,
            removed_properties: false,
            refuse_fixed_changes: false,
            token_lifetime: Duration::from_secs(3599),
        }
    }
}

/// Throttling model.
#[derive(Debug, Clone, PartialEq)]
pub enum Throttle {
    Off,
    /// Intune's published limits (docs/graph-notes.md, "Throttling") as sliding windows; `scale`
    /// multiplies the limits (1.0 = published), `window` is 20 s in the service.
    Intune {
        window: Duration,
        scale: f64,
    },
}

impl Throttle {
    /// Intune's published limits over the published 20 s window.
    pub fn intune() -> Throttle {
        Throttle::Intune {
            window: Duration::from_secs(20),
            scale: 1.0,
        }
    }
}

/// Order of list results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListOrder {
    AsStored,
    Reverse,
    /// Deterministic shuffle by this seed.
    Shuffle(u64),
}

/// How a nextLink says where the next page starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextLinkForm {
    /// An opaque `$skiptoken` (docs/graph-notes.md, "Paging").
    SkipToken,
    /// `$skip=N`, as some Graph collections page.
    Skip,
}

/// Empty pages inside a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmptyPages {
    None,
    /// Between two pages with items, a page `{"value": []}` whose nextLink goes on.
    Middle,
    /// After the last page with items, a page `{"value": []}` without a nextLink.
    Last,
}

/// How a hidden secret is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretForm {
    /// OMA-URI `"****"`, secret settings an opaque token with `valueState: encryptedValueToken`.
    Masked,
    /// `value: null`.
    Null,
    /// No `value` property at all.
    Absent,
    /// A longer mask, `"********"`, in both places.
    LongMask,
}

/// First page of `collection` gets `@odata.nextLink` = `target_base + "/beta/<collection>?$skiptoken=x"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostileLink {
    pub collection: String,
    pub target_base: String,
}
