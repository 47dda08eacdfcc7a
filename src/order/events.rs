//! The order events this service publishes (see `spec/events/order-event.schema.json`).

use labs_order_client::order::types::Order;
use serde_json::json;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderChange {
    Created,
    Updated,
    Deleted,
}

impl OrderChange {
    pub fn event_type(self) -> &'static str {
        match self {
            Self::Created => "order.created",
            Self::Updated => "order.updated",
            Self::Deleted => "order.deleted",
        }
    }
}

/// `data` is the Order, or `{orderID}` on delete.
pub fn order_event(
    change: OrderChange,
    source: &str,
    id: &str,
    order: Option<&Order>,
    request_id: Option<&str>,
) -> anyhow::Result<cloudevents::Event> {
    let data = match order {
        Some(o) if change != OrderChange::Deleted => serde_json::to_value(o)?,
        _ => json!({ "orderID": id }),
    };
    crate::cloudevents::new_event(source, change.event_type(), id, data, request_id)
}
