//! Person rules that do not touch storage: merge for PATCH, query-by-example, paging.

use labs_order_client::contact::types::Person;
use mongodb::bson::{self, Document};

use super::Error;

/// PATCH: fields present and non-null in `patch` replace the stored ones; `extensionFields`
/// keys are merged one level deep.
pub fn merge(mut stored: Person, patch: Person) -> Person {
    macro_rules! take {
        ($($field:ident),*) => { $( if patch.$field.is_some() { stored.$field = patch.$field; } )* };
    }
    take!(city, country, first_name, house_number, last_name, street_address, zip);
    if let Some(extra) = patch.extension_fields {
        stored.extension_fields.get_or_insert_with(Default::default).extend(extra);
    }
    stored
}

/// Query by example: every non-null field of `example` must match exactly.
pub fn example_filter(example: &Person) -> Result<Document, Error> {
    let mut filter = Document::new();
    let fields = [
        ("_id", &example.id),
        ("city", &example.city),
        ("country", &example.country),
        ("firstName", &example.first_name),
        ("houseNumber", &example.house_number),
        ("lastName", &example.last_name),
        ("streetAddress", &example.street_address),
        ("zip", &example.zip),
    ];
    for (name, value) in fields {
        if let Some(v) = value {
            filter.insert(name, v);
        }
    }
    for (key, value) in example.extension_fields.iter().flatten() {
        if value.is_null() {
            continue;
        }
        if key.starts_with('$') || key.contains('.') {
            let detail = format!("key {key:?} cannot be searched ('$' prefix or '.')");
            return Err(Error::Invalid { field: "extensionFields", detail });
        }
        let value = bson::to_bson(value).map_err(|e| Error::Invalid { field: "extensionFields", detail: e.to_string() })?;
        filter.insert(format!("extensionFields.{key}"), value);
    }
    Ok(filter)
}

/// Stored document of a person: the API fields, `_id` and the version.
pub fn to_document(person: &Person, version: i64) -> Result<Document, bson::ser::Error> {
    let mut doc = bson::to_document(&Person { id: None, ..person.clone() })?;
    doc.insert("_id", person.id.clone().unwrap_or_default());
    doc.insert("version", version);
    Ok(doc)
}

/// The API view of a stored document, and its version.
pub fn from_document(mut doc: Document) -> Result<(Person, i64), bson::de::Error> {
    let version = doc.get_i64("version").unwrap_or(0);
    let id = doc.get_str("_id").ok().map(str::to_string);
    doc.remove("version");
    doc.remove("_id");
    let person: Person = bson::from_document(doc)?;
    Ok((Person { id, ..person }, version))
}

#[cfg(test)]
mod tests {
    use super::*;
    use mongodb::bson::doc;
    use serde_json::json;

    fn person(v: serde_json::Value) -> Person {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn patch_keeps_absent_and_null_fields_and_merges_extensions_one_level() {
        let stored = person(json!({"id":"1","firstName":"Ada","city":"Berlin","extensionFields":{"a":1,"b":{"x":1}}}));
        let patch = person(json!({"firstName":null,"city":"Bonn","extensionFields":{"b":{"y":2},"c":3}}));
        let merged = merge(stored, patch);
        assert_eq!(
            serde_json::to_value(merged).unwrap(),
            json!({"id":"1","firstName":"Ada","city":"Bonn","extensionFields":{"a":1,"b":{"y":2},"c":3}})
        );
    }

    #[test]
    fn example_matches_non_null_fields_only() {
        let f = example_filter(&person(json!({"lastName":"Doe","city":null,"extensionFields":{"vip":true}}))).unwrap();
        assert_eq!(f, doc! {"lastName":"Doe","extensionFields.vip":true});
    }

    #[test]
    fn stored_documents_round_trip() {
        let p = person(json!({"id":"7","zip":"80333","extensionFields":{"k":[1,2]}}));
        let (back, version) = from_document(to_document(&p, 3).unwrap()).unwrap();
        assert_eq!((back, version), (p, 3));
    }
}
