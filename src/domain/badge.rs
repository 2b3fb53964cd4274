//! The status badge both the widget and the proxy show for an order.

use serde::Serialize;

/// How a badge is styled; the widget turns it into a CSS class through [`Tone::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tone {
    /// Waiting on someone outside the customer (candidate, provider).
    Neutral,
    /// Work is under way.
    Progress,
    /// A good outcome: nothing stands in the way of hiring.
    Positive,
    /// Someone at the customer needs to look at it.
    Attention,
    /// A negative or terminal outcome.
    Negative,
}

impl Tone {
    /// The stable name used in CSS classes and on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Tone::Neutral => "neutral",
            Tone::Progress => "progress",
            Tone::Positive => "positive",
            Tone::Attention => "attention",
            Tone::Negative => "negative",
        }
    }
}

/// What a user sees for one order: a label, a tone, and whether it can still change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Badge {
    /// The label, worded exactly as the provider's documentation recommends.
    pub label: &'static str,
    /// How to style it.
    pub tone: Tone,
    /// No further event is expected in the ordinary lifecycle.
    pub is_final: bool,
    /// Show the "includes canceled screenings" indicator beside the label.
    pub canceled_indicator: bool,
}
