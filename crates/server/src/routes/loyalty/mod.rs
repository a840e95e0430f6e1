//! `/loyalty`: the analysis (a background job) and its moves.

pub mod analyses;

use crate::error::ApiError;
use crate::startup::AppState;
use crm_domain::loyalty::LoyaltyPolicy;

/// The loyalty policy in force: what an analysis scores with. The one place it is read.
pub async fn current_policy(_state: &AppState) -> Result<LoyaltyPolicy, ApiError> {
    Ok(LoyaltyPolicy::default())
}
