//! The widget's API: the catalog to order from, placing and retrying orders, and an
//! applicant's orders with their status.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;

use crate::domain::badge::Badge;
use crate::domain::checkr::{CustomerType, InvitationState, InvitationStatus, OrderStatus};
use crate::domain::hierarchy::{Catalog, Hierarchy};
use crate::domain::order::OrderStep;
use crate::domain::validation::{
    Field, FieldErrors, OrderDraft, OrderRules, Region, ValidOrder, validate_order,
};
use crate::domain::view::{Viewer, shape_order};

use super::AppState;
use super::checkr::CheckrError;
use super::error::{AccountProblem, ApiError, ApiJson};
use super::identity::{Identity, Role};
use super::oauth::ConnectLinks;
use super::secret::Secret;
use super::store::{AccountRecord, ConnectionState, Failure, OrderRecord};

/// The widget-facing routes, mounted under `/api`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/session", get(session))
        .route("/catalog", get(catalog))
        .route("/orders", post(create_order))
        .route("/orders/{id}/retry", post(retry_order))
        .route("/candidates/{custom_id}/orders", get(candidate_orders))
}

/// How long a catalog is reused before the provider is asked again.
const CATALOG_TTL: Duration = Duration::from_secs(60);

/// Per-account catalogs, reused briefly so opening the form does not page the provider.
#[derive(Clone, Default)]
pub struct CatalogCache {
    entries: Arc<Mutex<HashMap<String, CachedCatalog>>>,
}

struct CachedCatalog {
    fetched: Instant,
    catalog: Arc<Catalog>,
}

impl CatalogCache {
    fn fresh(&self, account_id: &str) -> Option<Arc<Catalog>> {
        let entries = self.entries.lock().ok()?;
        let cached = entries.get(account_id)?;
        (cached.fetched.elapsed() < CATALOG_TTL).then(|| Arc::clone(&cached.catalog))
    }

    /// Drops an account's catalog, e.g. after it connects to another provider account.
    pub fn forget(&self, account_id: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(account_id);
        }
    }

    fn put(&self, account_id: &str, catalog: Arc<Catalog>) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.insert(
                account_id.to_owned(),
                CachedCatalog {
                    fetched: Instant::now(),
                    catalog,
                },
            );
        }
    }
}

/// The account the caller belongs to, with the token ordering needs.
struct OrderingAccount {
    record: AccountRecord,
    token: Secret,
}

async fn ordering_account(
    state: &AppState,
    identity: &Identity,
) -> Result<OrderingAccount, ApiError> {
    let record = state
        .store
        .account(&identity.account_id)
        .await?
        .ok_or(ApiError::NotFound("account"))?;
    let token = match (record.connection, &record.access_token) {
        (ConnectionState::Connected, Some(token)) => token.clone(),
        (ConnectionState::Connected | ConnectionState::NotConnected, _) => {
            return Err(ApiError::AccountNotReady(AccountProblem::NotConnected));
        }
        (ConnectionState::Deauthorized, _) => {
            return Err(ApiError::AccountNotReady(AccountProblem::Disconnected));
        }
    };
    if !record.credentialed {
        return Err(ApiError::AccountNotReady(
            AccountProblem::AwaitingCredentialing,
        ));
    }
    Ok(OrderingAccount { record, token })
}

async fn load_catalog(
    state: &AppState,
    account: &OrderingAccount,
) -> Result<Arc<Catalog>, ApiError> {
    if let Some(catalog) = state.catalogs.fresh(&account.record.id) {
        return Ok(catalog);
    }
    let (packages, hierarchy) = tokio::try_join!(
        state.checkr.packages(&account.token),
        state.checkr.hierarchy(&account.token),
    )?;
    let catalog = Arc::new(Catalog {
        packages,
        hierarchy,
    });
    state.catalogs.put(&account.record.id, Arc::clone(&catalog));
    Ok(catalog)
}

#[derive(Serialize)]
struct SessionView {
    account_id: String,
    account_name: String,
    user_id: String,
    role: Role,
    customer_type: CustomerType,
    connection: ConnectionState,
    credentialed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    connect: Option<ConnectLinks>,
}

async fn session(
    State(state): State<AppState>,
    identity: Identity,
) -> Result<Json<SessionView>, ApiError> {
    let account = state
        .store
        .account(&identity.account_id)
        .await?
        .ok_or(ApiError::NotFound("account"))?;
    let connect = (identity.role.manages_account()
        && !matches!(account.connection, ConnectionState::Connected))
    .then(|| state.connect_links(&account.id));
    Ok(Json(SessionView {
        connect,
        account_id: account.id,
        account_name: account.name,
        user_id: identity.user_id,
        role: identity.role,
        customer_type: account.customer_type,
        connection: account.connection,
        credentialed: account.credentialed,
    }))
}

#[derive(Serialize)]
struct CatalogView {
    #[serde(flatten)]
    catalog: Catalog,
    node_required: bool,
}

async fn catalog(
    State(state): State<AppState>,
    identity: Identity,
) -> Result<Json<CatalogView>, ApiError> {
    let account = ordering_account(&state, &identity).await?;
    let catalog = load_catalog(&state, &account).await?;
    Ok(Json(CatalogView {
        node_required: catalog.node_required(),
        catalog: Catalog::clone(&catalog),
    }))
}

/// An order as the widget shows it to one user: shaped by
/// [`crate::domain::view::shape_order`] for their role and their account's customer type.
/// The candidate's invitation URL is never part of it (see [`crate::domain::view::OrderShape`]).
#[derive(Debug, Clone, Serialize)]
pub struct OrderView {
    id: String,
    custom_id: String,
    package: String,
    node: Option<String>,
    region: Region,
    step: OrderStep,
    can_retry: bool,
    failure: Option<Failure>,
    candidate_id: Option<String>,
    invitation_id: Option<String>,
    badge: Badge,
    /// Only what the viewer may know: no result a segregated recruiter's badge withholds.
    status: OrderStatus,
    report_id: Option<String>,
    /// A link into the Checkr Dashboard, only for users with adjudication rights (R15).
    report_url: Option<String>,
    /// Why screenings were canceled; shown to segregated customers only (R13).
    cancellation_reasons: Vec<String>,
    eta: Option<String>,
    ordered_by: String,
    created_at: String,
    updated_at: String,
}

impl OrderView {
    /// The order as `role` may see it, for an account of type `customer`.
    pub fn new(order: &OrderRecord, customer: CustomerType, role: Role, state: &AppState) -> Self {
        let full = &order.folded.status;
        let shape = shape_order(order.step, full, Viewer { role, customer });
        let report_id = full
            .report
            .as_ref()
            .map(|report| report.id.clone())
            .or_else(|| order.report_id.clone());
        let report_url = report_id
            .as_ref()
            .filter(|_| shape.report_link)
            .map(|id| state.report_url(id));
        let cancellation_reasons = if shape.cancellation_reasons {
            order.cancellation_reasons.clone()
        } else {
            Vec::new()
        };
        Self {
            id: order.id.clone(),
            custom_id: order.custom_id.clone(),
            package: order.draft.package.clone(),
            node: order.draft.node.clone(),
            region: order.region,
            step: order.step,
            can_retry: order.step.can_retry(),
            failure: order.failure.clone(),
            candidate_id: order.candidate_id.clone(),
            invitation_id: order.invitation_id.clone(),
            badge: shape.badge,
            eta: shape.eta.map(|day| day.to_string()),
            status: shape.status,
            report_id,
            report_url,
            cancellation_reasons,
            ordered_by: order.ordered_by.clone(),
            created_at: order.created_at.clone(),
            updated_at: order.updated_at.clone(),
        }
    }
}

/// Validates with the domain rules the browser uses, plus what only the catalog can tell:
/// that the node exists and offers the package.
fn validate_against(draft: &OrderDraft, catalog: &Catalog) -> Result<ValidOrder, ApiError> {
    let rules = OrderRules {
        node_required: catalog.node_required(),
    };
    let order = validate_order(draft, rules).map_err(ApiError::Invalid)?;
    let mut errors = FieldErrors::new();
    if let (Some(node), Hierarchy::Nodes(nodes)) = (order.node(), &catalog.hierarchy)
        && !nodes.is_empty()
        && !nodes.iter().any(|known| known.custom_id == node)
    {
        errors.insert(
            Field::Node,
            "Choose a node from the list; this one is not in the account.",
        );
    }
    if !catalog
        .packages
        .iter()
        .any(|package| package.slug == order.package())
    {
        errors.insert(
            Field::Package,
            "Choose a package from the list; this one is not in the account.",
        );
    } else if !catalog.is_offered(order.node(), order.package()) {
        errors.insert(
            Field::Package,
            "This package is not offered for the chosen node; choose another.",
        );
    }
    if errors.is_empty() {
        Ok(order)
    } else {
        Err(ApiError::Invalid(errors))
    }
}

async fn create_order(
    State(state): State<AppState>,
    identity: Identity,
    ApiJson(draft): ApiJson<OrderDraft>,
) -> Result<impl IntoResponse, ApiError> {
    let account = ordering_account(&state, &identity).await?;
    let catalog = load_catalog(&state, &account).await?;
    let valid = validate_against(&draft, &catalog)?;
    let region = draft.candidate.work_location.region();
    let custom_id = draft.candidate.custom_id.trim().to_owned();
    let order = state
        .store
        .insert_order(
            &account.record.id,
            &identity.user_id,
            &custom_id,
            region,
            &draft,
            &state.now(),
        )
        .await?;
    tracing::info!(order = %order.id, "order created");
    let placed = place(&state, &account, identity.role, order, &valid).await?;
    Ok((StatusCode::CREATED, Json(placed)))
}

async fn retry_order(
    State(state): State<AppState>,
    identity: Identity,
    Path(order_id): Path<String>,
) -> Result<Json<OrderView>, ApiError> {
    let account = ordering_account(&state, &identity).await?;
    let order = state
        .store
        .order(&account.record.id, &order_id)
        .await?
        .ok_or(ApiError::NotFound("order"))?;
    if !order.step.can_retry() {
        return Err(ApiError::Conflict(
            "This order was already placed; there is nothing to retry.".to_owned(),
        ));
    }
    let catalog = load_catalog(&state, &account).await?;
    let valid = validate_against(&order.draft, &catalog)?;
    tracing::info!(order = %order.id, step = order.step.as_str(), "retrying order");
    Ok(Json(
        place(&state, &account, identity.role, order, &valid).await?,
    ))
}

/// Carries the order through the remaining provider calls, recording each outcome before
/// the next call, and returns it as it then stands.
async fn place(
    state: &AppState,
    account: &OrderingAccount,
    role: Role,
    mut order: OrderRecord,
    valid: &ValidOrder,
) -> Result<OrderView, ApiError> {
    state.store.count_attempt(&order.id).await?;
    let customer = account.record.customer_type;

    if order.step.needs_candidate() {
        let reusable = state
            .store
            .candidate(&order.account_id, &order.custom_id, order.region)
            .await?;
        let candidate_id = match reusable {
            Some(existing) => existing,
            None => {
                let key = format!("bgcheck-{}-candidate", order.id);
                match state
                    .checkr
                    .create_candidate(&account.token, valid.candidate(), &key)
                    .await
                {
                    Ok(created) => created.id,
                    Err(error) => {
                        let viewer = (customer, role);
                        return fail(state, order, OrderStep::CandidateFailed, error, viewer).await;
                    }
                }
            }
        };
        state
            .store
            .record_candidate(&order, &candidate_id, &state.now())
            .await?;
        order.candidate_id = Some(candidate_id);
        order.step = OrderStep::CandidateCreated;
    }

    let Some(candidate_id) = order.candidate_id.clone() else {
        return Err(ApiError::Internal(anyhow::anyhow!(
            "order {} has no candidate",
            order.id
        )));
    };
    let key = format!("bgcheck-{}-invitation", order.id);
    let invitation = match state
        .checkr
        .create_invitation(&account.token, &valid.invitation(&candidate_id), &key)
        .await
    {
        Ok(invitation) => invitation,
        Err(error) => {
            return fail(
                state,
                order,
                OrderStep::InvitationFailed,
                error,
                (customer, role),
            )
            .await;
        }
    };
    order.folded.status.invitation = Some(InvitationState {
        id: invitation.id.clone(),
        status: InvitationStatus::Pending,
        report_id: None,
    });
    state
        .store
        .record_invitation(
            &order.id,
            &invitation.id,
            invitation.invitation_url.as_deref(),
            &order.folded,
            &state.now(),
        )
        .await?;
    tracing::info!(order = %order.id, invitation = %invitation.id, "invitation created");
    let order = reload(state, &order).await?;
    state.publish(order.clone());
    Ok(OrderView::new(&order, customer, role, state))
}

async fn fail(
    state: &AppState,
    order: OrderRecord,
    step: OrderStep,
    error: CheckrError,
    (customer, role): (CustomerType, Role),
) -> Result<OrderView, ApiError> {
    tracing::warn!(order = %order.id, step = step.as_str(), status = ?error.status(), error = %error, "order step failed");
    let failure = Failure {
        status: error.status(),
        message: error.user_message(),
    };
    state
        .store
        .record_failure(&order.id, step, &failure, &state.now())
        .await?;
    let order = reload(state, &order).await?;
    state.publish(order.clone());
    Err(ApiError::Provider {
        source: error,
        order: Some(Box::new(OrderView::new(&order, customer, role, state))),
    })
}

async fn reload(state: &AppState, order: &OrderRecord) -> Result<OrderRecord, ApiError> {
    state
        .store
        .order(&order.account_id, &order.id)
        .await?
        .ok_or(ApiError::NotFound("order"))
}

async fn candidate_orders(
    State(state): State<AppState>,
    identity: Identity,
    Path(custom_id): Path<String>,
) -> Result<Json<Vec<OrderView>>, ApiError> {
    let account = state
        .store
        .account(&identity.account_id)
        .await?
        .ok_or(ApiError::NotFound("account"))?;
    let orders = state
        .store
        .orders_for_candidate(&account.id, &custom_id)
        .await?;
    Ok(Json(
        orders
            .iter()
            .map(|order| OrderView::new(order, account.customer_type, identity.role, &state))
            .collect(),
    ))
}
