//! `page` (0-based) and `size` query parameters, shared by the list operations of both APIs.

use super::ApiError;
pub use crate::mongo::Page;

/// Both `page` (0-based) and `size` select one page; otherwise everything.
pub fn page(page: Option<i32>, size: Option<i32>) -> Result<Option<Page>, ApiError> {
    if let Some(p) = page.filter(|p| *p < 0) {
        return Err(ApiError::bad_field("page", format!("page must be >= 0, got {p}")));
    }
    if let Some(s) = size.filter(|s| *s < 1) {
        return Err(ApiError::bad_field("size", format!("size must be >= 1, got {s}")));
    }
    Ok(match (page, size) {
        (Some(p), Some(s)) => Some(Page { skip: p as u64 * s as u64, limit: s as i64 }),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_needs_both_parameters_and_sane_values() {
        assert_eq!(page(Some(2), Some(10)).unwrap(), Some(Page { skip: 20, limit: 10 }));
        assert_eq!(page(Some(2), None).unwrap(), None);
        assert!(page(Some(-1), Some(10)).is_err());
        assert!(page(Some(0), Some(0)).is_err());
    }
}
