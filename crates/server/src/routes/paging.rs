//! Paging of every list endpoint, bounded in one place.
//!
//! `page` and `per_page` come from the query string as any `u64`. Left unbounded, a page
//! like 18446744073709551615 makes an offset that overflows on its way to SQL (sea-query
//! converts it to a signed integer and panics, killing a worker on SQLite). Both are
//! clamped, the same rule for both: `per_page` to the list's range, `page` to
//! [`MAX_PAGE`] — far past the last page of any real list, so a clamped page is simply
//! empty, and the response's `page` says which page was served.

/// The highest page served: with 200 rows a page, 200 million rows in.
pub const MAX_PAGE: u64 = 1_000_000;

/// The page sizes a list accepts.
#[derive(Clone, Copy, Debug)]
pub struct PageSize {
    /// Rows per page when the caller names none.
    pub default: u64,
    /// Most rows per page.
    pub max: u64,
}

/// Back-office lists: 50 rows by default, 200 at most.
pub const BACK_OFFICE: PageSize = PageSize {
    default: 50,
    max: 200,
};

/// A page to serve: `page` from 1 to [`MAX_PAGE`], `per_page` within the list's size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Paging {
    /// Page number, from 1.
    pub page: u64,
    /// Rows per page.
    pub per_page: u64,
}

impl Paging {
    /// The page asked for, bounded (missing values take the defaults).
    pub fn new(page: Option<u64>, per_page: Option<u64>, size: PageSize) -> Paging {
        Paging {
            page: page.unwrap_or(1).clamp(1, MAX_PAGE),
            per_page: per_page.unwrap_or(size.default).clamp(1, size.max),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_pages_are_clamped_and_small_ones_kept() {
        let p = Paging::new(Some(u64::MAX), Some(u64::MAX), BACK_OFFICE);
        assert_eq!(
            p,
            Paging {
                page: MAX_PAGE,
                per_page: 200
            }
        );
        let p = Paging::new(Some(0), Some(0), BACK_OFFICE);
        assert_eq!(
            p,
            Paging {
                page: 1,
                per_page: 1
            }
        );
        let p = Paging::new(None, None, BACK_OFFICE);
        assert_eq!(
            p,
            Paging {
                page: 1,
                per_page: 50
            }
        );
        // The largest offset stays far inside a signed 64-bit integer.
        assert!((MAX_PAGE - 1)
            .checked_mul(BACK_OFFICE.max)
            .is_some_and(|o| o < i64::MAX as u64));
    }
}
