//! The before/after of an audit entry, field by field, for the side-by-side view —
//! plain Rust, host-tested.

use serde_json::Value;

/// One field of an entry's states.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldChange {
    /// The field's name.
    pub field: String,
    /// Its value before, as text (`—` when absent).
    pub before: String,
    /// Its value after.
    pub after: String,
    /// Whether the value differs.
    pub changed: bool,
}

/// A value as the journal shows it: text without quotes, `—` for nothing.
fn shown(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => "—".to_owned(),
        Some(Value::String(s)) if s.is_empty() => "—".to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(true)) => "oui".to_owned(),
        Some(Value::Bool(false)) => "non".to_owned(),
        Some(other) => other.to_string(),
    }
}

/// The fields of `before` and `after`, in the order they first appear (before's, then
/// those only after has). A state that is not an object is one field named `valeur`.
pub fn fields(before: Option<&Value>, after: Option<&Value>) -> Vec<FieldChange> {
    let as_map = |state: Option<&Value>| -> Vec<(String, Value)> {
        match state {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Object(map)) => map.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            Some(other) => vec![("valeur".to_owned(), other.clone())],
        }
    };
    let (before, after) = (as_map(before), as_map(after));
    let mut names: Vec<String> = before.iter().map(|(k, _)| k.clone()).collect();
    for (k, _) in &after {
        if !names.contains(k) {
            names.push(k.clone());
        }
    }
    let get = |state: &[(String, Value)], name: &str| {
        state
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    names
        .into_iter()
        .map(|name| {
            let (b, a) = (get(&before, &name), get(&after, &name));
            let null = |v: &Option<Value>| v.as_ref().is_none_or(Value::is_null);
            let changed = !(b == a || (null(&b) && null(&a)));
            FieldChange {
                before: shown(b.as_ref()),
                after: shown(a.as_ref()),
                changed,
                field: name,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn changed_fields_are_marked_and_the_others_kept_for_context() {
        let before = json!({"city": "Abidjan", "sms_consent": false, "email": null});
        let after = json!({"city": "Bouaké", "sms_consent": false, "email": "aya@example.ci"});
        let rows = fields(Some(&before), Some(&after));
        assert_eq!(
            rows,
            [
                FieldChange {
                    field: "city".into(),
                    before: "Abidjan".into(),
                    after: "Bouaké".into(),
                    changed: true
                },
                FieldChange {
                    field: "email".into(),
                    before: "—".into(),
                    after: "aya@example.ci".into(),
                    changed: true
                },
                FieldChange {
                    field: "sms_consent".into(),
                    before: "non".into(),
                    after: "non".into(),
                    changed: false
                },
            ]
        );
    }

    #[test]
    fn a_state_on_one_side_only_shows_every_field_as_changed() {
        let after = json!({"code": "NOEL2026", "value": 10});
        let rows = fields(None, Some(&after));
        assert_eq!(rows.len(), 2);
        assert!(rows.iter().all(|r| r.changed && r.before == "—"));
        assert_eq!(rows[1].after, "10");
        assert!(fields(None, None).is_empty());
        let odd = fields(Some(&json!("texte")), None);
        assert_eq!(odd[0].field, "valeur");
        assert_eq!(odd[0].before, "texte");
    }
}
