//! Pagination: `?page=&page_size=` in, `{count, next, previous, results}` out.

use axum::http::Uri;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The default page size.
pub const DEFAULT_PAGE_SIZE: u32 = 20;
/// The largest page size.
pub const MAX_PAGE_SIZE: u32 = 100;

/// The pagination query.
#[derive(Debug, Deserialize, Default, IntoParams, garde::Validate)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// The page, from 1.
    #[param(minimum = 1, maximum = 4_294_967_295_i64, format = Int64)]
    #[garde(inner(range(min = 1)))]
    #[serde(default, deserialize_with = "integer")]
    page: Option<u32>,
    /// Items per page (default 20).
    #[param(minimum = 1, maximum = 100)]
    #[garde(inner(range(min = 1, max = MAX_PAGE_SIZE)))]
    #[serde(default, deserialize_with = "integer")]
    page_size: Option<u32>,
}

/// A page parameter, when present, must be an integer: `?page=` is refused (400
/// `INVALID_PARAMETER`) rather than read as absent, which `serde_html_form` does for an `Option`
/// by default. The document types both parameters as integers, and an empty value is not one.
fn integer<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    u32::deserialize(d).map(Some)
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
    /// The page asked for, defaults filled in (once validated: `page` at least 1, `page_size` 1
    /// to [`MAX_PAGE_SIZE`]).
    pub fn request(&self) -> PageRequest {
        PageRequest {
            page: self.page.unwrap_or(1).max(1),
            size: self
                .page_size
                .unwrap_or(DEFAULT_PAGE_SIZE)
                .clamp(1, MAX_PAGE_SIZE),
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
