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
    if !naming::is_snake_case(&id) && !naming::is_snake_case(&format!("{id}_")) {
        cx.err(
            loc.line,
            "notification.id",
            format!("`{id}` must be snake_case"),
        );
        return None;
    }
    let module = naming::module_name(&id);
    let mut module_path = family_module.to_vec();
    module_path.push(module.clone());
    let mut scope = Scope::new(module_path.clone());
    if d.event_types.value.is_empty() {
        cx.err(
            d.event_types.referenced.line(),
            "notification.event_types",
            "list at least one event type",
        );
    }
    if !d.doc_url.value.starts_with("https://") {
        cx.err(
            d.doc_url.referenced.line(),
            "notification.doc_url",
            "must be an https:// link to the official documentation",
        );
    }
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
            if !scope.claim(&name, &loc, "notification.fields", cx.diags) {
                return None;
            }
            let fields = lower_fields(cx, &mut scope, fields, "notification.fields");
            let doc = format!("Decrypted resource of the {} notification.", d.title.trim());
            scope.types.push(TypeDef::Struct(StructDef {
                name: name.clone(),
                doc,
                fields,
                loc: loc.clone(),
            }));
            scope.path(&name)
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
