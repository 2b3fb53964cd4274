//! The proxy's widget API as plain data: what the widget reads from the proxy's JSON
//! ([`super::decode`]) and what its client and views pass around ([`super::api`]). Kept apart
//! so the reader and the client depend on these types, not on each other.

use crate::domain::checkr::{CustomerType, OrderStatus};
use crate::domain::hierarchy::Catalog;
use crate::domain::order::OrderStep;
use crate::domain::validation::{Field, FieldErrors};

pub use crate::domain::view::Role;

/// How the customer account stands with the provider.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Connection {
    /// Never connected.
    NotConnected,
    /// Connected (ordering also needs credentialing).
    Connected,
    /// The provider revoked the connection.
    Deauthorized,
}

/// Which provider the account orders through.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Provider {
    /// Checkr: the order form with hierarchy and work location, the live stream.
    Checkr,
    /// KarmaCheck: its own packages, names and cases (see [`crate::widget::karmacheck`]).
    KarmaCheck,
}

impl Provider {
    /// Reads the session's `provider`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "checkr" => Some(Self::Checkr),
            "karmacheck" => Some(Self::KarmaCheck),
            _ => None,
        }
    }

    /// The name `bgcheck:status` carries.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Checkr => "checkr",
            Self::KarmaCheck => "karmacheck",
        }
    }
}

/// Where an admin starts the provider's sign-up or sign-in flow.
#[derive(Clone, PartialEq, Eq)]
pub struct ConnectLinks {
    /// The sign-up flow, for accounts new to the provider.
    pub signup_url: String,
    /// The sign-in flow, for accounts the provider already knows.
    pub signin_url: String,
}

/// `GET /api/session`.
#[derive(Clone, PartialEq)]
pub struct Session {
    /// The customer account's display name.
    pub account_name: String,
    /// The caller's role.
    pub role: Role,
    /// Combined or segregated recruiting and adjudication.
    pub customer_type: CustomerType,
    /// The account's connection.
    pub connection: Connection,
    /// Whether the provider approved the account for ordering.
    pub credentialed: bool,
    /// Present for admins while the account can be (re)connected.
    pub connect: Option<ConnectLinks>,
    /// Checkr or KarmaCheck.
    pub provider: Provider,
}

/// `GET /api/catalog`.
#[derive(Clone, PartialEq)]
pub struct CatalogView {
    /// Packages and hierarchy.
    pub catalog: Catalog,
    /// Whether an order must name a node.
    pub node_required: bool,
}

/// Why a provider call failed, as the order keeps it.
#[derive(Clone, PartialEq, Eq)]
pub struct Failure {
    /// The provider's HTTP status, when it answered.
    pub status: Option<u16>,
    /// What went wrong, in the provider's words.
    pub message: String,
}

/// One order as the proxy reports it.
#[derive(Clone, PartialEq)]
pub struct Order {
    /// The proxy's order id.
    pub id: String,
    /// The ATS applicant id.
    pub custom_id: String,
    /// The package slug.
    pub package: String,
    /// The provider's candidate id, once created.
    pub candidate_id: Option<String>,
    /// Our side of placing the order.
    pub step: OrderStep,
    /// Whether Retry is offered.
    pub can_retry: bool,
    /// Checkr asked to wait and the proxy is retrying by itself.
    pub busy: bool,
    /// The last provider failure, when a step failed.
    pub failure: Option<Failure>,
    /// The provider's state, from which the badge is derived.
    pub status: OrderStatus,
    /// Estimated completion day, already formatted.
    pub eta: Option<String>,
    /// Dashboard link; only sent to users with adjudication rights.
    pub report_url: Option<String>,
    /// Why screenings were canceled; only sent for segregated customers.
    pub cancellation_reasons: Vec<String>,
    /// The report's tags as last set through bgcheck.
    pub tags: Vec<String>,
}

/// The provider's own words about a failure.
#[derive(Clone, PartialEq, Eq)]
pub struct ProviderDetail {
    /// The provider's HTTP status, when it answered.
    pub status: Option<u16>,
    /// Its message.
    pub message: String,
}

/// The proxy's error body.
#[derive(Clone, PartialEq)]
pub struct ErrorBody {
    /// A stable code such as `invalid` or `conflict`.
    pub code: String,
    /// A message for the user.
    pub message: String,
    /// Field name and message pairs, as the proxy sent them, when validation failed.
    pub fields: Vec<(String, String)>,
    /// What the provider said, when it refused.
    pub provider: Option<ProviderDetail>,
    /// The order as kept, when a provider call failed part-way.
    pub order: Option<Order>,
}

impl ErrorBody {
    /// A body with only a code and a message.
    pub fn plain(code: &str, message: &str) -> Self {
        Self {
            code: code.to_owned(),
            message: message.to_owned(),
            fields: Vec::new(),
            provider: None,
            order: None,
        }
    }

    /// The field errors the widget can place beside its inputs, and the messages for names
    /// it has no input for (shown in the summary instead).
    pub fn field_errors(&self) -> (FieldErrors, Vec<String>) {
        let mut known = FieldErrors::new();
        let mut other = Vec::new();
        for (name, message) in &self.fields {
            match Field::ALL.iter().find(|field| field.as_str() == name) {
                Some(field) => known.insert(*field, message.as_str()),
                None => other.push(message.clone()),
            }
        }
        (known, other)
    }
}
