//! The policy form as text (what the admin types) and its reading into a
//! [`LoyaltyPolicy`], plain Rust (host-tested). What a policy may be is decided by
//! [`LoyaltyPolicy::validate`] alone — the server runs the same function — so this
//! module only reads numbers and says which fields a refusal concerns.

use crm_domain::loyalty::{LoyaltyPolicy, PolicyError};
use crm_domain::money::group_thousands;
use rust_decimal::Decimal;

use crate::format::{parse_amount, trim_decimal};
use crate::i18n::{lookup, text, Lang};

/// One field of the form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Frequency,
    Regularity,
    Recency,
    Amount,
    SilverThreshold,
    GoldThreshold,
    VipThreshold,
    SilverDiscount,
    GoldDiscount,
    VipDiscount,
    SilverCoupon,
    GoldCoupon,
    VipCoupon,
    CouponValidity,
    CouponMinBasket,
    SoftLanding,
}

/// What a field holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// 0–255 (points, score thresholds).
    Small,
    /// A percent, decimals allowed (`2,5`).
    Percent,
    /// Days, 0–65 535.
    Days,
    /// FCFA (`10 000`).
    Amount,
}

impl Field {
    /// Every field, in the form's order.
    pub const ALL: [Field; 16] = [
        Field::Frequency,
        Field::Regularity,
        Field::Recency,
        Field::Amount,
        Field::SilverThreshold,
        Field::GoldThreshold,
        Field::VipThreshold,
        Field::SilverDiscount,
        Field::GoldDiscount,
        Field::VipDiscount,
        Field::SilverCoupon,
        Field::GoldCoupon,
        Field::VipCoupon,
        Field::CouponValidity,
        Field::CouponMinBasket,
        Field::SoftLanding,
    ];

    /// Its place in [`PolicyText`].
    fn index(self) -> usize {
        self as usize
    }

    /// The JSON field, as the API and [`PolicyError::field`] spell it.
    pub fn api_name(self) -> &'static str {
        match self {
            Field::Frequency => "points.frequency",
            Field::Regularity => "points.regularity",
            Field::Recency => "points.recency",
            Field::Amount => "points.amount",
            Field::SilverThreshold => "thresholds.silver",
            Field::GoldThreshold => "thresholds.gold",
            Field::VipThreshold => "thresholds.vip",
            Field::SilverDiscount => "discount_percent.silver",
            Field::GoldDiscount => "discount_percent.gold",
            Field::VipDiscount => "discount_percent.vip",
            Field::SilverCoupon => "congratulation_percent.silver",
            Field::GoldCoupon => "congratulation_percent.gold",
            Field::VipCoupon => "congratulation_percent.vip",
            Field::CouponValidity => "congratulation_validity_days",
            Field::CouponMinBasket => "congratulation_min_basket",
            Field::SoftLanding => "soft_landing_days",
        }
    }

    /// The input's element id (`policy-discount_percent-gold`).
    pub fn element_id(self) -> String {
        format!("policy-{}", self.api_name().replace('.', "-"))
    }

    /// Whether a refusal of `field` (`thresholds`, `thresholds.vip`, `points`…) is about
    /// this one.
    pub fn concerned_by(self, field: &str) -> bool {
        let name = self.api_name();
        name == field
            || name
                .strip_prefix(field)
                .is_some_and(|rest| rest.starts_with('.'))
    }

    fn kind(self) -> Kind {
        match self {
            Field::Frequency
            | Field::Regularity
            | Field::Recency
            | Field::Amount
            | Field::SilverThreshold
            | Field::GoldThreshold
            | Field::VipThreshold => Kind::Small,
            Field::SilverDiscount
            | Field::GoldDiscount
            | Field::VipDiscount
            | Field::SilverCoupon
            | Field::GoldCoupon
            | Field::VipCoupon => Kind::Percent,
            Field::CouponValidity | Field::SoftLanding => Kind::Days,
            Field::CouponMinBasket => Kind::Amount,
        }
    }

    /// The string key of its label.
    pub fn label_key(self) -> &'static str {
        match self {
            Field::Frequency => "loyalty.policy.frequency",
            Field::Regularity => "loyalty.policy.regularity",
            Field::Recency => "loyalty.policy.recency",
            Field::Amount => "loyalty.policy.amount",
            Field::SilverThreshold | Field::SilverDiscount | Field::SilverCoupon => "level.SILVER",
            Field::GoldThreshold | Field::GoldDiscount | Field::GoldCoupon => "level.GOLD",
            Field::VipThreshold | Field::VipDiscount | Field::VipCoupon => "level.VIP",
            Field::CouponValidity => "loyalty.policy.validity",
            Field::CouponMinBasket => "loyalty.policy.min_basket",
            Field::SoftLanding => "loyalty.policy.soft_landing",
        }
    }

    /// The string key of the group it belongs to (said with its label in messages).
    pub fn group_key(self) -> &'static str {
        match self {
            Field::Frequency | Field::Regularity | Field::Recency | Field::Amount => {
                "loyalty.policy.points"
            }
            Field::SilverThreshold | Field::GoldThreshold | Field::VipThreshold => {
                "loyalty.policy.thresholds"
            }
            Field::SilverDiscount | Field::GoldDiscount | Field::VipDiscount => {
                "loyalty.policy.discounts"
            }
            Field::SilverCoupon
            | Field::GoldCoupon
            | Field::VipCoupon
            | Field::CouponValidity
            | Field::CouponMinBasket => "loyalty.policy.coupons",
            Field::SoftLanding => "loyalty.policy.demotion",
        }
    }
}

/// The form's text, one entry per [`Field`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyText {
    values: [String; Field::ALL.len()],
}

/// Why the form cannot be saved as it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PolicyProblem {
    /// A field that is no number of its kind.
    Unreadable(Field),
    /// A policy the domain refuses.
    Refused(PolicyError),
}

impl PolicyProblem {
    /// Whether `field` is one the problem is about (its input is marked invalid).
    pub fn concerns(&self, field: Field) -> bool {
        match self {
            PolicyProblem::Unreadable(f) => *f == field,
            PolicyProblem::Refused(e) => field.concerned_by(e.field),
        }
    }

    /// What to say. A refusal is the domain's French sentence; in English, the text of
    /// its field (the domain speaks French only).
    pub fn message(&self, lang: Lang) -> String {
        match self {
            PolicyProblem::Unreadable(field) => {
                let expected = match field.kind() {
                    Kind::Percent => "loyalty.policy.expect_percent",
                    Kind::Amount => "loyalty.policy.expect_amount",
                    Kind::Small | Kind::Days => "loyalty.policy.expect_whole",
                };
                format!(
                    "{} · {} : {}",
                    text(lang, field.group_key()),
                    text(lang, field.label_key()),
                    text(lang, expected)
                )
            }
            PolicyProblem::Refused(e) => match lang {
                Lang::Fr => capitalised(&e.message),
                Lang::En => lookup(lang, &format!("loyalty.policy.refused.{}", e.field))
                    .map(str::to_owned)
                    .unwrap_or_else(|| e.message.clone()),
            },
        }
    }
}

fn capitalised(sentence: &str) -> String {
    let mut chars = sentence.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

fn small(text: &str) -> Option<u8> {
    text.trim().parse().ok()
}

fn days(text: &str) -> Option<u16> {
    text.trim().parse().ok()
}

/// `2,5`, `2.5`, `3 %` → 2.5; a sign or anything else is unreadable.
fn percent(text: &str) -> Option<Decimal> {
    let t = text.trim().trim_end_matches('%').trim().replace(',', ".");
    if t.is_empty() || !t.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return None;
    }
    t.parse::<Decimal>().ok().map(|d| d.normalize())
}

fn percent_text(value: Decimal) -> String {
    trim_decimal(&value.normalize().to_string())
}

impl PolicyText {
    /// The text of `policy`, as the form shows it.
    pub fn of(policy: &LoyaltyPolicy) -> PolicyText {
        let p = policy;
        let values = Field::ALL.map(|field| match field {
            Field::Frequency => p.points.frequency.to_string(),
            Field::Regularity => p.points.regularity.to_string(),
            Field::Recency => p.points.recency.to_string(),
            Field::Amount => p.points.amount.to_string(),
            Field::SilverThreshold => p.thresholds.silver.to_string(),
            Field::GoldThreshold => p.thresholds.gold.to_string(),
            Field::VipThreshold => p.thresholds.vip.to_string(),
            Field::SilverDiscount => percent_text(p.discount_percent.silver),
            Field::GoldDiscount => percent_text(p.discount_percent.gold),
            Field::VipDiscount => percent_text(p.discount_percent.vip),
            Field::SilverCoupon => percent_text(p.congratulation_percent.silver),
            Field::GoldCoupon => percent_text(p.congratulation_percent.gold),
            Field::VipCoupon => percent_text(p.congratulation_percent.vip),
            Field::CouponValidity => p.congratulation_validity_days.to_string(),
            Field::CouponMinBasket => group_thousands(p.congratulation_min_basket),
            Field::SoftLanding => p.soft_landing_days.to_string(),
        });
        PolicyText { values }
    }

    /// The text of `field` (every field has its place: `text_follows_each_field`).
    pub fn get(&self, field: Field) -> &str {
        self.values.get(field.index()).map_or("", String::as_str)
    }

    /// Replaces the text of `field`.
    pub fn set(&mut self, field: Field, value: String) {
        if let Some(slot) = self.values.get_mut(field.index()) {
            *slot = value;
        }
    }

    /// The four criteria's points added up, while each reads as a number.
    pub fn points_total(&self) -> Option<u32> {
        [
            Field::Frequency,
            Field::Regularity,
            Field::Recency,
            Field::Amount,
        ]
        .into_iter()
        .map(|f| small(self.get(f)).map(u32::from))
        .sum()
    }

    /// The policy typed, checked by [`LoyaltyPolicy::validate`]; the first problem found.
    pub fn read(&self) -> Result<LoyaltyPolicy, PolicyProblem> {
        let unreadable = PolicyProblem::Unreadable;
        let small = |f: Field| small(self.get(f)).ok_or(unreadable(f));
        let percent = |f: Field| percent(self.get(f)).ok_or(unreadable(f));
        let days = |f: Field| days(self.get(f)).ok_or(unreadable(f));
        let mut policy = LoyaltyPolicy::default();
        policy.points.frequency = small(Field::Frequency)?;
        policy.points.regularity = small(Field::Regularity)?;
        policy.points.recency = small(Field::Recency)?;
        policy.points.amount = small(Field::Amount)?;
        policy.thresholds.silver = small(Field::SilverThreshold)?;
        policy.thresholds.gold = small(Field::GoldThreshold)?;
        policy.thresholds.vip = small(Field::VipThreshold)?;
        policy.discount_percent.silver = percent(Field::SilverDiscount)?;
        policy.discount_percent.gold = percent(Field::GoldDiscount)?;
        policy.discount_percent.vip = percent(Field::VipDiscount)?;
        policy.congratulation_percent.silver = percent(Field::SilverCoupon)?;
        policy.congratulation_percent.gold = percent(Field::GoldCoupon)?;
        policy.congratulation_percent.vip = percent(Field::VipCoupon)?;
        policy.congratulation_validity_days = days(Field::CouponValidity)?;
        policy.congratulation_min_basket = parse_amount(self.get(Field::CouponMinBasket))
            .ok_or(unreadable(Field::CouponMinBasket))?;
        policy.soft_landing_days = days(Field::SoftLanding)?;
        policy.validate().map_err(PolicyProblem::Refused)?;
        Ok(policy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_policy_reads_back_as_it_is_shown() {
        let spec = LoyaltyPolicy::default();
        let text = PolicyText::of(&spec);
        assert_eq!(text.get(Field::VipDiscount), "10");
        assert_eq!(text.get(Field::CouponMinBasket), "10\u{202f}000");
        assert_eq!(text.points_total(), Some(100));
        assert_eq!(text.read(), Ok(spec));
    }

    #[test]
    fn text_follows_each_field() {
        let mut text = PolicyText::of(&LoyaltyPolicy::default());
        for (n, field) in Field::ALL.into_iter().enumerate() {
            text.set(field, format!("#{n}"));
        }
        for (n, field) in Field::ALL.into_iter().enumerate() {
            assert_eq!(text.get(field), format!("#{n}"), "{field:?}");
        }
    }

    #[test]
    fn decimals_are_typed_with_a_comma() {
        let mut policy = LoyaltyPolicy::default();
        policy.discount_percent.gold = Decimal::new(250, 2);
        let mut text = PolicyText::of(&policy);
        assert_eq!(text.get(Field::GoldDiscount), "2,5");
        text.set(Field::GoldDiscount, "7,5 %".into());
        text.set(Field::CouponMinBasket, "15 000".into());
        let read = text.read().unwrap();
        assert_eq!(read.discount_percent.gold, Decimal::new(75, 1));
        assert_eq!(read.congratulation_min_basket, 15_000);
    }

    #[test]
    fn what_is_no_number_names_its_field() {
        let mut text = PolicyText::of(&LoyaltyPolicy::default());
        text.set(Field::Recency, "vingt".into());
        assert_eq!(text.points_total(), None);
        let problem = text.read().unwrap_err();
        assert_eq!(problem, PolicyProblem::Unreadable(Field::Recency));
        assert!(problem.concerns(Field::Recency) && !problem.concerns(Field::Amount));
        assert!(problem.message(Lang::Fr).contains("nombre entier"));
        let mut text = PolicyText::of(&LoyaltyPolicy::default());
        text.set(Field::VipDiscount, "-5".into());
        assert_eq!(
            text.read(),
            Err(PolicyProblem::Unreadable(Field::VipDiscount))
        );
    }

    #[test]
    fn refusals_are_the_domains_and_mark_their_fields() {
        let mut text = PolicyText::of(&LoyaltyPolicy::default());
        text.set(Field::Amount, "15".into());
        assert_eq!(text.points_total(), Some(105));
        let problem = text.read().unwrap_err();
        let PolicyProblem::Refused(e) = &problem else {
            panic!("{problem:?}");
        };
        assert_eq!(e.field, "points");
        assert!(problem.concerns(Field::Frequency) && problem.concerns(Field::Amount));
        assert!(!problem.concerns(Field::SilverThreshold));
        assert!(problem
            .message(Lang::Fr)
            .starts_with("Les points des quatre critères"));
        assert!(problem.message(Lang::En).contains("100"));

        let mut text = PolicyText::of(&LoyaltyPolicy::default());
        text.set(Field::GoldThreshold, "20".into());
        let problem = text.read().unwrap_err();
        assert!(problem.concerns(Field::GoldThreshold) && problem.concerns(Field::VipThreshold));
        assert!(!problem.concerns(Field::GoldDiscount));
    }

    #[test]
    fn every_refusal_has_an_english_text() {
        let fields = [
            "points",
            "thresholds",
            "thresholds.silver",
            "thresholds.vip",
            "discount_percent",
            "congratulation_percent",
            "congratulation_validity_days",
            "congratulation_min_basket",
            "soft_landing_days",
        ];
        for field in fields {
            assert!(
                lookup(Lang::En, &format!("loyalty.policy.refused.{field}")).is_some(),
                "{field}"
            );
        }
    }
}
