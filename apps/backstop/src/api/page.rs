//! Pagination: `?page=&page_size=` in, `{count, next, previous, results}` out.

use axum::http::Uri;
use backstop::{ApiError, Code};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The default page size.
pub const DEFAULT_PAGE_SIZE: u32 = 20;
/// The largest page size.
pub const MAX_PAGE_SIZE: u32 = 100;

/// The pagination query.
#[derive(Debug, Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// The page, from 1.
    #[param(minimum = 1, maximum = 4_294_967_295_i64, format = Int64)]
    page: Option<u32>,
    /// Items per page (default 20).
    #[param(minimum = 1, maximum = 100)]
    page_size: Option<u32>,
}

/// A checked page request.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    /// 1-based.
    pub page: u32,
    /// Items per page.
    pub size: u32,
}

impl PageQuery {
    /// Checks the ranges; 400 `INVALID_PARAMETER` listing each bad parameter.
    pub fn check(&self) -> Result<PageRequest, ApiError> {
        let mut error = ApiError::new(Code::INVALID_PARAMETER);
        let mut bad = false;
        let page = self.page.unwrap_or(1);
        if page == 0 {
            error = error.with_field("page", "Must be at least 1.");
            bad = true;
        }
        let size = self.page_size.unwrap_or(DEFAULT_PAGE_SIZE);
        if size == 0 || size > MAX_PAGE_SIZE {
            error = error.with_field(
                "page_size",
                format!("Must be between 1 and {MAX_PAGE_SIZE}."),
            );
            bad = true;
        }
        if bad {
            Err(error)
        } else {
            Ok(PageRequest { page, size })
        }
    }
}

impl PageRequest {
    /// SQL `LIMIT`.
    pub fn limit(&self) -> i64 {
        i64::from(self.size)
    }

    /// SQL `OFFSET`.
    pub fn offset(&self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.size)
    }
}

/// A page of results.
#[derive(Debug, Serialize, ToSchema)]
pub struct Paginated<T> {
    /// Items in the whole list.
    pub count: i64,
    /// The next page's path and query, if any.
    pub next: Option<String>,
    /// The previous page's path and query, if any.
    pub previous: Option<String>,
    /// This page's items.
    pub results: Vec<T>,
}

impl<T> Paginated<T> {
    /// Builds the links relative to `uri`'s path.
    pub fn new(uri: &Uri, req: PageRequest, count: i64, results: Vec<T>) -> Self {
        let link = |page: u32| format!("{}?page={page}&page_size={}", uri.path(), req.size);
        let seen = i64::from(req.page) * i64::from(req.size);
        Paginated {
            count,
            next: (seen < count).then(|| link(req.page + 1)),
            previous: (req.page > 1).then(|| link(req.page - 1)),
            results,
        }
    }
}
