//! The generated `ContactApi` trait, implemented by one-line delegations to the service; the
//! one place where an [`Error`] becomes an HTTP problem.

use labs_order_client::contact::types::{Person, PersonCount};

use super::{service::ContactService, Error};
use crate::{
    http::{paging::page, ApiError, RequestContext},
    spec::contact::*,
};

pub struct ContactHandlers(pub ContactService);

type Result<T> = std::result::Result<T, ApiError>;

impl From<Error> for ApiError {
    fn from(err: Error) -> Self {
        let detail = err.to_string();
        match err {
            Error::NotFound(_) => ApiError::NotFound(detail),
            Error::Invalid { field, detail } => ApiError::bad_field(field, detail),
            Error::Storage(err) => err.into(),
            Error::Internal(err) => ApiError::Internal(err),
        }
    }
}

impl ContactApi for ContactHandlers {
    async fn find_all_using_get(&self, _: RequestContext, q: FindAllUsingGetQuery) -> Result<FindAllUsingGetResponse> {
        Ok(FindAllUsingGetResponse::Ok(self.0.list(page(q.page, q.size)?).await?))
    }

    async fn create_using_post(&self, ctx: RequestContext, body: Person) -> Result<CreateUsingPostResponse> {
        Ok(CreateUsingPostResponse::Created(self.0.create(&ctx.request_id, body).await?))
    }

    async fn delete_all_using_delete(&self, ctx: RequestContext) -> Result<DeleteAllUsingDeleteResponse> {
        self.0.delete_all(&ctx.request_id).await?;
        Ok(DeleteAllUsingDeleteResponse::NoContent)
    }

    async fn count_using_get(&self, _: RequestContext) -> Result<CountUsingGetResponse> {
        let count = self.0.count().await? as i64;
        Ok(CountUsingGetResponse::Ok(PersonCount([("personCount".to_string(), count)].into())))
    }

    async fn search_using_post(&self, _: RequestContext, q: SearchUsingPostQuery, body: Person) -> Result<SearchUsingPostResponse> {
        Ok(SearchUsingPostResponse::Ok(self.0.search(body, page(q.page, q.size)?).await?))
    }

    async fn read_using_get(&self, _: RequestContext, id: String) -> Result<ReadUsingGetResponse> {
        let (person, version) = self.0.read(&id).await?;
        Ok(ReadUsingGetResponse::Ok(person, crate::http::respond::etag(version)))
    }

    async fn upsert_using_put(&self, ctx: RequestContext, id: String, body: Person) -> Result<UpsertUsingPutResponse> {
        Ok(UpsertUsingPutResponse::Ok(self.0.upsert(&ctx.request_id, &id, body).await?))
    }

    async fn delete_using_delete(&self, ctx: RequestContext, id: String) -> Result<DeleteUsingDeleteResponse> {
        self.0.delete(&ctx.request_id, &id).await?;
        Ok(DeleteUsingDeleteResponse::NoContent)
    }

    async fn delta_update_using_patch(&self, ctx: RequestContext, id: String, body: Person) -> Result<DeltaUpdateUsingPatchResponse> {
        Ok(DeltaUpdateUsingPatchResponse::Ok(self.0.patch(&ctx.request_id, &id, body).await?))
    }
}
