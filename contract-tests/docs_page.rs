//! The interactive docs of both services in a real browser (Debian's Chromium, headless):
//! every reference operation is listed, "Try it out" on a GET answers 200, and the page needs
//! nothing from the internet.

use crate::harness::OrderApp;

/// Runs `docs.mjs` (playwright-core driving /usr/bin/chromium) against one service.
async fn drive_docs(base: &str, try_path: &str, operations: &[(&str, &str, &str)]) {
    let dir = format!("{}/contract-tests/browser", env!("CARGO_MANIFEST_DIR"));
    assert!(
        std::path::Path::new(&format!("{dir}/node_modules/playwright-core")).exists(),
        "the browser test tools are missing: run `cargo xtask install` (installs chromium and playwright-core)"
    );
    let mut args = vec!["docs.mjs".to_string(), base.to_string(), try_path.to_string()];
    args.extend(operations.iter().map(|(_, _, id)| id.to_string()));
    let output = tokio::task::spawn_blocking(move || std::process::Command::new("node").args(&args).current_dir(&dir).output())
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
    drive_docs(&app.url, "/api/v1/order", labs_order::api::order::OPERATIONS).await;
    drive_docs(&app.contact.url, "/api/v1/person/count", labs_order::api::contact::OPERATIONS).await;
}
