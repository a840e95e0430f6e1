//! Webhooks: the events an integrator can subscribe to, and the states of a delivery.
//! The store keeps them in `outbox_events.kind`, `webhook_endpoints.events` and
//! `webhook_deliveries.status` under these names; the API sends the same names.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What happened. Sent as the payload's `type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum EventType {
    /// A checkout was recorded.
    #[serde(rename = "sale.completed")]
    SaleCompleted,
    /// A sale was refunded or cancelled.
    #[serde(rename = "sale.refunded")]
    SaleRefunded,
    /// A customer was registered.
    #[serde(rename = "customer.created")]
    CustomerCreated,
    /// A loyalty analysis moved a customer to another level.
    #[serde(rename = "customer.level_changed")]
    CustomerLevelChanged,
    /// A coupon was used at checkout.
    #[serde(rename = "coupon.redeemed")]
    CouponRedeemed,
    /// A loyalty analysis (apply or dry run) ended.
    #[serde(rename = "loyalty.analysis.finished")]
    LoyaltyAnalysisFinished,
}

impl EventType {
    /// Every event type, in the order screens list them.
    pub const ALL: [EventType; 6] = [
        EventType::SaleCompleted,
        EventType::SaleRefunded,
        EventType::CustomerCreated,
        EventType::CustomerLevelChanged,
        EventType::CouponRedeemed,
        EventType::LoyaltyAnalysisFinished,
    ];

    /// The stored and sent name (`sale.completed`).
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::SaleCompleted => "sale.completed",
            EventType::SaleRefunded => "sale.refunded",
            EventType::CustomerCreated => "customer.created",
            EventType::CustomerLevelChanged => "customer.level_changed",
            EventType::CouponRedeemed => "coupon.redeemed",
            EventType::LoyaltyAnalysisFinished => "loyalty.analysis.finished",
        }
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is no event type.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("type d'événement inconnu : {0}")]
pub struct UnknownEvent(pub String);

impl FromStr for EventType {
    type Err = UnknownEvent;
    fn from_str(s: &str) -> Result<EventType, UnknownEvent> {
        EventType::ALL
            .into_iter()
            .find(|e| e.as_str() == s)
            .ok_or_else(|| UnknownEvent(s.to_owned()))
    }
}

/// Where a delivery of one event to one endpoint is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeliveryStatus {
    /// Not yet accepted by the receiver: an attempt is due or will be retried.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Every retry of the 24 hours failed (a redeliver tries again).
    Failed,
}

impl DeliveryStatus {
    /// The stored and sent name (`PENDING`).
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "PENDING",
            DeliveryStatus::Delivered => "DELIVERED",
            DeliveryStatus::Failed => "FAILED",
        }
    }
}

impl FromStr for DeliveryStatus {
    type Err = UnknownEvent;
    fn from_str(s: &str) -> Result<DeliveryStatus, UnknownEvent> {
        [
            DeliveryStatus::Pending,
            DeliveryStatus::Delivered,
            DeliveryStatus::Failed,
        ]
        .into_iter()
        .find(|d| d.as_str() == s)
        .ok_or_else(|| UnknownEvent(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        for kind in EventType::ALL {
            assert_eq!(kind.as_str().parse::<EventType>(), Ok(kind));
            assert_eq!(
                serde_json::to_string(&kind).ok(),
                Some(format!("\"{}\"", kind.as_str()))
            );
        }
        assert!("sale.unknown".parse::<EventType>().is_err());
        assert_eq!(
            "FAILED".parse::<DeliveryStatus>(),
            Ok(DeliveryStatus::Failed)
        );
    }
}
