//! Where the sale being validated stands, as a pure state machine the till drives and the
//! host tests check.
//!
//! Why it exists: a checkout whose answer is lost may have been recorded. Until the server
//! says what became of its `Idempotency-Key` (`GET /sales/by-key/{key}`), the basket is
//! locked and the key kept, so that no edit and no second F9 can ever record the same
//! sale twice. Only a sale the server never saw (404) opens the basket again, still
//! under the same key while its body does not change.

/// A checkout as sent: its `Idempotency-Key` and the exact JSON body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempt {
    /// The `Idempotency-Key`.
    pub key: String,
    /// The request body, serialised.
    pub body: String,
}

/// The validation of the current basket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Submission {
    /// The basket may change. `last` is an attempt the server never recorded: sent
    /// again with the same body, it keeps its key.
    Open {
        /// The last attempt, if the server never recorded it.
        last: Option<Attempt>,
    },
    /// Sent; the answer has not come yet.
    Sending(Attempt),
    /// Sent, and the answer was lost: the server may have recorded it. Locked.
    Unconfirmed(Attempt),
    /// Asking the server what became of the key. Locked.
    Checking(Attempt),
    /// Recorded: the receipt is shown.
    Recorded,
}

/// What came back from `POST /sales`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SaleAnswer {
    /// The receipt.
    Recorded,
    /// A refusal the server gave before recording anything (4xx).
    Refused,
    /// No usable answer (network error, time-out, 5xx, unreadable body).
    Lost,
}

/// What came back from `GET /sales/by-key/{key}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyAnswer {
    /// A sale exists under the key: its receipt.
    Found,
    /// 404: the server never recorded it.
    NotFound,
    /// No usable answer.
    Lost,
}

impl Default for Submission {
    fn default() -> Submission {
        Submission::Open { last: None }
    }
}

impl Submission {
    /// Whether the basket, payments, coupon and customer must stay as they are.
    pub fn locked(&self) -> bool {
        !matches!(self, Submission::Open { .. })
    }

    /// Whether a request is on its way.
    pub fn busy(&self) -> bool {
        matches!(self, Submission::Sending(_) | Submission::Checking(_))
    }

    /// F9 on an open basket whose body is `body`: the attempt to send (the last key
    /// again for the same body, `new_key` otherwise). `None` when not open.
    pub fn send(&mut self, body: String, new_key: impl FnOnce() -> String) -> Option<Attempt> {
        let Submission::Open { last } = self else {
            return None;
        };
        let attempt = match last.take() {
            Some(last) if last.body == body => last,
            _ => Attempt {
                key: new_key(),
                body,
            },
        };
        *self = Submission::Sending(attempt.clone());
        Some(attempt)
    }

    /// The answer to the checkout.
    pub fn answered(&mut self, answer: SaleAnswer) {
        let Submission::Sending(attempt) = self else {
            return;
        };
        let attempt = attempt.clone();
        *self = match answer {
            SaleAnswer::Recorded => Submission::Recorded,
            SaleAnswer::Refused => Submission::Open {
                last: Some(attempt),
            },
            SaleAnswer::Lost => Submission::Unconfirmed(attempt),
        };
    }

    /// Starts asking the server about the unconfirmed attempt: the key to ask about.
    pub fn check(&mut self) -> Option<String> {
        let Submission::Unconfirmed(attempt) = self else {
            return None;
        };
        let key = attempt.key.clone();
        *self = Submission::Checking(attempt.clone());
        Some(key)
    }

    /// The server's answer about the key.
    pub fn checked(&mut self, answer: KeyAnswer) {
        let Submission::Checking(attempt) = self else {
            return;
        };
        let attempt = attempt.clone();
        *self = match answer {
            KeyAnswer::Found => Submission::Recorded,
            KeyAnswer::NotFound => Submission::Open {
                last: Some(attempt),
            },
            KeyAnswer::Lost => Submission::Unconfirmed(attempt),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sent(body: &str, key: &str) -> Submission {
        let mut s = Submission::default();
        s.send(body.into(), || key.into()).unwrap();
        s
    }

    #[test]
    fn a_lost_answer_locks_the_basket_until_the_server_says() {
        let mut s = sent("basket", "k1");
        assert!(s.busy() && s.locked());
        s.answered(SaleAnswer::Lost);
        assert!(s.locked() && !s.busy());
        // F9 while locked never sends: it asks about the key.
        assert_eq!(s.send("basket".into(), || "k2".into()), None);
        assert_eq!(s.check().as_deref(), Some("k1"));
        s.checked(KeyAnswer::Lost);
        assert!(s.locked(), "still unknown: still locked");
        assert_eq!(s.check().as_deref(), Some("k1"));
        s.checked(KeyAnswer::Found);
        assert_eq!(s, Submission::Recorded);
    }

    #[test]
    fn a_sale_the_server_never_saw_opens_again_under_the_same_key() {
        let mut s = sent("basket", "k1");
        s.answered(SaleAnswer::Lost);
        s.check();
        s.checked(KeyAnswer::NotFound);
        assert!(!s.locked());
        let again = s.send("basket".into(), || "k2".into()).unwrap();
        assert_eq!(again.key, "k1", "same body, same key");
        s.answered(SaleAnswer::Refused);
        let changed = s.send("bigger basket".into(), || "k3".into()).unwrap();
        assert_eq!(changed.key, "k3", "another basket, another key");
    }

    #[test]
    fn a_refusal_or_a_receipt_ends_the_attempt() {
        let mut s = sent("basket", "k1");
        s.answered(SaleAnswer::Refused);
        assert_eq!(
            s,
            Submission::Open {
                last: Some(Attempt {
                    key: "k1".into(),
                    body: "basket".into()
                })
            },
            "refused before anything was recorded: open, same key for the same basket"
        );
        s.send("basket".into(), || "k2".into());
        s.answered(SaleAnswer::Recorded);
        assert_eq!(s, Submission::Recorded);
        assert!(s.locked(), "the receipt is on screen");
        // Late answers about another state change nothing.
        s.checked(KeyAnswer::NotFound);
        s.answered(SaleAnswer::Lost);
        assert_eq!(s, Submission::Recorded);
    }
}
