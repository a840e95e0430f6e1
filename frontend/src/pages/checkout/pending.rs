//! The sale awaiting confirmation, kept in `localStorage` until the server says what
//! became of it: a reload or a closed tab must not lose its key.

use crm_api_types::{CreateSaleRequest, CustomerProfile, Product};
use gloo_storage::{LocalStorage, Storage};
use serde::{Deserialize, Serialize};

use crate::auth::Auth;

const STORAGE_KEY: &str = "crm.till.pending_sale";

/// What the till needs to show the sale again and ask about it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PendingSale {
    /// Who sent it: keys are the seller's, only they can ask about it.
    pub cashier: i64,
    /// Its `Idempotency-Key`.
    pub key: String,
    /// The request as sent.
    pub request: CreateSaleRequest,
    /// The basket as shown (products and quantities).
    pub lines: Vec<(Product, u32)>,
    /// The identified customer, if any.
    pub customer: Option<CustomerProfile>,
}

pub fn save(sale: &PendingSale) {
    let _ = LocalStorage::set(STORAGE_KEY, sale);
}

/// The pending sale of the signed-in seller (another's stays stored for them).
pub fn load(auth: Auth) -> Option<PendingSale> {
    let seller = auth.session_untracked()?.user.id;
    LocalStorage::get::<PendingSale>(STORAGE_KEY)
        .ok()
        .filter(|p| p.cashier == seller)
}

pub fn forget() {
    LocalStorage::delete(STORAGE_KEY);
}
