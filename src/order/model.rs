//! Order rules that do not touch storage: the parsed inputs of a write, PATCH merge,
//! documents, ETags.

use labs_order_client::order::types::{InputOrder, Order, Person};
use mongodb::bson::{self, Document};

use super::Error;

/// Which person a reference is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    SoldTo,
    BillTo,
    ShipTo,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::SoldTo, Role::BillTo, Role::ShipTo];

    /// The input field that references the person.
    pub fn input_field(self) -> &'static str {
        match self {
            Self::SoldTo => "soldToID",
            Self::BillTo => "billToID",
            Self::ShipTo => "shipToID",
        }
    }

    /// The stored field that holds the person.
    pub fn order_field(self) -> &'static str {
        match self {
            Self::SoldTo => "soldTo",
            Self::BillTo => "billTo",
            Self::ShipTo => "shipTo",
        }
    }

    pub fn input_id(self, input: &InputOrder) -> Option<&str> {
        match self {
            Self::SoldTo => input.sold_to_id.as_deref(),
            Self::BillTo => input.bill_to_id.as_deref(),
            Self::ShipTo => input.ship_to_id.as_deref(),
        }
    }

    pub fn person(self, order: &Order) -> Option<&Person> {
        match self {
            Self::SoldTo => order.sold_to.as_ref(),
            Self::BillTo => order.bill_to.as_ref(),
            Self::ShipTo => order.ship_to.as_ref(),
        }
    }

    pub fn slot(self, order: &mut Order) -> &mut Option<Person> {
        match self {
            Self::SoldTo => &mut order.sold_to,
            Self::BillTo => &mut order.bill_to,
            Self::ShipTo => &mut order.ship_to,
        }
    }
}

/// An order's input that passed the order rules: amounts are finite and not negative, and
/// person references are not blank. POST and PUT write it whole; PATCH merges it
/// ([`OrderPatch`]).
#[derive(Debug, Clone)]
pub struct NewOrder(InputOrder);

/// The fields of a PATCH, checked by the same rules as a [`NewOrder`].
#[derive(Debug, Clone)]
pub struct OrderPatch(InputOrder);

impl TryFrom<InputOrder> for NewOrder {
    type Error = Error;

    fn try_from(input: InputOrder) -> Result<Self, Error> {
        validate(&input)?;
        Ok(Self(input))
    }
}

impl TryFrom<InputOrder> for OrderPatch {
    type Error = Error;

    fn try_from(input: InputOrder) -> Result<Self, Error> {
        validate(&input)?;
        Ok(Self(input))
    }
}

impl NewOrder {
    pub fn input(&self) -> &InputOrder {
        &self.0
    }

    pub fn persons(&self) -> PersonRefs<'_> {
        PersonRefs(&self.0)
    }
}

impl OrderPatch {
    pub fn persons(&self) -> PersonRefs<'_> {
        PersonRefs(&self.0)
    }
}

/// The person references present in an input (each a non-blank id).
#[derive(Debug, Clone, Copy)]
pub struct PersonRefs<'a>(&'a InputOrder);

impl<'a> PersonRefs<'a> {
    /// (role, person id) for each reference present.
    pub fn iter(self) -> impl Iterator<Item = (Role, &'a str)> {
        Role::ALL.into_iter().filter_map(move |role| Some((role, role.input_id(self.0)?)))
    }
}

/// `If-Match` as sent: absent matches anything; `*` matches an existing order; otherwise one
/// of the listed tags must be the current version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IfMatch(String);

impl IfMatch {
    pub fn new(header: impl Into<String>) -> Self {
        Self(header.into())
    }

    pub fn holds(&self, current: Option<i64>) -> bool {
        let Some(version) = current else { return false };
        self.0.split(',').map(str::trim).any(|tag| tag == "*" || tag.trim_start_matches("W/") == etag(version))
    }
}

/// The `Idempotency-Key` of a POST: a repeat with the same key and body answers the first
/// result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Refuses amounts the business cannot have: negative or non-finite values.
fn validate(input: &InputOrder) -> Result<(), Error> {
    let amounts = [("orderValue", input.order_value), ("taxValue", input.tax_value)];
    for (field, value) in amounts {
        check_amount(field, value)?;
    }
    for (i, item) in input.items.iter().enumerate() {
        check_amount(&format!("items[{i}].quantity"), item.quantity)?;
        check_amount(&format!("items[{i}].itemPrice"), item.item_price)?;
    }
    for role in Role::ALL {
        if role.input_id(input).is_some_and(|id| id.trim().is_empty()) {
            return Err(Error::invalid(role.input_field(), format!("{} must not be empty", role.input_field())));
        }
    }
    Ok(())
}

fn check_amount(field: &str, value: Option<f64>) -> Result<(), Error> {
    match value {
        Some(v) if !v.is_finite() || v < 0.0 => Err(Error::invalid(field, format!("{field} must be a number >= 0, got {v}"))),
        _ => Ok(()),
    }
}

/// A new order (POST, or PUT of an unknown id) from its input; persons are filled in later.
pub fn from_input(id: &str, new: &NewOrder) -> Order {
    let input = &new.0;
    Order {
        order_id: Some(id.to_string()),
        order_date: input.order_date.clone(),
        currency_code: input.currency_code.clone(),
        order_value: input.order_value,
        tax_value: input.tax_value,
        items: input.items.clone(),
        ..Order::default()
    }
}

/// PATCH: the fields present (and not null) replace the stored ones.
pub fn merge(mut stored: Order, patch: &OrderPatch) -> Order {
    let patch = &patch.0;
    if patch.order_date.is_some() {
        stored.order_date = patch.order_date.clone();
    }
    if patch.currency_code.is_some() {
        stored.currency_code = patch.currency_code.clone();
    }
    if patch.order_value.is_some() {
        stored.order_value = patch.order_value;
    }
    if patch.tax_value.is_some() {
        stored.tax_value = patch.tax_value;
    }
    // The generated type cannot tell absent from empty: an empty list keeps the stored items.
    if !patch.items.is_empty() {
        stored.items = patch.items.clone();
    }
    stored
}

/// The stored order's own fields beside the Order: its version (the ETag), the replica
/// revision of each person it embeds, and its staged events (see `order::outbox`).
pub const VERSION_FIELD: &str = "version";
pub const REVS_FIELD: &str = "personRevs";
/// A deleted order stays as a tombstone (`_id`, `version`, `deleted`): a re-created id continues
/// its version sequence, so its events order after the delete and an old ETag cannot match.
pub const DELETED_FIELD: &str = "deleted";

/// The document of a live order at `version`, embedding persons at the given revisions.
pub fn to_document(order: &Order, version: i64, revs: &[(Role, i64)]) -> Result<Document, bson::ser::Error> {
    let mut doc = bson::to_document(order)?;
    doc.insert("_id", order.order_id.clone().unwrap_or_default());
    doc.insert(VERSION_FIELD, version);
    let revs: Document = revs.iter().map(|(role, rev)| (role.order_field().to_string(), bson::Bson::Int64(*rev))).collect();
    doc.insert(REVS_FIELD, revs);
    Ok(doc)
}

/// The document of a deleted order.
pub fn tombstone(id: &str, version: i64) -> Document {
    bson::doc! { "_id": id, VERSION_FIELD: version, DELETED_FIELD: true, "deletedAt": bson::DateTime::now() }
}

pub fn is_tombstone(doc: &Document) -> bool {
    doc.get_bool(DELETED_FIELD).unwrap_or(false)
}

/// The filter that finds only tombstones (answered from the sparse index on `deleted`: live
/// orders have no such field).
pub fn tombstones() -> Document {
    bson::doc! { DELETED_FIELD: true }
}

/// The filter that leaves tombstones out.
pub fn live() -> Document {
    bson::doc! { DELETED_FIELD: { "$ne": true } }
}

/// The order and its version; the storage fields are not part of the Order.
pub fn from_document(mut doc: Document) -> Result<(Order, i64), bson::de::Error> {
    let version = doc.get_i64(VERSION_FIELD).unwrap_or(0);
    for field in ["_id", VERSION_FIELD, REVS_FIELD, DELETED_FIELD, super::outbox::ENTRIES_FIELD, super::outbox::PENDING_FIELD] {
        doc.remove(field);
    }
    Ok((bson::from_document(doc)?, version))
}

/// A stored order straight from the wire bytes (`None` for a tombstone). Reads and lists take
/// this path: deserialising into a `Document` first and then into the `Order` doubled the
/// decoding work of a GET. The storage fields are skipped by the `Order`'s deserialiser.
pub fn from_raw(raw: &bson::RawDocument) -> Result<Option<(Order, i64)>, bson::de::Error> {
    if raw.get_bool(DELETED_FIELD).unwrap_or(false) {
        return Ok(None);
    }
    let version = raw.get_i64(VERSION_FIELD).unwrap_or(0);
    Ok(Some((bson::from_slice(raw.as_bytes())?, version)))
}

/// The revisions recorded in a stored order, by role.
pub fn revs(doc: &Document) -> Vec<(Role, i64)> {
    let Ok(revs) = doc.get_document(REVS_FIELD) else { return Vec::new() };
    Role::ALL.into_iter().filter_map(|r| Some((r, revs.get_i64(r.order_field()).ok()?))).collect()
}

pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn input(v: serde_json::Value) -> InputOrder {
        serde_json::from_value(v).unwrap()
    }

    fn new(v: serde_json::Value) -> Result<NewOrder, Error> {
        NewOrder::try_from(input(v))
    }

    #[test]
    fn negative_or_infinite_amounts_are_refused_with_the_field_named() {
        assert!(new(json!({"orderValue": 1.5, "items": [{"quantity": 2, "itemPrice": 0}]})).is_ok());
        let err = new(json!({"items": [{"quantity": -1}]})).unwrap_err();
        assert!(matches!(&err, Error::Invalid { field, .. } if field == "items[0].quantity"), "{err}");
        assert!(new(json!({"taxValue": -0.01})).is_err());
        assert!(OrderPatch::try_from(input(json!({"soldToID": " "}))).is_err());
    }

    #[test]
    fn patch_replaces_present_fields_only() {
        let stored = from_input("o1", &new(json!({"orderDate": "2021-07-17", "currencyCode": "CHF", "items": [{"itemID": "1"}]})).unwrap());
        let merged = merge(stored, &OrderPatch::try_from(input(json!({"currencyCode": "EUR", "items": []}))).unwrap());
        assert_eq!(merged.currency_code.as_deref(), Some("EUR"));
        assert_eq!(merged.order_date.as_deref(), Some("2021-07-17"));
        assert_eq!(merged.items.len(), 1);
    }

    #[test]
    fn if_match_accepts_current_and_star_only() {
        assert!(IfMatch::new("\"3\"").holds(Some(3)));
        assert!(IfMatch::new("W/\"3\", \"4\"").holds(Some(4)));
        assert!(IfMatch::new("*").holds(Some(1)));
        assert!(!IfMatch::new("\"2\"").holds(Some(3)));
        assert!(!IfMatch::new("*").holds(None));
    }
}
