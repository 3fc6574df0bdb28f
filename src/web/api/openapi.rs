//! The OpenAPI 3.1 document of `/api/v1`, with every error status every operation can answer.

use super::{incidents, maintenances, members, orgs, pages, status, teams, tokens};
use crate::web::error::ErrorBody;
use crate::web::live;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, RefOr, ResponseBuilder};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "Beacon API", description = "Manage Beacon organizations, members, teams and tokens. Authenticate with `Authorization: Bearer <token>`."),
    paths(
        orgs::list, orgs::create, orgs::get, orgs::update, orgs::delete, orgs::audit_log,
        members::list, members::get, members::update, members::delete,
        members::list_invitations, members::create_invitation, members::revoke_invitation,
        teams::list, teams::create, teams::get, teams::update, teams::delete,
        teams::list_members, teams::add_member, teams::remove_member,
        tokens::list, tokens::create, tokens::revoke,
        status::list, status::create, status::get, status::update, status::delete,
        status::list_groups, status::create_group, status::get_group, status::update_group, status::delete_group,
        status::history,
        incidents::list, incidents::create, incidents::get, incidents::update, incidents::delete,
        incidents::list_updates, incidents::create_update, incidents::edit_update, incidents::delete_update,
        incidents::reopen, incidents::set_postmortem,
        incidents::list_templates, incidents::create_template, incidents::get_template, incidents::update_template, incidents::delete_template,
        maintenances::list, maintenances::create, maintenances::get, maintenances::update, maintenances::delete,
        pages::get, pages::update, pages::set_logo, pages::delete_logo,
        maintenances::list_updates, maintenances::create_update, maintenances::edit_update,
        live::api_sse, live::api_ws,
    ),
    components(schemas(ErrorBody, live::EventEnvelope, crate::ops::events::EventType)),
    security(("bearer" = [])),
)]
struct ApiDoc;

/// Error statuses any operation may answer, all with the [`ErrorBody`] shape.
const ERRORS: &[(&str, &str)] = &[
    (
        "400",
        "Malformed request (bad JSON syntax, bad query string)",
    ),
    ("401", "No valid token or session"),
    ("403", "The caller's role does not allow this"),
    (
        "404",
        "No such resource in an organization the caller can see",
    ),
    ("409", "Conflicts with existing data"),
    ("413", "Body larger than 1 MiB"),
    ("415", "Body is not application/json"),
    ("422", "Invalid field values"),
    ("429", "Too many attempts"),
];

/// The document served at `/api/openapi.json`.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
    );
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ];
        for op in operations.into_iter().flatten() {
            for (status, description) in ERRORS {
                let response = ResponseBuilder::new()
                    .description(*description)
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                                "ErrorBody",
                            ))))
                            .build(),
                    )
                    .build();
                op.responses
                    .responses
                    .entry((*status).to_owned())
                    .or_insert(RefOr::T(response));
            }
        }
    }
    doc
}
