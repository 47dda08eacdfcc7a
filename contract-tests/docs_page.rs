//! The interactive docs of both services in a real browser (Debian's Chromium, headless):
//! every reference operation is listed, "Try it out" on a GET answers 200, and the page needs
//! nothing from the internet.

use crate::harness::OrderApp;

/// Runs `docs.mjs` (playwright-core driving /usr/bin/chromium) against one service.
/// The operationIds of a reference contract (what users of the original rely on).
fn reference_operations(file: &str) -> Vec<String> {
    let text = std::fs::read_to_string(format!("{}/contract-tests/reference/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let spec: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let mut ids = Vec::new();
    for (_, item) in spec["paths"].as_mapping().unwrap() {
        for (_, op) in item.as_mapping().unwrap() {
            ids.extend(op["operationId"].as_str().map(str::to_string));
        }
    }
    assert!(ids.len() >= 7, "{file}: {ids:?}");
    ids
}

async fn drive_docs(base: &str, try_path: &str, operations: &[String]) {
    let dir = format!("{}/contract-tests/browser", env!("CARGO_MANIFEST_DIR"));
    assert!(
        std::path::Path::new(&format!("{dir}/node_modules/playwright-core")).exists(),
        "the browser test tools are missing: run `cargo xtask install --browser` (installs chromium, npm and playwright-core)"
    );
    let token = crate::harness::auth::token(&["orders:read", "persons:read"]);
    let mut args = vec!["docs.mjs".to_string(), base.to_string(), try_path.to_string()];
    args.extend(operations.iter().cloned());
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("node").args(&args).env("DOCS_TOKEN", token).current_dir(&dir).output()
    })
    .await
    .unwrap()
    .expect("run node");
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "docs page check failed for {base}:\n{stdout}\n{stderr}");
    assert!(stdout.starts_with("ok:"), "{stdout}");
}

#[tokio::test]
async fn both_docs_pages_list_every_operation_and_try_it_out_answers_200() {
    let app = OrderApp::spawn().await;
    drive_docs(&app.url, "/api/v1/order", &reference_operations("order_service_openapi.yaml")).await;
    drive_docs(&app.contact.url, "/api/v1/person/count", &reference_operations("contact_service_openapi.yaml")).await;
}
