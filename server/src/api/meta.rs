//! The document and its reference page, served from bytes in the binary.

use dropshot::Body;
use http::Response;
use mobieus_api::server::MetaService;
use mobieus_api::support::{ApiError, PublicCall};

use crate::app::AppContext;

const DOCS_PAGE: &str = include_str!("../../assets/redoc/docs.html");
const REDOC_BUNDLE: &str = include_str!("../../assets/redoc/redoc.standalone.js");

fn bytes(content_type: &str, cache: &str, body: impl Into<Body>) -> Result<Response<Body>, ApiError> {
    Response::builder()
        .status(200)
        .header(http::header::CONTENT_TYPE, content_type)
        .header(http::header::CACHE_CONTROL, cache)
        .body(body.into())
        .map_err(|_| ApiError::server_error())
}

impl MetaService for AppContext {
    async fn get_openapi_document(_call: &PublicCall<'_, Self>) -> Result<Response<Body>, ApiError> {
        bytes("application/yaml", "no-cache", mobieus_api::OPENAPI_YAML)
    }

    async fn get_api_reference(_call: &PublicCall<'_, Self>) -> Result<Response<Body>, ApiError> {
        bytes("text/html; charset=utf-8", "no-cache", DOCS_PAGE)
    }

    async fn get_api_reference_script(_call: &PublicCall<'_, Self>) -> Result<Response<Body>, ApiError> {
        bytes("application/javascript", "public, max-age=86400", REDOC_BUNDLE)
    }
}
