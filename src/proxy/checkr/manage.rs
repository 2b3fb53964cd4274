//! Checkr calls that manage placed orders: canceling an invitation, and a report's tags.

use reqwest::Method;

use crate::domain::events::EventObject;
use crate::proxy::secret::Secret;

use super::{CheckrClient, CheckrError, url_segment};

impl CheckrClient {
    /// `DELETE /v1/invitations/{id}`: cancels a pending invitation; Checkr answers with the
    /// invitation, its `deleted_at` set, and sends `invitation.deleted`. Not repeated on a
    /// transient failure: the user sees the failure and may try again, which is harmless
    /// (Checkr then says the invitation is no longer pending or not found).
    pub async fn cancel_invitation(
        &self,
        token: &Secret,
        invitation_id: &str,
    ) -> Result<EventObject, CheckrError> {
        let url = format!(
            "{}/v1/invitations/{}",
            self.base,
            url_segment(invitation_id)
        );
        let body = self
            .send(|| self.request(Method::DELETE, &url, token), false)
            .await?;
        serde_json::from_slice(&body).map_err(|error| CheckrError::Decode(error.to_string()))
    }
}
