//! The screens.

pub mod admin;
pub mod checkout;
pub mod coupons;
pub mod customers;
pub mod home;
pub mod journal;
pub mod kpi;
pub mod login;
pub mod loyalty;
pub mod password;
pub mod pos;
pub mod sales;
