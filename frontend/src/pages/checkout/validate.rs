//! Validating the sale (F9, Ctrl+Enter, "Valider"): `POST /sales` under an
//! `Idempotency-Key`, and, when the answer is lost, `GET /sales/by-key` until the server
//! says whether it was recorded. The states are [`Submission`]'s; this module does the
//! requests, keeps the sale in `localStorage` meanwhile ([`pending`]) and says what
//! happened.

use crm_api_types::{CreateSaleRequest, Receipt};
use crm_domain::codes;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::pending::{self, PendingSale};
use super::sale::{line_requests, AppliedCoupon, Basket, BasketLine, CouponStanding};
use super::submission::{Attempt, KeyAnswer, SaleAnswer, Submission};
use super::{CheckoutState, Till};
use crate::api::{self, new_uuid, ApiError};
use crate::components::Msg;

/// An answer that does not say whether the sale was recorded: none at all, or a server
/// failure (which may have come after the commit).
fn answer_lost(error: &ApiError) -> bool {
    match error {
        ApiError::Network(_) => true,
        ApiError::Http(status) => *status >= 500,
        ApiError::Problem(p) => p.status >= 500,
        ApiError::SessionExpired => false,
    }
}

/// Puts a sale left unconfirmed back on screen, locked under its key.
pub(super) fn restore(state: CheckoutState, stored: &PendingSale) {
    state.basket.set(Basket::of(
        stored
            .lines
            .iter()
            .cloned()
            .map(|(product, quantity)| BasketLine { product, quantity })
            .collect(),
    ));
    state.payments.set(stored.request.payments.clone());
    state.coupon.set(
        stored
            .request
            .coupon_code
            .clone()
            .map(AppliedCoupon::restored),
    );
    let body = serde_json::to_string(&stored.request).unwrap_or_default();
    state.submission.set(Submission::Unconfirmed(Attempt {
        key: stored.key.clone(),
        body,
    }));
}

/// The sale is recorded: its receipt, and nothing left pending.
fn recorded(state: CheckoutState, receipt: Receipt) {
    pending::forget();
    state.payment_error.set(None);
    state.basket_error.set(None);
    state.receipt.set(Some(receipt));
}

/// Asks the server what became of the unconfirmed sale's key.
pub(super) fn check_pending(till: Till) {
    let state = till.state;
    let mut asked = None;
    state.submission.update(|s| asked = s.check());
    let Some(key) = asked else {
        return;
    };
    spawn_local(async move {
        let answer = api::sale_by_key(till.auth, &key).await;
        match answer {
            Ok(r) => {
                state.submission.update(|s| s.checked(KeyAnswer::Found));
                recorded(state, r);
            }
            Err(e) if e.code() == Some(codes::SALE_NOT_FOUND) => {
                state.submission.update(|s| s.checked(KeyAnswer::NotFound));
                pending::forget();
                state.basket_error.set(None);
                state.payment_error.set(Some(Msg::Key("pos.not_recorded")));
                till.focus.validate();
            }
            Err(_) => {
                state.submission.update(|s| s.checked(KeyAnswer::Lost));
                state.payment_error.set(Some(Msg::Key("pos.unconfirmed")));
                till.focus.validate();
            }
        }
    });
}

/// Validates the sale: sends it, or, while it awaits confirmation, asks about it.
pub(super) fn submit(till: Till) {
    let state = till.state;
    let CheckoutState {
        basket,
        payments,
        receipt,
        payment_error,
        submission,
        coupon,
        ..
    } = state;
    if till.busy.get_untracked() || receipt.with_untracked(Option::is_some) {
        return;
    }
    // Locked: F9 asks about the key, it never sends again.
    if till.locked.get_untracked() {
        check_pending(till);
        return;
    }
    if basket.with_untracked(Basket::is_empty) {
        payment_error.set(Some(Msg::Key("pos.basket_empty")));
        till.focus.barcode();
        return;
    }
    if till.coupon_checking.get_untracked() {
        payment_error.set(Some(Msg::Key("pos.coupon_checking")));
        return;
    }
    if !till.settled_untracked() {
        payment_error.set(Some(Msg::Key("pos.not_covered")));
        till.focus.amount();
        return;
    }
    // Only a coupon that applies to this basket goes with the sale.
    let coupon_code = till.standing.with_untracked(|s| match s {
        Some((code, CouponStanding::Valid(_))) => Some(code.clone()),
        _ => None,
    });
    let request = CreateSaleRequest {
        till_id: super::chosen_till_id(),
        customer_id: till.customer_id.get_untracked(),
        lines: line_requests(&till.quantities.get_untracked()),
        coupon_code,
        payments: payments.get_untracked(),
    };
    let body = serde_json::to_string(&request).unwrap_or_default();
    let mut sent = None;
    submission.update(|s| sent = s.send(body, new_uuid));
    let Some(Attempt { key, .. }) = sent else {
        return;
    };
    // Kept until the server answers, so that a reload cannot forget the key.
    pending::save(&PendingSale {
        cashier: till.auth.session_untracked().map_or(0, |s| s.user.id),
        key: key.clone(),
        request: request.clone(),
        lines: basket.with_untracked(|b| {
            b.lines
                .iter()
                .map(|l| (l.product.clone(), l.quantity))
                .collect()
        }),
        customer: till.customer.get_untracked(),
    });
    payment_error.set(None);
    spawn_local(async move {
        let result = api::create_sale(till.auth, &key, &request).await;
        match result {
            Ok(r) => {
                submission.update(|s| s.answered(SaleAnswer::Recorded));
                recorded(state, r);
            }
            Err(e) if answer_lost(&e) => {
                // The server may have recorded it: locked until it says.
                submission.update(|s| s.answered(SaleAnswer::Lost));
                payment_error.set(None);
                check_pending(till);
            }
            Err(e) => {
                submission.update(|s| s.answered(SaleAnswer::Refused));
                pending::forget();
                if e.code().is_some_and(|c| c.starts_with("coupon.")) {
                    // Refused with its coupon (cap reached meanwhile…): the basket
                    // stays, the chip says why and the totals go back to no coupon.
                    let key = till.coupon_key.get_untracked().unwrap_or_default();
                    coupon.update(|applied| {
                        if let Some(c) = applied.as_mut() {
                            c.refused_at_checkout(key, Msg::Api(e.clone()));
                        }
                    });
                    payment_error.set(Some(Msg::Api(e)));
                    till.focus.amount();
                } else {
                    payment_error.set(Some(Msg::Api(e)));
                    till.focus.validate();
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crm_api_types::Problem;

    fn problem(status: u16) -> ApiError {
        ApiError::Problem(Box::new(Problem {
            kind: String::new(),
            title: String::new(),
            status,
            code: "x".into(),
            detail: String::new(),
            errors: Vec::new(),
        }))
    }

    #[test]
    fn only_a_missing_or_failed_answer_leaves_the_sale_unconfirmed() {
        assert!(answer_lost(&ApiError::Network("reset".into())));
        assert!(answer_lost(&ApiError::Http(502)));
        assert!(answer_lost(&problem(500)));
        assert!(!answer_lost(&problem(409)), "a refusal recorded nothing");
        assert!(!answer_lost(&ApiError::Http(404)));
        assert!(!answer_lost(&ApiError::SessionExpired));
    }
}
