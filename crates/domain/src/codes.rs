//! The stable `code` of every problem the API answers (`application/problem+json`), one
//! constant each. The server's errors and the domain's refusals take their codes from
//! here; the SPA shows the text of `error.<code>` from its string table, and a test there
//! fails when a code below has no French and English text.
//!
//! A new code goes here, in its group, with its texts in `frontend/src/i18n/strings.rs`.
//! A code is a contract with clients: never rename one, add a new one.

/// Declares each code as a constant and lists them all in [`ALL`].
macro_rules! codes {
    ($($(#[$doc:meta])* $name:ident = $code:literal;)*) => {
        $($(#[$doc])* pub const $name: &str = $code;)*

        /// Every problem code, in declaration order.
        pub const ALL: &[&str] = &[$($name),*];
    };
}

codes! {
    // Requests the router or the extractors refuse before any handler runs.
    /// No route at this address of the API.
    ROUTE_NOT_FOUND = "route.not_found";
    /// An unknown id (in the path or in the store).
    RESOURCE_NOT_FOUND = "resource.not_found";
    /// A unique value already taken.
    RESOURCE_CONFLICT = "resource.conflict";
    /// The body is over the size limit.
    REQUEST_TOO_LARGE = "request.too_large";
    /// The body is not JSON.
    REQUEST_UNSUPPORTED_MEDIA_TYPE = "request.unsupported_media_type";
    /// The JSON does not have the expected shape.
    REQUEST_INVALID_BODY = "request.invalid_body";
    /// The body is not JSON at all.
    REQUEST_MALFORMED_JSON = "request.malformed_json";
    /// The body could not be read.
    REQUEST_UNREADABLE = "request.unreadable";
    /// The query string does not have the expected shape.
    REQUEST_INVALID_QUERY = "request.invalid_query";
    /// Some fields are invalid; the problem lists them.
    VALIDATION_FAILED = "validation.failed";
    /// A fault of the server (logged, never detailed to the client).
    INTERNAL = "internal";

    // Authentication and authorisation.
    /// No bearer token.
    AUTH_MISSING_TOKEN = "auth.missing_token";
    /// A bearer token that does not verify, or whose account is gone.
    AUTH_INVALID_TOKEN = "auth.invalid_token";
    /// An expired access token.
    AUTH_TOKEN_EXPIRED = "auth.token_expired";
    /// A session closed by a logout, or an account changed or deactivated.
    AUTH_SESSION_REVOKED = "auth.session_revoked";
    /// The role or scopes do not allow the action.
    AUTH_FORBIDDEN = "auth.forbidden";
    /// A service account tried a staff-only action.
    AUTH_STAFF_ONLY = "auth.staff_only";
    /// The user must change a temporary password first.
    AUTH_PASSWORD_CHANGE_REQUIRED = "auth.password_change_required";
    /// Wrong username or password (or client id and secret).
    AUTH_INVALID_CREDENTIALS = "auth.invalid_credentials";
    /// An unknown, expired or revoked refresh token.
    AUTH_INVALID_REFRESH_TOKEN = "auth.invalid_refresh_token";
    /// Too many failed logins for this name or address.
    AUTH_TOO_MANY_ATTEMPTS = "auth.too_many_attempts";
    /// Every password-hashing slot is busy.
    AUTH_BUSY = "auth.busy";

    // Passwords.
    /// Fewer characters than the policy asks.
    PASSWORD_TOO_SHORT = "password.too_short";
    /// More characters than the policy allows.
    PASSWORD_TOO_LONG = "password.too_long";
    /// No letter or no digit.
    PASSWORD_NEEDS_LETTER_AND_DIGIT = "password.needs_letter_and_digit";
    /// Contains the login.
    PASSWORD_CONTAINS_USERNAME = "password.contains_username";
    /// The new password is the current one.
    PASSWORD_UNCHANGED = "password.unchanged";

    // Staff accounts.
    /// An unknown user id.
    USER_NOT_FOUND = "user.not_found";
    /// An administrator deactivating or demoting their own account.
    USER_SELF_LOCKOUT = "user.self_lockout";

    // Administration: accounts, stores and tills, the price list (issue 13).
    /// A login already taken.
    USER_DUPLICATE = "user.duplicate";
    /// An unknown store.
    STORE_NOT_FOUND = "store.not_found";
    /// A store code already taken.
    STORE_DUPLICATE = "store.duplicate";
    /// A till code already taken in its store.
    TILL_DUPLICATE = "till.duplicate";
    /// A price list that is not UTF-8 text or holds no product line.
    PRICE_LIST_UNREADABLE = "price_list.unreadable";
    /// A price list applied while some of its lines are invalid.
    PRICE_LIST_INVALID = "price_list.invalid";

    // Customers.
    /// An unknown customer.
    CUSTOMER_NOT_FOUND = "customer.not_found";
    /// A customer whose personal data was erased.
    CUSTOMER_ERASED = "customer.erased";
    /// A phone number that does not parse.
    PHONE_INVALID = "phone.invalid";
    /// A level filter of the customer list that names no level.
    CUSTOMER_LEVEL_INVALID = "customer.level_invalid";

    // Catalogue.
    /// An unknown product.
    PRODUCT_NOT_FOUND = "product.not_found";
    /// A SKU or barcode already taken.
    PRODUCT_DUPLICATE = "product.duplicate";

    // Checkout and sales.
    /// An empty basket.
    SALE_EMPTY = "sale.empty";
    /// More lines than a basket may hold.
    SALE_TOO_MANY_LINES = "sale.too_many_lines";
    /// A quantity out of range.
    SALE_QUANTITY_INVALID = "sale.quantity_invalid";
    /// A line naming its product by neither or both of id and barcode.
    SALE_LINE_INVALID = "sale.line_invalid";
    /// A negative price.
    SALE_PRICE_INVALID = "sale.price_invalid";
    /// A VAT rate out of range.
    SALE_VAT_RATE_INVALID = "sale.vat_rate_invalid";
    /// A loyalty percentage out of range.
    SALE_LOYALTY_PERCENT_INVALID = "sale.loyalty_percent_invalid";
    /// A negative coupon amount.
    SALE_COUPON_AMOUNT_INVALID = "sale.coupon_amount_invalid";
    /// A coupon line that is not in the basket.
    SALE_COUPON_LINE_INVALID = "sale.coupon_line_invalid";
    /// A coupon that covers no line of the basket.
    SALE_COUPON_NO_ELIGIBLE_LINE = "sale.coupon_no_eligible_line";
    /// A total beyond what the till can record.
    SALE_AMOUNT_TOO_LARGE = "sale.amount_too_large";
    /// An unknown sale.
    SALE_NOT_FOUND = "sale.not_found";
    /// A sale already refunded or cancelled.
    SALE_ALREADY_REVERSED = "sale.already_reversed";
    /// A refund asked by a cashier.
    SALE_REFUND_NEEDS_MANAGER = "sale.refund_needs_manager";
    /// A cancellation after the day of the sale.
    SALE_CANCEL_TOO_LATE = "sale.cancel_too_late";
    /// An unknown or closed till.
    TILL_NOT_FOUND = "till.not_found";
    /// A payment amount that is not positive.
    PAYMENT_AMOUNT_INVALID = "payment.amount_invalid";
    /// Payments below the total.
    PAYMENT_INSUFFICIENT = "payment.insufficient";
    /// Change asked on a card or mobile-money payment.
    PAYMENT_NON_CASH_OVERPAYMENT = "payment.non_cash_overpayment";
    /// An unknown payment method.
    PAYMENT_METHOD_INVALID = "payment.method_invalid";
    /// A checkout without its Idempotency-Key header.
    IDEMPOTENCY_KEY_REQUIRED = "idempotency.key_required";
    /// An Idempotency-Key that is empty or longer than 100 characters.
    IDEMPOTENCY_INVALID_KEY = "idempotency.invalid_key";
    /// An Idempotency-Key already used for another basket.
    IDEMPOTENCY_CONFLICT = "idempotency.conflict";
    /// A sales-history period that does not resolve.
    PERIOD_INVALID = "period.invalid";

    // Coupons at the till (the refusals of `coupon::CouponRefusal`).
    /// An unknown coupon code.
    COUPON_NOT_FOUND = "coupon.not_found";
    /// A deactivated coupon.
    COUPON_INACTIVE = "coupon.inactive";
    /// A coupon not valid today.
    COUPON_OUT_OF_DATES = "coupon.out_of_dates";
    /// A coupon used as often as it may be.
    COUPON_GLOBAL_CAP_REACHED = "coupon.global_cap_reached";
    /// A coupon this customer used as often as they may.
    COUPON_CUSTOMER_CAP_REACHED = "coupon.customer_cap_reached";
    /// A basket below the coupon's minimum.
    COUPON_BASKET_BELOW_MINIMUM = "coupon.basket_below_minimum";
    /// A coupon for a higher loyalty level.
    COUPON_LEVEL_TOO_LOW = "coupon.level_too_low";
    /// A personal coupon presented for another customer.
    COUPON_WRONG_CUSTOMER = "coupon.wrong_customer";
    /// A coupon that covers no line of the basket.
    COUPON_NO_ELIGIBLE_LINE = "coupon.no_eligible_line";
    /// A coupon that does not add to the loyalty discount.
    COUPON_NO_STACKING = "coupon.no_stacking";

    // Coupons in the back office (`coupon::CouponDefinitionError` and the form).
    /// A chosen code that is not 3 to 32 letters, digits or dashes.
    COUPON_CODE_INVALID = "coupon.code_invalid";
    /// A chosen code for a kind that gets generated codes.
    COUPON_CODE_NOT_ALLOWED = "coupon.code_not_allowed";
    /// A chosen code already taken.
    COUPON_CODE_TAKEN = "coupon.code_taken";
    /// A discount value out of range.
    COUPON_VALUE_INVALID = "coupon.value_invalid";
    /// An end date before the start date.
    COUPON_DATES_INVALID = "coupon.dates_invalid";
    /// A use cap below 1.
    COUPON_CAP_INVALID = "coupon.cap_invalid";
    /// A negative minimum basket.
    COUPON_MIN_BASKET_INVALID = "coupon.min_basket_invalid";
    /// A personal coupon without customer, or a generic one with one.
    COUPON_CUSTOMER_MISMATCH = "coupon.customer_mismatch";
    /// An unknown coupon kind.
    COUPON_KIND_INVALID = "coupon.kind_invalid";
    /// An unknown discount kind.
    COUPON_DISCOUNT_KIND_INVALID = "coupon.discount_kind_invalid";
    /// An unknown loyalty level.
    COUPON_LEVEL_INVALID = "coupon.level_invalid";
    /// An unknown product category.
    COUPON_CATEGORY_INVALID = "coupon.category_invalid";
    /// An unknown coupon status.
    COUPON_STATUS_INVALID = "coupon.status_invalid";
    /// A missing or too long description.
    COUPON_DESCRIPTION_INVALID = "coupon.description_invalid";

    // Loyalty.
    /// A loyalty policy that breaks a rule (`LoyaltyPolicy::validate`); the problem
    /// names the field.
    LOYALTY_POLICY_INVALID = "loyalty.policy_invalid";

    // Background jobs.
    /// An unknown job.
    JOB_NOT_FOUND = "job.not_found";
    /// A job of the same kind is already running.
    JOB_ALREADY_RUNNING = "job.already_running";

    // Loyalty.
    /// An unknown loyalty analysis (or a job that is no loyalty analysis).
    LOYALTY_ANALYSIS_NOT_FOUND = "loyalty.analysis_not_found";
    // KPI dashboard (the period's problems are `period.invalid`).
    /// A segment that is not a loyalty level.
    KPI_SEGMENT_INVALID = "kpi.segment_invalid";
    /// An export format other than csv and xlsx.
    KPI_FORMAT_INVALID = "kpi.format_invalid";

    // Webhooks.
    /// An unknown (or deleted) webhook endpoint.
    WEBHOOK_NOT_FOUND = "webhook.not_found";
    /// An unknown webhook delivery (or one of a deleted endpoint).
    WEBHOOK_DELIVERY_NOT_FOUND = "webhook.delivery_not_found";
    /// A webhook address that is not an absolute http(s) URL.
    WEBHOOK_URL_INVALID = "webhook.url_invalid";
    /// An event type that does not exist, or none at all.
    WEBHOOK_EVENT_UNKNOWN = "webhook.event_unknown";
}

/// The `code` of one invalid field in a `validation.failed` problem.
pub mod field {
    /// Missing, malformed or out of range.
    pub const INVALID: &str = "invalid";
    /// Longer than allowed.
    pub const TOO_LONG: &str = "too_long";
    /// A date that has not come yet.
    pub const IN_FUTURE: &str = "in_future";
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn codes_are_unique_and_dotted_lowercase() {
        let unique: BTreeSet<_> = ALL.iter().collect();
        assert_eq!(unique.len(), ALL.len(), "a code is declared twice");
        for code in ALL {
            assert!(
                code.bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_' || b == b'.'),
                "{code}: lowercase words, underscores and dots only"
            );
        }
    }
}
