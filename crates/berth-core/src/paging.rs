//! Harbor's paging: `page` (1-based) and `page_size` (default 10, at most
//! 100), answered with `X-Total-Count` and RFC 8288 `Link` headers.

use actix_web::HttpRequest;
use actix_web::HttpResponseBuilder;
use berth_auth::store::Page;
use berth_http::{ApiError, ErrorCode};
use serde::Deserialize;

const DEFAULT_PAGE_SIZE: i64 = 10;
const MAX_PAGE_SIZE: i64 = 100;

#[derive(Debug, Deserialize)]
pub struct PageQuery {
    page: Option<i64>,
    page_size: Option<i64>,
}

impl PageQuery {
    pub fn page(&self) -> Result<Page, ApiError> {
        let page = self.page.unwrap_or(1);
        let page_size = self.page_size.unwrap_or(DEFAULT_PAGE_SIZE);
        if page < 1 {
            return Err(ApiError::new(
                ErrorCode::BadRequest,
                "page must be 1 or more",
            ));
        }
        if !(1..=MAX_PAGE_SIZE).contains(&page_size) {
            return Err(ApiError::new(
                ErrorCode::BadRequest,
                format!("page_size must be between 1 and {MAX_PAGE_SIZE}"),
            ));
        }
        if page.checked_mul(page_size).is_none() {
            return Err(ApiError::new(ErrorCode::BadRequest, "page is too large"));
        }
        Ok(Page { page, page_size })
    }
}

/// Adds `X-Total-Count` and `Link` (prev/next) to a list response.
pub fn headers(builder: &mut HttpResponseBuilder, req: &HttpRequest, page: Page, total: i64) {
    builder.insert_header(("X-Total-Count", total.to_string()));
    let link = |number: i64, rel: &str| {
        let mut query: Vec<(String, String)> =
            url::form_urlencoded::parse(req.query_string().as_bytes())
                .filter(|(k, _)| k != "page" && k != "page_size")
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
        query.push(("page".into(), number.to_string()));
        query.push(("page_size".into(), page.page_size.to_string()));
        let encoded = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(query)
            .finish();
        format!("<{}?{}>; rel=\"{}\"", req.path(), encoded, rel)
    };
    let mut links = Vec::new();
    if page.page > 1 {
        links.push(link(page.page - 1, "prev"));
    }
    if page.page * page.page_size < total {
        links.push(link(page.page + 1, "next"));
    }
    if !links.is_empty() {
        builder.insert_header(("Link", links.join(", ")));
    }
}
