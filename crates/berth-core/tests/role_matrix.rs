//! Every role against every project-scoped route, with the expected answer
//! generated from the RBAC engine's table: visible-and-allowed succeeds,
//! visible-but-not-allowed is 403, invisible is 404.

use berth_auth::domain::rbac::{project_permissions, role_permissions};
use berth_testkit::{Caller, TestApp};
use berth_types::{Action, ProjectRole, Resource};
use reqwest::Method;
use serde_json::{Value, json};

#[derive(Clone, Copy, Debug)]
enum Who {
    Role(ProjectRole),
    /// A project robot granted exactly these pairs.
    Robot(&'static [(Resource, Action)]),
    Outsider,
    Anonymous,
    Admin,
}

/// What the project robot in this test is granted.
const ROBOT_GRANTS: &[(Resource, Action)] = &[
    (Resource::Repository, Action::Pull),
    (Resource::Repository, Action::Push),
    (Resource::Member, Action::List),
    (Resource::Robot, Action::List),
];

impl Who {
    fn allows(self, resource: Resource, action: Action) -> bool {
        match self {
            Who::Role(role) => role_permissions(role).allows(resource, action),
            Who::Robot(grants) => grants.contains(&(resource, action)),
            Who::Outsider | Who::Anonymous => {
                project_permissions(false, None, false).allows(resource, action)
            }
            Who::Admin => true,
        }
    }

    fn sees_project(self) -> bool {
        !matches!(self, Who::Outsider | Who::Anonymous)
    }
}

struct Probe {
    method: Method,
    path: &'static str,
    body: fn(&str) -> Option<Value>,
    needs: (Resource, Action),
    success: u16,
}

fn probes() -> Vec<Probe> {
    vec![
        Probe {
            method: Method::GET,
            path: "/api/v2.0/projects/{p}",
            body: |_| None,
            needs: (Resource::Project, Action::Read),
            success: 200,
        },
        Probe {
            method: Method::GET,
            path: "/api/v2.0/projects/{p}/summary",
            body: |_| None,
            needs: (Resource::Project, Action::Read),
            success: 200,
        },
        Probe {
            method: Method::PUT,
            path: "/api/v2.0/projects/{p}",
            body: |_| Some(json!({"metadata": {"auto_scan": "false"}})),
            needs: (Resource::Project, Action::Update),
            success: 200,
        },
        Probe {
            method: Method::GET,
            path: "/api/v2.0/projects/{p}/members",
            body: |_| None,
            needs: (Resource::Member, Action::List),
            success: 200,
        },
        Probe {
            method: Method::POST,
            path: "/api/v2.0/projects/{p}/members",
            body: |who| {
                Some(json!({"role_id": 3, "member_user": {"username": format!("target-{who}")}}))
            },
            needs: (Resource::Member, Action::Create),
            success: 201,
        },
        Probe {
            method: Method::GET,
            path: "/api/v2.0/robots?q=Level%3Dproject%2CProjectID%3D{id}",
            body: |_| None,
            needs: (Resource::Robot, Action::List),
            success: 200,
        },
        Probe {
            method: Method::POST,
            path: "/api/v2.0/robots",
            body: |who| {
                Some(
                    json!({"name": format!("bot-{who}"), "level": "project", "duration": -1,
                "permissions": [{"kind": "project", "namespace": "team", "access": [{"resource": "repository", "action": "pull"}]}]}),
                )
            },
            needs: (Resource::Robot, Action::Create),
            success: 201,
        },
    ]
}

async fn granted(app: &TestApp, caller: &Caller<'_>, action: &str) -> bool {
    let response = caller
        .request(Method::GET, "/service/token")
        .query(&[
            ("service", "berth"),
            ("scope", &format!("repository:team/app:{action}")),
        ])
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    let keys = berth_auth::token::TokenKeys::load(&app.platform)
        .await
        .unwrap();
    let claims = keys.verify(body["token"].as_str().unwrap()).unwrap();
    claims.access[0].actions.iter().any(|a| a == action)
}

#[tokio::test]
async fn every_role_gets_exactly_what_the_rbac_table_grants_on_every_route() {
    let app = TestApp::spawn().await;
    let project = app.new_project(&app.admin(), "team", false).await;
    let mut callers: Vec<(String, Who, Caller<'_>)> = Vec::new();
    for role in ProjectRole::ALL {
        let name = role.name().to_ascii_lowercase();
        let (caller, id) = app.new_user(&name).await;
        app.add_member(project, id, i64::from(role.id())).await;
        callers.push((name, Who::Role(role), caller));
    }
    let access: Vec<Value> = ROBOT_GRANTS
        .iter()
        .map(|(resource, action)| json!({"resource": resource.as_str(), "action": action.as_str()}))
        .collect();
    let robot: Value = app
        .admin()
        .post_json(
            "/api/v2.0/robots",
            &json!({"name": "matrix", "level": "project", "duration": -1,
                "permissions": [{"kind": "project", "namespace": "team", "access": access}]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let robot_caller = app.caller("robot$team+matrix", robot["secret"].as_str().unwrap());
    callers.push(("robot".into(), Who::Robot(ROBOT_GRANTS), robot_caller));
    let (outsider, _) = app.new_user("outsider").await;
    callers.push(("outsider".into(), Who::Outsider, outsider));
    callers.push(("anonymous".into(), Who::Anonymous, app.anonymous()));
    callers.push(("admin".into(), Who::Admin, app.admin()));
    for (name, _, _) in &callers {
        app.new_user(&format!("target-{name}")).await;
    }

    let mut mismatches = Vec::new();
    for probe in probes() {
        for (name, who, caller) in &callers {
            let path = probe
                .path
                .replace("{p}", "team")
                .replace("{id}", &project.to_string());
            let mut request = caller.request(probe.method.clone(), &path);
            if let Some(body) = (probe.body)(name) {
                request = request.json(&body);
            }
            let status = request.send().await.unwrap().status().as_u16();
            let expected = if !who.sees_project() {
                if matches!(who, Who::Anonymous)
                    && probe.method == Method::POST
                    && probe.path == "/api/v2.0/robots"
                {
                    401
                } else {
                    404
                }
            } else if who.allows(probe.needs.0, probe.needs.1) {
                probe.success
            } else {
                403
            };
            if status != expected {
                mismatches.push(format!(
                    "{name} {} {path}: got {status}, expected {expected}",
                    probe.method
                ));
            }
        }
    }
    for (name, who, caller) in &callers {
        for (action, permission) in [
            ("pull", Action::Pull),
            ("push", Action::Push),
            ("delete", Action::Delete),
        ] {
            let expected = who.allows(Resource::Repository, permission);
            if granted(&app, caller, action).await != expected {
                mismatches.push(format!("{name} token {action}: expected {expected}"));
            }
        }
    }
    assert!(mismatches.is_empty(), "{mismatches:#?}");
}
