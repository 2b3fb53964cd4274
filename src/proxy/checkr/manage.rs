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

/// One entry of a report's tag list.
#[derive(Debug, serde::Deserialize)]
struct TagName {
    name: String,
}

/// The answer to adding or removing a tag: the report's tags (first page).
#[derive(Debug, serde::Deserialize)]
struct TagPage {
    data: Vec<TagName>,
}

impl TagPage {
    fn names(self) -> Vec<String> {
        self.data.into_iter().map(|tag| tag.name).collect()
    }
}

impl CheckrClient {
    /// `GET /v1/reports/{id}/tags`, every page.
    pub async fn report_tags(
        &self,
        token: &Secret,
        report_id: &str,
    ) -> Result<Vec<String>, CheckrError> {
        let path = format!("/v1/reports/{}/tags", url_segment(report_id));
        let tags: Vec<TagName> = self.list_all(token, &path, "").await?;
        Ok(tags.into_iter().map(|tag| tag.name).collect())
    }

    /// `POST /v1/reports/{id}/tags` with one tag; answers the first page of the report's
    /// tags. Adding a tag twice changes nothing, so a fresh key per call is enough.
    pub async fn add_report_tag(
        &self,
        token: &Secret,
        report_id: &str,
        tag: &str,
    ) -> Result<Vec<String>, CheckrError> {
        let path = format!("/v1/reports/{}/tags", url_segment(report_id));
        let key = uuid::Uuid::new_v4().to_string();
        let page: TagPage = self
            .post(token, &path, &serde_json::json!({ "tag": tag }), &key)
            .await?;
        Ok(page.names())
    }

    /// `DELETE /v1/reports/{id}/tags` with one tag; answers the first page of the report's
    /// tags.
    pub async fn remove_report_tag(
        &self,
        token: &Secret,
        report_id: &str,
        tag: &str,
    ) -> Result<Vec<String>, CheckrError> {
        let url = format!("{}/v1/reports/{}/tags", self.base, url_segment(report_id));
        let body = serde_json::json!({ "tag": tag });
        let answer = self
            .send(
                || self.request(Method::DELETE, &url, token).json(&body),
                false,
            )
            .await?;
        let page: TagPage = serde_json::from_slice(&answer)
            .map_err(|error| CheckrError::Decode(error.to_string()))?;
        Ok(page.names())
    }
}
