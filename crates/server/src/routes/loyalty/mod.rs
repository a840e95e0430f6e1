//! `/loyalty`: the analysis (a background job) and its moves, the policy and the stats
//! page (SPEC §4).

pub mod analyses;
pub mod policy;
pub mod stats;

use crate::error::ApiError;
use crate::startup::AppState;
use crm_domain::loyalty::LoyaltyPolicy;

/// The loyalty policy an analysis scores with: read from the database, not from the
/// till's 30 s cache, so a run started right after a change uses it.
pub async fn current_policy(state: &AppState) -> Result<LoyaltyPolicy, ApiError> {
    Ok(crm_store::settings::loyalty_policy(&state.db).await?)
}
