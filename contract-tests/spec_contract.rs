//! Our specs are strict supersets of the reference contracts: every reference path, method,
//! operationId, parameter, schema property (name and type) and success status stays.

use serde_yaml::Value;

/// Paths are relative to the repository root. The reference contracts are copied verbatim
/// into `contract-tests/reference/`.
fn load(path: &str) -> Value {
    let path = format!("{}/{path}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_yaml::from_str(&text).unwrap()
}

/// Follows `$ref: '#/components/...'` inside the same document.
fn resolve<'a>(doc: &'a Value, node: &'a Value) -> &'a Value {
    match node.get("$ref").and_then(Value::as_str) {
        Some(r) => r.trim_start_matches("#/").split('/').fold(doc, |n, k| &n[k]),
        None => node,
    }
}

/// Differences between `reference` and `ours` that break the superset rule.
fn superset_violations(reference: &Value, ours: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let methods = ["get", "put", "post", "delete", "patch"];
    for (path, item) in reference["paths"].as_mapping().unwrap() {
        let path = path.as_str().unwrap();
        for m in methods {
            let Some(op) = item.get(m) else { continue };
            let at = format!("{m} {path}");
            let Some(our) = ours["paths"].get(path).and_then(|i| i.get(m)) else {
                problems.push(format!("{at}: missing"));
                continue;
            };
            if op["operationId"] != our["operationId"] {
                problems.push(format!("{at}: operationId changed"));
            }
            for p in op["parameters"].as_sequence().into_iter().flatten() {
                let found = our["parameters"].as_sequence().into_iter().flatten().map(|q| resolve(ours, q)).any(|q| {
                    q["name"] == p["name"]
                        && q["in"] == p["in"]
                        && q["required"] == p["required"]
                        && q["schema"]["type"] == p["schema"]["type"]
                        && q["schema"]["format"] == p["schema"]["format"]
                });
                if !found {
                    problems.push(format!("{at}: parameter {:?} changed or missing", p["name"]));
                }
            }
            for (status, response) in op["responses"].as_mapping().unwrap() {
                let Some(our_response) = our["responses"].get(status) else {
                    problems.push(format!("{at}: response {status:?} missing"));
                    continue;
                };
                let our_response = resolve(ours, our_response);
                for (media, content) in response["content"].as_mapping().into_iter().flatten() {
                    match our_response["content"].get(media) {
                        None => problems.push(format!("{at} {status:?}: media type {media:?} missing")),
                        Some(c) => {
                            compare_schema(reference, &content["schema"], ours, &c["schema"], &format!("{at} {status:?}"), &mut problems)
                        }
                    }
                }
            }
            if let Some(body) = op.get("requestBody") {
                for (media, content) in body["content"].as_mapping().into_iter().flatten() {
                    match our["requestBody"]["content"].get(media) {
                        None => problems.push(format!("{at} body: media type {media:?} missing")),
                        Some(c) => compare_schema(reference, &content["schema"], ours, &c["schema"], &format!("{at} body"), &mut problems),
                    }
                }
            }
        }
    }
    for (name, schema) in reference["components"]["schemas"].as_mapping().unwrap() {
        let at = format!("schema {}", name.as_str().unwrap());
        compare_schema(reference, schema, ours, &ours["components"]["schemas"][name], &at, &mut problems);
    }
    problems
}

fn compare_schema(ref_doc: &Value, theirs: &Value, our_doc: &Value, ours: &Value, at: &str, problems: &mut Vec<String>) {
    let (theirs, ours) = (resolve(ref_doc, theirs), resolve(our_doc, ours));
    if ours.is_null() {
        problems.push(format!("{at}: missing"));
        return;
    }
    if theirs["type"] != ours["type"] {
        problems.push(format!("{at}: type {:?} became {:?}", theirs["type"], ours["type"]));
    }
    if !theirs["items"].is_null() {
        compare_schema(ref_doc, &theirs["items"], our_doc, &ours["items"], &format!("{at}[]"), problems);
    }
    if !theirs["additionalProperties"].is_null() {
        compare_schema(ref_doc, &theirs["additionalProperties"], our_doc, &ours["additionalProperties"], &format!("{at}{{}}"), problems);
    }
    for (prop, schema) in theirs["properties"].as_mapping().into_iter().flatten() {
        let at = format!("{at}.{}", prop.as_str().unwrap());
        let our_prop = &ours["properties"][prop];
        // A property that is a $ref stays the same named schema (compared on its own).
        match (schema.get("$ref"), our_prop.get("$ref")) {
            (Some(a), Some(b)) if a == b => {}
            (Some(_), _) => problems.push(format!("{at}: reference changed")),
            _ => compare_schema(ref_doc, schema, our_doc, our_prop, &at, problems),
        }
    }
}

#[test]
fn contact_spec_keeps_the_reference_contract() {
    let violations =
        superset_violations(&load("contract-tests/reference/contact_service_openapi.yaml"), &load("spec/contact-service.yaml"));
    assert!(violations.is_empty(), "{violations:#?}");
}

#[test]
fn order_spec_keeps_the_reference_contract() {
    let violations = superset_violations(&load("contract-tests/reference/order_service_openapi.yaml"), &load("spec/order-service.yaml"));
    assert!(violations.is_empty(), "{violations:#?}");
}

#[test]
fn the_check_notices_a_removed_property_a_changed_type_and_a_missing_operation() {
    let reference = load("contract-tests/reference/order_service_openapi.yaml");
    let mut broken = load("spec/order-service.yaml");
    broken["components"]["schemas"]["OrderItem"]["properties"].as_mapping_mut().unwrap().remove("quantity");
    broken["components"]["schemas"]["Order"]["properties"]["orderValue"]["type"] = Value::from("string");
    broken["paths"]["/api/v1/order/{orderID}"].as_mapping_mut().unwrap().remove("patch");
    let violations = superset_violations(&reference, &broken).join("\n");
    assert!(violations.contains("OrderItem.quantity: missing"), "{violations}");
    assert!(violations.contains("Order.orderValue: type"), "{violations}");
    assert!(violations.contains("patch /api/v1/order/{orderID}: missing"), "{violations}");
}
