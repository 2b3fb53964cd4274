//! The widget's API: the catalog to order from, placing and retrying orders, and an
//! applicant's orders with their status.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;

use crate::domain::badge::Badge;
use crate::domain::checkr::{CustomerType, OrderStatus};
use crate::domain::hierarchy::{Catalog, Hierarchy};
use crate::domain::manage::AuditAction;
use crate::domain::order::{Lease, OrderStep};
use crate::domain::validation::{
    Field, FieldErrors, OrderDraft, OrderRules, Region, ValidOrder, validate_order,
};
use crate::domain::view::{Viewer, shape_order};

use super::AppState;
use super::error::{AccountProblem, ApiError, ApiJson};
use super::identity::{Identity, Role};
use super::oauth::ConnectLinks;
use super::placement::{self, LEASE_SECONDS, Placed, Sender, place};
use super::secret::Secret;
use super::store::{
    AccountRecord, Claim, ConnectionState, Failure, LeaseGrant, OrderOrigin, OrderRecord,
};

/// The widget-facing routes, mounted under `/api`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/session", get(session))
        .route("/catalog", get(catalog))
        .route("/orders", post(create_order).get(orders_of_candidates))
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
pub(super) struct OrderingAccount {
    pub(super) record: AccountRecord,
    pub(super) token: Secret,
}

async fn ordering_account(
    state: &AppState,
    identity: &Identity,
) -> Result<OrderingAccount, ApiError> {
    ordering_account_by_id(state, &identity.account_id).await
}

/// The account, when it may order now (connected and credentialed).
pub(super) async fn ordering_account_by_id(
    state: &AppState,
    account_id: &str,
) -> Result<OrderingAccount, ApiError> {
    let record = state
        .store
        .account(account_id)
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
    /// `checkr` or `karmacheck`: which order form and status list the widget shows.
    provider: &'static str,
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
    // A KarmaCheck account is connected to its provider: the widget must not offer Checkr's
    // connect flow for it, and it needs no Checkr credentialing.
    if state
        .store
        .karmacheck_connection(&account.id)
        .await?
        .is_some()
    {
        return Ok(Json(SessionView {
            connect: None,
            account_id: account.id,
            account_name: account.name,
            user_id: identity.user_id,
            role: identity.role,
            customer_type: account.customer_type,
            connection: ConnectionState::Connected,
            credentialed: true,
            provider: "karmacheck",
        }));
    }
    let connect = (identity.role.manages_account()
        && !matches!(account.connection, ConnectionState::Connected))
    .then(|| state.connect_links(&account.id, &identity.user_id));
    Ok(Json(SessionView {
        connect,
        provider: "checkr",
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
    /// Checkr asked to wait; the proxy is retrying by itself ("Checkr is busy, retrying").
    busy: bool,
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
    /// The report's tags as last set through bgcheck (at order time or since).
    tags: Vec<String>,
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
            can_retry: order
                .step
                .can_retry(Lease::at(order.lease_until, super::unix_seconds())),
            busy: order.busy,
            failure: order.failure.clone(),
            candidate_id: order.candidate_id.clone(),
            invitation_id: order.invitation_id.clone(),
            badge: shape.badge,
            eta: shape.eta.map(|day| day.to_string()),
            status: shape.status,
            report_id,
            report_url,
            cancellation_reasons,
            tags: order.draft.tags.clone(),
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

/// The order's draft checked again against the account's catalog as it is now.
pub(super) async fn validate_for(
    state: &AppState,
    account: &OrderingAccount,
    order: &OrderRecord,
) -> Result<ValidOrder, ApiError> {
    let catalog = load_catalog(state, account).await?;
    validate_against(&order.draft, &catalog)
}

async fn create_order(
    State(state): State<AppState>,
    identity: Identity,
    ApiJson(mut draft): ApiJson<OrderDraft>,
) -> Result<Response, ApiError> {
    super::manage::check_tags(&mut draft)?;
    let account = ordering_account(&state, &identity).await?;
    let catalog = load_catalog(&state, &account).await?;
    let valid = validate_against(&draft, &catalog)?;
    let region = draft.candidate.work_location.region();
    let custom_id = draft.candidate.custom_id.trim().to_owned();
    let unix_now = super::unix_seconds();
    let lease = LeaseGrant::new(unix_now, LEASE_SECONDS);
    let order = state
        .store
        .insert_order(
            &account.record.id,
            &OrderOrigin {
                ordered: super::manage::order_audit(&state, &identity, AuditAction::Ordered),
                resent_from: None,
            },
            &custom_id,
            region,
            &draft,
            &lease,
            &state.now(),
        )
        .await?;
    tracing::info!(order = %order.id, "order created");
    // Every viewer sees it "Sending" while it goes out.
    state.publish(order.clone());
    let placed = send(&state, account, order, lease, valid, unix_now).await?;
    respond(&state, placed, identity.role, StatusCode::CREATED)
}

async fn retry_order(
    State(state): State<AppState>,
    identity: Identity,
    Path(order_id): Path<String>,
) -> Result<Response, ApiError> {
    let account = ordering_account(&state, &identity).await?;
    let order = state
        .store
        .order(&account.record.id, &order_id)
        .await?
        .ok_or(ApiError::NotFound("order"))?;
    if order.step == OrderStep::Invited {
        return Err(ApiError::Conflict(
            "This order was already placed; there is nothing to retry.".to_owned(),
        ));
    }
    let valid = validate_for(&state, &account, &order).await?;
    let unix_now = super::unix_seconds();
    let lease = LeaseGrant::new(unix_now, LEASE_SECONDS);
    let claimed = state
        .store
        .claim_order(
            &account.record.id,
            &order_id,
            &lease,
            unix_now,
            &state.now(),
            &super::manage::order_audit(&state, &identity, AuditAction::Retried),
        )
        .await?;
    let order = match claimed {
        Claim::Claimed(order) => order,
        Claim::Missing => return Err(ApiError::NotFound("order")),
        Claim::Taken(order) if order.step == OrderStep::Invited => {
            return Err(ApiError::Conflict(
                "This order was already placed; there is nothing to retry.".to_owned(),
            ));
        }
        Claim::Taken(order) => {
            // Someone else is sending it right now: one placement is enough; answer with the
            // order as it stands ("Sending"), and live updates bring the outcome.
            let view = OrderView::new(&order, account.record.customer_type, identity.role, &state);
            return Ok((StatusCode::ACCEPTED, Json(view)).into_response());
        }
    };
    tracing::info!(order = %order.id, step = order.step.as_str(), "retrying order");
    state.publish(order.clone());
    let placed = send(&state, account, order, lease, valid, unix_now).await?;
    respond(&state, placed, identity.role, StatusCode::OK)
}

/// Places the claimed order in a task of its own, so a browser that goes away (or the
/// request deadline) cannot stop it between the two Checkr calls.
pub(super) async fn send(
    state: &AppState,
    account: OrderingAccount,
    order: OrderRecord,
    lease: LeaseGrant,
    valid: ValidOrder,
    unix_now: i64,
) -> Result<(Placed, CustomerType), ApiError> {
    let customer = account.record.customer_type;
    let task_state = state.clone();
    let placed = tokio::spawn(async move {
        let sent_by = (Sender::Person, unix_now);
        let placed = place(&task_state, &account.token, order, &lease, &valid, sent_by).await?;
        placement::publish(&task_state, &placed);
        Ok::<_, ApiError>(placed)
    })
    .await
    .map_err(|error| ApiError::Internal(anyhow::anyhow!("placing the order stopped: {error}")))??;
    Ok((placed, customer))
}

/// The answer to a placement: the order (201/200), the order still on its way (202: Checkr
/// is busy, or another sender has it), or the provider's error with the order as kept.
pub(super) fn respond(
    state: &AppState,
    (placed, customer): (Placed, CustomerType),
    role: Role,
    success: StatusCode,
) -> Result<Response, ApiError> {
    match placed {
        Placed::Invited(order) => {
            Ok((success, Json(OrderView::new(&order, customer, role, state))).into_response())
        }
        Placed::Busy(order) | Placed::Superseded(order) => Ok((
            StatusCode::ACCEPTED,
            Json(OrderView::new(&order, customer, role, state)),
        )
            .into_response()),
        Placed::Failed(order, error) => Err(ApiError::Provider {
            source: error,
            order: Some(Box::new(OrderView::new(&order, customer, role, state))),
        }),
        Placed::Stopped(order) => Err(ApiError::Conflict(
            order
                .failure
                .map(|failure| failure.message)
                .unwrap_or_else(|| "This order cannot be sent as it is.".to_owned()),
        )),
    }
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

/// The most applicants one batched status call or one live stream may name: a page of a
/// pipeline, while keeping the URL well under common server and proxy limits.
pub const MAX_CUSTOM_IDS: usize = 200;

/// The longest applicant id accepted in a query.
const MAX_CUSTOM_ID_LEN: usize = 256;

/// The repeated `custom_id` parameters of `query`, trimmed and without duplicates, in the
/// order given. Refuses more than [`MAX_CUSTOM_IDS`], empty or overlong ids, and (unless
/// `none_allowed`) a query without any.
pub fn custom_ids_from_query(query: &str, none_allowed: bool) -> Result<Vec<String>, ApiError> {
    let mut ids: Vec<String> = Vec::new();
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        if key != "custom_id" {
            continue;
        }
        let id = value.trim();
        if id.is_empty() || id.len() > MAX_CUSTOM_ID_LEN {
            return Err(ApiError::MalformedRequest(format!(
                "Each custom_id must be 1 to {MAX_CUSTOM_ID_LEN} characters."
            )));
        }
        if !ids.iter().any(|known| known == id) {
            ids.push(id.to_owned());
        }
        if ids.len() > MAX_CUSTOM_IDS {
            return Err(ApiError::MalformedRequest(format!(
                "At most {MAX_CUSTOM_IDS} custom_id values per request; split the list."
            )));
        }
    }
    if ids.is_empty() && !none_allowed {
        return Err(ApiError::MalformedRequest(
            "Name at least one applicant: ?custom_id=A-1&custom_id=A-2".to_owned(),
        ));
    }
    Ok(ids)
}

/// `GET /api/orders?custom_id=…` (repeated).
#[derive(Serialize)]
struct CandidatesOrders {
    /// Every requested applicant, each with the list `/api/candidates/{custom_id}/orders`
    /// would return (empty when none).
    candidates: BTreeMap<String, Vec<OrderView>>,
}

async fn orders_of_candidates(
    State(state): State<AppState>,
    identity: Identity,
    RawQuery(query): RawQuery,
) -> Result<Json<CandidatesOrders>, ApiError> {
    let ids = custom_ids_from_query(query.as_deref().unwrap_or_default(), false)?;
    let account = state
        .store
        .account(&identity.account_id)
        .await?
        .ok_or(ApiError::NotFound("account"))?;
    let orders = state.store.orders_for_candidates(&account.id, &ids).await?;
    let mut candidates: BTreeMap<String, Vec<OrderView>> =
        ids.into_iter().map(|id| (id, Vec::new())).collect();
    for order in &orders {
        if let Some(list) = candidates.get_mut(&order.custom_id) {
            list.push(OrderView::new(
                order,
                account.customer_type,
                identity.role,
                &state,
            ));
        }
    }
    Ok(Json(CandidatesOrders { candidates }))
}
