//! Which ATS account may hold which Checkr account: the rule every store applies when an
//! OAuth callback links the two.

/// How an ATS account or the other holder of a Checkr account stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holding<'a> {
    /// Linked and usable, to the named Checkr account.
    Connected(&'a str),
    /// Linked once, now disconnected (by the customer in Checkr, or unlinked in the ATS).
    Released,
    /// Never linked.
    Unlinked,
}

/// What a callback that granted `checkr_account` to an ATS account does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkDecision {
    /// Link it: a first connection, or a reconnection after a disconnection.
    Connect,
    /// The same Checkr account again: keep the link, store the new token.
    Refresh,
    /// Refuse: this ATS account is connected to another Checkr account; an admin must
    /// disconnect it first, so orders never silently move between Checkr accounts.
    ConnectedElsewhere,
    /// Refuse: another ATS account is connected to this Checkr account; one Checkr account
    /// serves one ATS account, and one tenant can never take over another's link.
    HeldByAnotherAccount,
}

/// Decides a link from how this ATS account (`this`) and any other ATS account that last
/// held the Checkr account (`other_holder`) stand. A released holder gives the Checkr
/// account up.
pub fn decide_link(
    this: Holding<'_>,
    other_holder: Holding<'_>,
    checkr_account: &str,
) -> LinkDecision {
    match (this, other_holder) {
        (_, Holding::Connected(_)) => LinkDecision::HeldByAnotherAccount,
        (Holding::Connected(current), Holding::Released | Holding::Unlinked) => {
            if current == checkr_account {
                LinkDecision::Refresh
            } else {
                LinkDecision::ConnectedElsewhere
            }
        }
        (Holding::Released | Holding::Unlinked, Holding::Released | Holding::Unlinked) => {
            LinkDecision::Connect
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_first_link_and_a_reconnection_connect() {
        assert_eq!(
            decide_link(Holding::Unlinked, Holding::Unlinked, "a"),
            LinkDecision::Connect
        );
        assert_eq!(
            decide_link(Holding::Released, Holding::Unlinked, "a"),
            LinkDecision::Connect
        );
    }

    #[test]
    fn the_same_checkr_account_again_refreshes_the_token() {
        assert_eq!(
            decide_link(Holding::Connected("a"), Holding::Unlinked, "a"),
            LinkDecision::Refresh
        );
    }

    #[test]
    fn a_connected_account_is_not_silently_moved_to_another_checkr_account() {
        assert_eq!(
            decide_link(Holding::Connected("a"), Holding::Unlinked, "b"),
            LinkDecision::ConnectedElsewhere
        );
    }

    #[test]
    fn a_checkr_account_another_tenant_uses_is_refused_and_a_released_one_moves() {
        for this in [
            Holding::Unlinked,
            Holding::Released,
            Holding::Connected("a"),
        ] {
            assert_eq!(
                decide_link(this, Holding::Connected("b"), "b"),
                LinkDecision::HeldByAnotherAccount
            );
        }
        assert_eq!(
            decide_link(Holding::Unlinked, Holding::Released, "b"),
            LinkDecision::Connect
        );
    }
}
