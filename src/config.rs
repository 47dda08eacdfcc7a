//! Layered configuration: built-in defaults, then an optional YAML file, then environment
//! variables with the service's prefix (`CONTACT_HTTP__PORT=8081`: `__` separates levels),
//! then command-line flags. Secrets are [`Secret`]s and never print.

use std::{fmt, path::Path};

use serde::{de::DeserializeOwned, Deserialize, Serialize};
use serde_json::{Map, Value};

/// A value that must never reach a log line or an error message.
#[derive(Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Loads `T` from its defaults, `file`, the environment under `prefix`, and `overrides`
/// (dotted keys, such as `http.port`, from the command line).
pub fn load<T: DeserializeOwned + Serialize + Default>(
    prefix: &str,
    file: Option<&Path>,
    overrides: &[(String, String)],
) -> anyhow::Result<T> {
    let mut merged = serde_json::to_value(T::default())?;
    if let Some(path) = file {
        let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("cannot read config file {}: {e}", path.display()))?;
        let layer: Value = serde_yaml::from_str(&text).map_err(|e| anyhow::anyhow!("config file {}: {e}", path.display()))?;
        merge(&mut merged, layer);
    }
    let env_prefix = format!("{}_", prefix.to_uppercase());
    // Variables that are not UTF-8 cannot be ours; skip them instead of failing.
    for (key, value) in std::env::vars_os().filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))) {
        if let Some(rest) = key.strip_prefix(&env_prefix) {
            let path = rest.to_lowercase().replace("__", ".");
            let (path, value) = from_file_if_asked(&merged, path, value)?;
            set_path(&mut merged, &path, &value);
        }
    }
    for (path, value) in overrides {
        set_path(&mut merged, path, value);
    }
    serde_json::from_value(merged).map_err(|e| anyhow::anyhow!("invalid configuration ({prefix}): {}", without_values(&e.to_string())))
}

/// `<KEY>_FILE=/run/secrets/x` sets `<key>` to the file's content (without the final newline),
/// the usual way to hand secrets to containers; keys that really end in `_file` (such as
/// `auth.jwks_file`) keep their meaning.
fn from_file_if_asked(config: &Value, path: String, value: String) -> anyhow::Result<(String, String)> {
    let Some(target) = path.strip_suffix("_file") else { return Ok((path, value)) };
    let existing = path.split('.').try_fold(config, |node, part| node.get(part));
    if existing.is_some() {
        return Ok((path, value));
    }
    let content = std::fs::read_to_string(&value).map_err(|e| anyhow::anyhow!("cannot read the file named by {path} ({value}): {e}"))?;
    Ok((target.to_string(), content.trim_end_matches(['\n', '\r']).to_string()))
}

/// Serde names the offending value in quotes; a value may be a secret, so it is hidden.
fn without_values(message: &str) -> String {
    let mut out = String::new();
    for (i, part) in message.split('"').enumerate() {
        out.push_str(if i % 2 == 1 { "<value hidden>" } else { part });
    }
    out
}

fn merge(base: &mut Value, layer: Value) {
    match (base, layer) {
        (Value::Object(base), Value::Object(layer)) => {
            for (k, v) in layer {
                merge(base.entry(k).or_insert(Value::Null), v);
            }
        }
        (base, layer) => *base = layer,
    }
}

/// Sets a dotted path; the value keeps the type the default has there (numbers stay numbers).
fn set_path(root: &mut Value, path: &str, raw: &str) {
    let mut node = root;
    let mut parts = path.split('.').peekable();
    while let Some(part) = parts.next() {
        if !node.is_object() {
            *node = Value::Object(Map::new());
        }
        let map = node.as_object_mut().expect("just made an object");
        if parts.peek().is_none() {
            let typed = match map.get(part) {
                Some(Value::String(_)) | Some(Value::Null) | None => Value::String(raw.to_string()),
                Some(_) => serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_string())),
            };
            map.insert(part.to_string(), typed);
            return;
        }
        node = map.entry(part.to_string()).or_insert(Value::Null);
    }
}

/// The config file named on the command line, and the dotted-key overrides.
pub type Args = (Option<std::path::PathBuf>, Vec<(String, String)>);

/// Splits `--flag value` pairs from the command line into config overrides, given a table of
/// flag name to dotted config path. `--config FILE` names the file layer.
pub fn parse_args(args: impl Iterator<Item = String>, flags: &[(&str, &str)]) -> anyhow::Result<Args> {
    let mut file = None;
    let mut overrides = Vec::new();
    let mut args = args.skip(1);
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (arg.clone(), None),
        };
        let mut value = || inline.clone().or_else(|| args.next()).ok_or_else(|| anyhow::anyhow!("{name} needs a value"));
        if name == "--config" {
            file = Some(value()?.into());
        } else if let Some((_, path)) = flags.iter().find(|(flag, _)| *flag == name) {
            overrides.push((path.to_string(), value()?));
        } else {
            let known: Vec<_> = flags.iter().map(|(f, _)| *f).collect();
            anyhow::bail!("unknown option {name}; known: --config {}", known.join(" "));
        }
    }
    Ok((file, overrides))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, Serialize, Deserialize)]
    struct Sample {
        port: u16,
        name: String,
        uri: Secret,
    }

    #[test]
    fn overrides_keep_the_default_type() {
        let s: Sample = load("nope_prefix_x", None, &[("port".into(), "81".into()), ("name".into(), "42".into())]).unwrap();
        assert_eq!((s.port, s.name.as_str()), (81, "42"));
    }

    #[test]
    fn secrets_never_print() {
        let s = Sample { uri: Secret::new("mongodb://u:pw@h"), ..Default::default() };
        assert!(!format!("{s:?}").contains("pw"));
    }

    #[test]
    fn a_misplaced_secret_is_not_repeated_in_the_error() {
        let err = load::<Sample>("nope_prefix_x", None, &[("uri.x".into(), "mongodb://u:pw@h".into())]).unwrap_err();
        assert!(!err.to_string().contains("pw@h"), "{err}");
    }

    #[test]
    fn a_secret_can_come_from_a_file() {
        let path = std::env::temp_dir().join(format!("labs-secret-{}", std::process::id()));
        std::fs::write(&path, "mongodb://u:pw@h\n").unwrap();
        let config = serde_json::to_value(Sample::default()).unwrap();
        let (key, value) = from_file_if_asked(&config, "uri_file".into(), path.display().to_string()).unwrap();
        assert_eq!((key.as_str(), value.as_str()), ("uri", "mongodb://u:pw@h"));
        let config = serde_json::json!({ "auth": { "jwks_file": null } });
        let kept = from_file_if_asked(&config, "auth.jwks_file".into(), "/x/jwks.json".into()).unwrap();
        assert_eq!(kept, ("auth.jwks_file".to_string(), "/x/jwks.json".to_string()));
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn a_bad_value_names_the_problem() {
        let err = load::<Sample>("nope_prefix_x", None, &[("port".into(), "x".into())]).unwrap_err();
        assert!(err.to_string().contains("invalid configuration"), "{err}");
    }
}
