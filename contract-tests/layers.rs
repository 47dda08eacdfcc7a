//! The modules of `src/` import each other in one direction only: the order of the README's
//! "Where things live" table, bottom up, so there are no cycles, nothing below `http` imports
//! it, and `http` imports no service.

use std::{collections::BTreeSet, path::Path};

/// Bottom up; a module may import modules of its own row and of the rows before it.
const LAYERS: &[&[&str]] = &[
    &["config", "telemetry", "tls", "topics", "crash_points"],
    &["context"],
    &["ops"],
    &["mongo", "kafka", "versioned"],
    &["cloudevents", "outbox"],
    &["http"],
    &["auth"],
    &["spec"],
    &["host"],
    &["order", "contact"],
];

fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|row| row.contains(&module))
}

/// The top-level modules that `text` names with `crate::` paths (`crate::a::..`, `crate::{a, b::..}`).
fn imported(text: &str) -> BTreeSet<String> {
    let code: String = text.lines().map(|l| l.split("//").next().unwrap_or_default()).collect::<Vec<_>>().join("\n");
    let mut found = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let (mut depth, mut start) = (0, 0);
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        found.insert(ident(&group[start..i]));
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        found.insert(ident(&group[start..i]));
                        start = i + 1;
                    }
                    _ => {}
                }
            }
        } else {
            found.insert(ident(rest));
        }
    }
    found.retain(|m| !m.is_empty() && m != "self");
    found
}

fn ident(path: &str) -> String {
    path.trim_start().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect()
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn modules_import_only_down_the_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let (mut wrong, mut edges) = (Vec::new(), BTreeSet::new());
    for file in files {
        let relative = file.strip_prefix(&src).unwrap();
        let module = relative.iter().next().unwrap().to_string_lossy().trim_end_matches(".rs").to_string();
        if module == "lib" || module == "bin" {
            continue;
        }
        let Some(own) = layer(&module) else {
            wrong.push(format!("{module} is not in the layer table (README: Where things live)"));
            continue;
        };
        for target in imported(&std::fs::read_to_string(&file).unwrap()) {
            if target != module {
                edges.insert((module.clone(), target.clone()));
            }
            match layer(&target) {
                Some(theirs) if theirs > own => wrong.push(format!("{} imports {target}, a layer above {module}", relative.display())),
                _ => {}
            }
        }
    }
    // Within a row: no cycles either (order and contact never import each other).
    for (from, to) in &edges {
        if reaches(&edges, to, from, &mut BTreeSet::new()) {
            wrong.push(format!("{from} and {to} import each other (a cycle)"));
        }
    }
    assert!(wrong.is_empty(), "imports against the layers:\n{}", wrong.join("\n"));
}

fn reaches(edges: &BTreeSet<(String, String)>, from: &str, to: &str, seen: &mut BTreeSet<String>) -> bool {
    from == to || (seen.insert(from.to_string()) && edges.iter().any(|(a, b)| a == from && reaches(edges, b, to, seen)))
}
