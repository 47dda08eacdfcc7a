//! The generated `OrderApi` trait, implemented by delegations to the service: the request's
//! inputs are parsed here, and [`Error`]s become HTTP problems here and nowhere else.

use http::HeaderMap;
use labs_order_client::order::types::{InputOrder, Order};

use super::{
    model::{IdempotencyKey, IfMatch, NewOrder, OrderPatch},
    service::{Listing, OrderService, WriteOptions},
    Error,
};
use crate::{
    http::{ApiError, JsonArrayStream, RequestContext},
    spec::order::*,
};

pub struct OrderHandlers(pub OrderService);

type Result<T> = std::result::Result<T, ApiError>;

impl From<Error> for ApiError {
    fn from(err: Error) -> Self {
        let detail = err.to_string();
        match err {
            Error::NotFound(_) => ApiError::NotFound(detail),
            Error::Invalid { field, detail } => ApiError::bad_field(&field, detail),
            Error::UnknownPerson { field, .. } => ApiError::unprocessable_field(field, detail),
            Error::IdempotencyKeyReused => ApiError::unprocessable_field("Idempotency-Key", detail),
            Error::StaleVersion { .. } => ApiError::PreconditionFailed(detail),
            Error::ContactUnavailable { reason, source } => {
                ApiError::Unavailable { dependency: "contact service", reason: Some(reason), retry_after_secs: 2, source }
            }
            Error::Storage(err) => err.into(),
            Error::Internal(err) => ApiError::Internal(err),
        }
    }
}

/// The write preconditions a request carries in its headers; an unreadable one is refused
/// rather than ignored (ignoring it would turn a guarded write into an unguarded one).
fn options(ctx: &RequestContext) -> Result<WriteOptions> {
    let header = |name: &str| -> Result<Option<String>> {
        match ctx.headers.get(name) {
            None => Ok(None),
            Some(v) => {
                v.to_str().map(|s| Some(s.to_string())).map_err(|_| ApiError::bad_field(name, format!("{name} must be visible ASCII")))
            }
        }
    };
    Ok(WriteOptions {
        request_id: ctx.request_id.to_string(),
        if_match: header("If-Match")?.map(IfMatch::new),
        idempotency_key: header("Idempotency-Key")?.map(IdempotencyKey::new),
    })
}

fn new_order(body: InputOrder) -> Result<NewOrder> {
    Ok(NewOrder::try_from(body)?)
}

fn with_etag((order, version): (Order, i64)) -> (Order, HeaderMap) {
    (order, crate::http::respond::etag(version))
}

impl OrderApi for OrderHandlers {
    async fn find_all_using_get(&self, _: RequestContext, q: FindAllUsingGetQuery) -> Result<FindAllUsingGetResponse> {
        Ok(match self.0.list(crate::http::paging::page(q.page, q.size)?).await? {
            Listing::Page(orders) => FindAllUsingGetResponse::Ok(orders),
            Listing::Stream(stream) => FindAllUsingGetResponse::OkStream(JsonArrayStream::new(stream)),
        })
    }

    async fn create_using_post(&self, ctx: RequestContext, body: InputOrder) -> Result<CreateUsingPostResponse> {
        let (order, headers) = with_etag(self.0.create(&options(&ctx)?, new_order(body)?).await?);
        Ok(CreateUsingPostResponse::Ok(order, headers))
    }

    async fn delete_all_using_delete(&self, ctx: RequestContext) -> Result<DeleteAllUsingDeleteResponse> {
        self.0.delete_all(&options(&ctx)?).await?;
        Ok(DeleteAllUsingDeleteResponse::Ok(Order::default()))
    }

    async fn read_using_get(&self, _: RequestContext, order_id: String) -> Result<ReadUsingGetResponse> {
        let (order, headers) = with_etag(self.0.read(&order_id).await?);
        Ok(ReadUsingGetResponse::Ok(order, headers))
    }

    async fn upsert_using_put(&self, ctx: RequestContext, order_id: String, body: InputOrder) -> Result<UpsertUsingPutResponse> {
        let (order, headers) = with_etag(self.0.upsert(&options(&ctx)?, &order_id, new_order(body)?).await?);
        Ok(UpsertUsingPutResponse::Ok(order, headers))
    }

    async fn delta_update_using_patch(
        &self,
        ctx: RequestContext,
        order_id: String,
        body: InputOrder,
    ) -> Result<DeltaUpdateUsingPatchResponse> {
        let patch = OrderPatch::try_from(body)?;
        let (order, headers) = with_etag(self.0.patch(&options(&ctx)?, &order_id, patch).await?);
        Ok(DeltaUpdateUsingPatchResponse::Ok(order, headers))
    }

    async fn delete_using_delete(&self, ctx: RequestContext, order_id: String) -> Result<DeleteUsingDeleteResponse> {
        let (order, headers) = with_etag(self.0.delete(&options(&ctx)?, &order_id).await?);
        Ok(DeleteUsingDeleteResponse::Ok(order, headers))
    }
}
