//! `crm demo --sales N`: a year of the demo store that gives every KPI something to show
//! (SPEC §5). Three passes:
//!
//! 1. The ring-ups: `N` sales over the last 365 days (more on Saturdays), 70 % of them to
//!    identified customers, 1 % refunded, a monthly promo code (`PROMO-2026-03`: 5 % from
//!    10 000 FCFA, once per customer) used in about one identified sale in ten that
//!    reaches its minimum — priced with the real rules (`crm_domain::sale`,
//!    `crm_domain::coupon::evaluate`), bulk-loaded.
//! 2. The month ends: one applied loyalty analysis as at the last day of each month of
//!    the year, with congratulation coupons — exactly what ops' nightly job would have
//!    done, since an analysis as at a day reads only the sales up to it. Levels move,
//!    `level_changes` fills and the KPI "customers per level over time" has a history.
//! 3. The congratulations spent: about 40 % of those coupons are used, each in one more
//!    sale of its holder within its validity (up to yesterday).
//!
//! Then the customers' spend, visits and points, the ticket counters and the roll-ups are
//! rebuilt from the sales. Deterministic: the same `N` on the same database gives the
//! same year.

use super::{progress, seed_catalogue, DEMO_USERS};
use crate::startup::AppState;
use anyhow::Context;
use chrono::{Datelike, Days, NaiveDate, Utc};
use crm_api_types::loyalty::StartAnalysis;
use crm_domain::coupon::{
    self, Coupon, CouponKind, CouponStatus, CouponUsage, DiscountKind, Redemption,
};
use crm_domain::loyalty::LoyaltyPolicy;
use crm_domain::sale::{self, CouponDiscount, Payment, PaymentMethod, SaleLine, SaleStatus};
use crm_domain::{Level, Money, Role};
use crm_store::demo::{GeneratedRedemption, GeneratedSale};
use crm_store::products::Product;
use crm_store::sales::{NewSale, SaleHeader};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Sales a cashier rings up on a busy day: the generator hires enough cashiers for it.
const SALES_PER_CASHIER_DAY: u64 = 400;

/// Sales loaded per statement batch.
const LOAD_BATCH: usize = 10_000;

/// One identified sale in this many that reaches the month's promo minimum uses it.
const PROMO_ONE_IN: u32 = 10;

/// Percent of the congratulation coupons their holders spend.
const CONGRATULATIONS_SPENT_PERCENT: u32 = 40;

/// The monthly promo: its percent and minimum basket.
const PROMO_PERCENT: i64 = 5;
const PROMO_MIN_BASKET: i64 = 10_000;

/// Adds `count` sales over the last year and the history around them (the module's
/// three passes), reporting progress on stderr.
pub async fn generate_sales(state: &AppState, count: u64) -> anyhow::Result<()> {
    if count == 0 {
        return Ok(());
    }
    let till = Till::open(state, count).await?;
    let customers = crm_store::demo::customer_levels(&state.db).await?;
    let mut rng = StdRng::seed_from_u64(20_261_124);
    let today = Utc::now().date_naive();
    // The year up to yesterday: no sale is dated later than now.
    let days: Vec<NaiveDate> = (1..=365).rev().map(|d| today - Days::new(d)).collect();
    let mut promos = Promos::open(state, &days).await?;
    let mut next_id = crm_store::demo::next_sale_id(&state.db).await?;
    let mut tickets = Tickets::default();
    let mut uses = Vec::new();

    let rebuild = crm_store::demo::suspend_sales_indexes(&state.db).await?;
    // Whatever happens, the indexes come back.
    let loaded: anyhow::Result<()> = async {
        let started = std::time::Instant::now();
        let (mut done, mut batch) = (0u64, Vec::with_capacity(LOAD_BATCH));
        for (day, share) in daily_shares(&days, count) {
            let mut seconds: Vec<u32> = (0..share)
                .map(|_| rng.gen_range(8 * 3600..21 * 3600))
                .collect();
            seconds.sort_unstable();
            for second in seconds {
                let customer = (rng.gen_range(0..10) < 7 && !customers.is_empty())
                    .then(|| customers.get(rng.gen_range(0..customers.len())).copied())
                    .flatten();
                let basket = till.basket(&mut rng)?;
                let promo = match customer {
                    Some(buyer) if rng.gen_range(0..PROMO_ONE_IN) == 0 => {
                        promos.offer(day, buyer, &basket, till.loyalty(Some(buyer)))
                    }
                    _ => None,
                };
                let sale = till.ring_up(
                    &mut rng,
                    &mut tickets,
                    Ring {
                        id: next_id,
                        day,
                        second,
                        customer,
                        basket: &basket,
                        coupon: promo.as_ref().map(|(_, d)| d),
                    },
                )?;
                if let Some((coupon_id, discount)) = promo {
                    uses.push(use_of(coupon_id, &sale, discount.amount));
                }
                batch.push(sale);
                next_id += 1;
                if batch.len() == LOAD_BATCH {
                    crm_store::demo::insert_sales(&state.db, &batch).await?;
                    done += batch.len() as u64;
                    batch.clear();
                    progress("Ventes", done, count, started);
                }
            }
        }
        crm_store::demo::insert_sales(&state.db, &batch).await?;
        done += batch.len() as u64;
        progress("Ventes", done, count, started);
        eprintln!();
        Ok(())
    }
    .await;
    eprintln!("Index…");
    crm_store::demo::restore_sales_indexes(&state.db, &rebuild).await?;
    loaded?;
    crm_store::demo::refresh_statistics(&state.db).await?;

    month_end_analyses(state, &days).await?;
    let spent = spend_congratulations(state, &till, &mut rng, &mut tickets, next_id).await?;
    uses.extend(spent);
    crm_store::demo::insert_redemptions(&state.db, &uses).await?;

    eprintln!("Totaux des clients et cumuls…");
    crm_store::demo::finish_sales_load(&state.db, till.shop.id, &tickets.last_per_day()).await?;
    crm_store::sales::rebuild_rollups(&state.db).await?;
    Ok(())
}

/// Each day's number of sales: `count` spread over `days`, Saturdays weighing double (a
/// believable weekly shape for the charts), with cumulative rounding so the shares add
/// up to `count` exactly.
fn daily_shares(days: &[NaiveDate], count: u64) -> Vec<(NaiveDate, u64)> {
    let weight = |d: &NaiveDate| {
        if d.weekday() == chrono::Weekday::Sat {
            2
        } else {
            1
        }
    };
    let total: u64 = days.iter().map(weight).sum();
    let mut so_far = 0;
    days.iter()
        .map(|day| {
            let share =
                count * (so_far + weight(day)) / total.max(1) - count * so_far / total.max(1);
            so_far += weight(day);
            (*day, share)
        })
        .collect()
}

/// The ticket sequence of each day (`TKT-<store>-<yyyymmdd>-<seq>`), continued by every
/// pass.
#[derive(Default)]
struct Tickets(BTreeMap<NaiveDate, u32>);

impl Tickets {
    fn next(&mut self, day: NaiveDate) -> u32 {
        let seq = self.0.entry(day).or_default();
        *seq += 1;
        *seq
    }

    /// The last ticket of each day, for the counters the till continues from.
    fn last_per_day(&self) -> Vec<(NaiveDate, u32)> {
        self.0.iter().map(|(day, last)| (*day, *last)).collect()
    }
}

/// A basket: the products picked and their lines, priced from the catalogue.
struct Basket<'a> {
    products: Vec<&'a Product>,
    lines: Vec<SaleLine>,
}

/// One sale to ring up.
struct Ring<'a> {
    id: i64,
    day: NaiveDate,
    /// Seconds after midnight (store time, UTC in Abidjan).
    second: u32,
    customer: Option<(i64, Level)>,
    basket: &'a Basket<'a>,
    coupon: Option<&'a CouponDiscount>,
}

/// The demo store's till: its store, staff and catalogue, and the policy in force.
struct Till {
    shop: crm_store::entities::store::Model,
    till_id: i64,
    cashiers: Vec<i64>,
    products: Vec<Product>,
    policy: LoyaltyPolicy,
}

impl Till {
    async fn open(state: &AppState, count: u64) -> anyhow::Result<Till> {
        seed_catalogue(state).await?;
        let shop = crm_store::stores::ensure(
            &state.db,
            "ABJ-PLATEAU",
            "Supermarché Plateau",
            "Abidjan",
            "Africa/Abidjan",
        )
        .await?;
        let (till, _) = crm_store::sales::till_and_store(&state.db, None)
            .await?
            .ok_or_else(|| anyhow::anyhow!("aucune caisse ouverte"))?;
        let cashiers = demo_cashiers(state, (count / 365 / SALES_PER_CASHIER_DAY).max(10)).await?;
        let (products, _) = crm_store::products::search(&state.db, None, true, 1, 1_000).await?;
        anyhow::ensure!(!products.is_empty(), "catalogue vide");
        Ok(Till {
            shop,
            till_id: till.id,
            cashiers,
            products,
            policy: crate::routes::loyalty::current_policy(state)
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.detail()))?,
        })
    }

    fn loyalty(&self, customer: Option<(i64, Level)>) -> rust_decimal::Decimal {
        customer
            .map(|(_, level)| self.policy.discount_percent(level))
            .unwrap_or_default()
    }

    /// One to five products, one to three of each.
    fn basket(&self, rng: &mut StdRng) -> anyhow::Result<Basket<'_>> {
        let products: Vec<&Product> = (0..rng.gen_range(1..=5))
            .filter_map(|_| self.products.get(rng.gen_range(0..self.products.len())))
            .collect();
        let lines = products
            .iter()
            .map(|p| {
                Ok(SaleLine {
                    product_id: p.id,
                    unit_price: Money::fcfa(p.price),
                    vat_rate_bp: u32::try_from(p.vat_rate_bp).unwrap_or(0),
                    category: crm_store::products::category_of(p)?,
                    quantity: rng.gen_range(1..=3),
                })
            })
            .collect::<Result<Vec<_>, crm_store::StoreError>>()?;
        Ok(Basket { products, lines })
    }

    /// The sale as the checkout would record it: priced with the customer's loyalty
    /// discount and the coupon's, paid (cash handed over rounded up to 500 FCFA, the rest
    /// exact), by one of the staff, refunded once in a hundred.
    fn ring_up(
        &self,
        rng: &mut StdRng,
        tickets: &mut Tickets,
        ring: Ring<'_>,
    ) -> anyhow::Result<GeneratedSale> {
        let loyalty = self.loyalty(ring.customer);
        let mut totals = sale::price_sale(&ring.basket.lines, loyalty, ring.coupon)?;
        let method = match rng.gen_range(0..100) {
            0..=59 => PaymentMethod::Especes,
            60..=74 => PaymentMethod::OrangeMoney,
            75..=84 => PaymentMethod::Carte,
            85..=92 => PaymentMethod::MtnMomo,
            93..=96 => PaymentMethod::Wave,
            _ => PaymentMethod::MoovMoney,
        };
        let tendered = if method.is_cash() {
            (totals.total.francs() + 499) / 500 * 500
        } else {
            totals.total.francs()
        };
        let payments = [Payment {
            method,
            amount: Money::fcfa(tendered.max(1)),
            reference: None,
        }];
        let settled = sale::settle(totals.total, &payments)?;
        (totals.paid, totals.change) = (settled.paid, settled.change);
        let created_at = ring.day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
            + chrono::Duration::seconds(i64::from(ring.second));
        let status = if rng.gen_range(0..100) == 0 {
            SaleStatus::Refunded
        } else {
            SaleStatus::Completed
        };
        let header = SaleHeader {
            store_id: self.shop.id,
            store_code: self.shop.code.clone(),
            till_id: self.till_id,
            cashier_id: *self
                .cashiers
                .get(rng.gen_range(0..self.cashiers.len()))
                .context("aucun caissier de démonstration")?,
            customer_id: ring.customer.map(|(id, _)| id),
            customer_level: ring.customer.map(|(_, level)| level),
            business_date: ring.day,
        };
        Ok(GeneratedSale {
            id: ring.id,
            ticket_number: sale::ticket_number(&self.shop.code, ring.day, tickets.next(ring.day)),
            status,
            created_at,
            sale: NewSale::from_totals(
                header,
                loyalty,
                &ring.basket.lines,
                ring.basket.products.iter().map(|p| p.cost),
                &payments,
                &totals,
            ),
        })
    }
}

/// The coupon use recorded with `sale`: released at once if the sale was refunded.
fn use_of(coupon_id: i64, sale: &GeneratedSale, amount: Money) -> GeneratedRedemption {
    GeneratedRedemption {
        coupon_id,
        customer_id: sale.sale.header.customer_id.unwrap_or_default(),
        sale_id: sale.id,
        amount: amount.francs(),
        at: sale.created_at,
        released_at: (sale.status == SaleStatus::Refunded).then_some(sale.created_at),
    }
}

/// The monthly promo codes of the year, one per calendar month, and who already used
/// which (once per customer).
struct Promos {
    /// (year, month) → the coupon's id and rules.
    by_month: HashMap<(i32, u32), (i64, Coupon)>,
    used: HashSet<(i64, i64)>,
}

impl Promos {
    /// The year's promo codes, created unless a previous `crm demo` did.
    async fn open(state: &AppState, days: &[NaiveDate]) -> anyhow::Result<Promos> {
        let mut by_month = HashMap::new();
        for day in days {
            let month = (day.year(), day.month());
            if by_month.contains_key(&month) {
                continue;
            }
            let first = day.with_day(1).context("premier du mois")?;
            let last = (first + chrono::Months::new(1)) - Days::new(1);
            let code = format!("PROMO-{}-{:02}", month.0, month.1);
            let row = match crm_store::coupons::find_with_usage(&state.db, &code, None).await? {
                Some((row, _)) => row,
                None => {
                    crm_store::coupons::create(
                        &state.db,
                        crm_store::coupons::NewCoupon {
                            code,
                            description: format!(
                                "Promo du mois : {PROMO_PERCENT} % dès 10 000 FCFA d'achat"
                            ),
                            rules: Coupon {
                                kind: CouponKind::Generic,
                                discount_kind: DiscountKind::Percent,
                                value: PROMO_PERCENT,
                                valid_from: first,
                                valid_to: last,
                                global_cap: None,
                                per_customer_cap: 1,
                                min_basket: Money::fcfa(PROMO_MIN_BASKET),
                                required_level: None,
                                customer_id: None,
                                eligible_categories: Default::default(),
                                stacks_with_loyalty: true,
                                status: CouponStatus::Active,
                            },
                        },
                        &Default::default(),
                    )
                    .await?
                }
            };
            by_month.insert(month, (row.id, crm_store::coupons::rules(&row)?));
        }
        Ok(Promos {
            by_month,
            used: HashSet::new(),
        })
    }

    /// The month's promo for this buyer and basket, if the rules accept it (minimum
    /// basket, once per customer).
    fn offer(
        &mut self,
        day: NaiveDate,
        (customer_id, level): (i64, Level),
        basket: &Basket<'_>,
        loyalty_percent: rust_decimal::Decimal,
    ) -> Option<(i64, CouponDiscount)> {
        let (id, rules) = self.by_month.get(&(day.year(), day.month()))?;
        let usage = CouponUsage {
            global: 0,
            by_customer: u32::from(self.used.contains(&(*id, customer_id))),
        };
        let sale = Redemption {
            today: day,
            customer: Some((customer_id, level)),
            lines: &basket.lines,
            loyalty_percent,
        };
        let discount = coupon::evaluate(rules, usage, &sale).ok()?;
        self.used.insert((*id, customer_id));
        Some((*id, discount))
    }
}

/// Pass 2: an applied analysis, with congratulation coupons, as at the last day of each
/// month of the year that has ended.
async fn month_end_analyses(state: &AppState, days: &[NaiveDate]) -> anyhow::Result<()> {
    let (Some(first), Some(yesterday)) = (days.first(), days.last()) else {
        return Ok(());
    };
    let mut month_ends = Vec::new();
    let mut month = first.with_day(1).context("premier du mois")?;
    loop {
        let end = (month + chrono::Months::new(1)) - Days::new(1);
        if end > *yesterday {
            break;
        }
        month_ends.push(end);
        month = month + chrono::Months::new(1);
    }
    let started = std::time::Instant::now();
    let total = month_ends.len() as u64;
    for (done, as_of) in month_ends.into_iter().enumerate() {
        progress("Fidélité", done as u64, total, started);
        let request = StartAnalysis {
            dry_run: false,
            generate_coupons: true,
            as_of: Some(as_of),
        };
        crate::loyalty::run_now(state, &request, &|_: i64, _: i64| {}).await?;
    }
    progress("Fidélité", total, total, started);
    eprintln!();
    Ok(())
}

/// Pass 3: some congratulation coupons spent, each in one more sale of its holder on a
/// day of its validity up to yesterday, at the holder's level now. A basket under the
/// coupon's minimum is drawn again a few times, then the coupon stays unused.
async fn spend_congratulations(
    state: &AppState,
    till: &Till,
    rng: &mut StdRng,
    tickets: &mut Tickets,
    mut next_id: i64,
) -> anyhow::Result<Vec<GeneratedRedemption>> {
    let yesterday = Utc::now().date_naive() - Days::new(1);
    let levels: HashMap<i64, Level> = crm_store::demo::customer_levels(&state.db)
        .await?
        .into_iter()
        .collect();
    let coupons = crm_store::demo::unused_congratulations(&state.db).await?;
    let (mut sales, mut uses) = (Vec::new(), Vec::new());
    for row in &coupons {
        let rules = crm_store::coupons::rules(row)?;
        let (Some(holder), true) = (
            row.customer_id,
            rng.gen_range(0..100) < CONGRATULATIONS_SPENT_PERCENT,
        ) else {
            continue;
        };
        let last = rules.valid_to.min(yesterday);
        if last < rules.valid_from {
            continue;
        }
        let span = (last - rules.valid_from).num_days();
        let day = rules.valid_from + Days::new(u64::try_from(rng.gen_range(0..=span))?);
        let buyer = (
            holder,
            levels.get(&holder).copied().unwrap_or(Level::Standard),
        );
        for _ in 0..5 {
            let basket = till.basket(rng)?;
            let sale = Redemption {
                today: day,
                customer: Some(buyer),
                lines: &basket.lines,
                loyalty_percent: till.loyalty(Some(buyer)),
            };
            let usage = CouponUsage::default();
            let Ok(discount) = coupon::evaluate(&rules, usage, &sale) else {
                continue;
            };
            let ring = Ring {
                id: next_id,
                day,
                second: rng.gen_range(8 * 3600..21 * 3600),
                customer: Some(buyer),
                basket: &basket,
                coupon: Some(&discount),
            };
            let sale = till.ring_up(rng, tickets, ring)?;
            uses.push(use_of(row.id, &sale, discount.amount));
            sales.push(sale);
            next_id += 1;
            break;
        }
    }
    for batch in sales.chunks(LOAD_BATCH) {
        crm_store::demo::insert_sales(&state.db, batch).await?;
    }
    eprintln!(
        "{} bons de félicitations utilisés sur {}",
        uses.len(),
        coupons.len()
    );
    Ok(uses)
}

/// The demo cashiers' ids: `caisse` first, then `caisse002`… up to `wanted`.
async fn demo_cashiers(state: &AppState, wanted: u64) -> anyhow::Result<Vec<i64>> {
    let hash = crate::auth::password::hash(DEMO_USERS[0].1);
    // A capacity hint only.
    let mut ids = Vec::with_capacity(usize::try_from(wanted).unwrap_or_default());
    for n in 1..=wanted {
        let username = if n == 1 {
            "caisse".to_owned()
        } else {
            format!("caisse{n:03}")
        };
        let user = match crm_store::users::find_by_username(&state.db, &username).await? {
            Some(user) => user,
            None => {
                crm_store::users::create(
                    &state.db,
                    crm_store::users::NewUser {
                        username: &username,
                        password_hash: hash.clone(),
                        role: Role::Cashier,
                        display_name: &format!("Caissier {n:03}"),
                        store_id: None,
                    },
                )
                .await?
            }
        };
        ids.push(user.id);
    }
    Ok(ids)
}
