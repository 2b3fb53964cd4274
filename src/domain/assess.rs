//! Checkr Assess: the customer's own rules grade a report `eligible`, `review` or `escalated`
//! (sent with `report.updated`). Shown as a tag of its own beside the badge, never mixed into
//! it; whoever may not read results never receives it (see [`super::view`]).

use super::badge::Tone;
use super::checkr::{Assessment, OrderStatus};

/// The tag's words and tone.
pub const fn assessment_tag(assessment: Assessment) -> (&'static str, Tone) {
    match assessment {
        Assessment::Eligible => ("Eligible", Tone::Positive),
        Assessment::Review => ("Review", Tone::Attention),
        Assessment::Escalated => ("Escalated", Tone::Negative),
    }
}

/// The assessment to tag an order with, if its report carries one.
pub fn order_assessment(status: &OrderStatus) -> Option<Assessment> {
    status.report.as_ref()?.assessment
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::checkr::{ReportState, ReportStatus};

    #[test]
    fn each_assessment_reads_as_its_own_word() {
        assert_eq!(assessment_tag(Assessment::Eligible).0, "Eligible");
        assert_eq!(
            assessment_tag(Assessment::Review),
            ("Review", Tone::Attention)
        );
        assert_eq!(assessment_tag(Assessment::Escalated).1, Tone::Negative);
    }

    #[test]
    fn only_a_report_with_an_assessment_is_tagged() {
        let mut status = OrderStatus::default();
        assert_eq!(order_assessment(&status), None);
        status.report = Some(ReportState {
            id: "r".to_owned(),
            status: ReportStatus::Complete,
            result: None,
            adjudication: None,
            assessment: Some(Assessment::Review),
            includes_canceled: false,
        });
        assert_eq!(order_assessment(&status), Some(Assessment::Review));
    }
}
