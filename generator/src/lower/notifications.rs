//! Lowering notifications.

use super::*;

pub(super) fn lower_notification(
    cx: &mut Cx<'_>,
    family_module: &[String],
    n: &Sp<crate::spec::NotificationDecl>,
) -> Option<Notification> {
    let d = &n.value;
    let before = cx.diags.0.len();
    let id = d.id.value.clone();
    let loc = cx.loc(d.id.referenced.line());
    let (module, module_path) = lower_id(cx, &d.id, "notification.id", family_module)?;
    let mut scope = Scope::new(module_path.clone());
    if d.event_types.value.is_empty() {
        cx.err(
            d.event_types.referenced.line(),
            "notification.event_types",
            "list at least one event type",
        );
    }
    check_doc_url(cx, &d.doc_url, "notification.doc_url");
    let payload = match (&d.ty, &d.fields) {
        (Some(t), None) => match cx.named_type(&t.value) {
            Ok((NamedKind::Struct, path)) => path,
            failed => {
                let why = failed.err().flatten().unwrap_or_else(|| {
                    format!("`{}` is not an object type of this family", t.value)
                });
                cx.err(t.referenced.line(), "notification.type", why);
                return None;
            }
        },
        (None, Some(fields)) => {
            let name = format!("{}Event", naming::type_prefix(&id));
            let doc = format!("Decrypted resource of the {} notification.", d.title.trim());
            let key = "notification.fields";
            lower_struct(cx, &mut scope, name, doc, fields, loc.clone(), key, key)?
        }
        _ => {
            cx.err(
                n.referenced.line(),
                "notification",
                "give the payload as either `type` or `fields`",
            );
            return None;
        }
    };
    if cx.diags.0.len() > before {
        return None;
    }
    Some(Notification {
        id,
        module,
        module_path,
        title: d.title.trim().to_string(),
        doc: d.doc.trim().to_string(),
        doc_url: d.doc_url.value.clone(),
        event_types: d
            .event_types
            .value
            .iter()
            .map(|e| e.value.clone())
            .collect(),
        original_type: d.original_type.value.clone(),
        discriminator: d.discriminator.as_ref().map(|f| f.value.clone()),
        payload,
        types: scope.types,
        example: d.example.value.clone(),
        loc,
    })
}
