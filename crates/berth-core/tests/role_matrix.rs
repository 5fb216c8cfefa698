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

/// What the system robot in this test is granted in the project.
const SYSTEM_ROBOT_GRANTS: &[(Resource, Action)] = &[
    (Resource::Repository, Action::List),
    (Resource::Repository, Action::Read),
    (Resource::Repository, Action::Pull),
    (Resource::Artifact, Action::List),
    (Resource::Artifact, Action::Read),
    (Resource::Artifact, Action::Delete),
    (Resource::Tag, Action::List),
    (Resource::Tag, Action::Create),
    (Resource::Label, Action::List),
    (Resource::Quota, Action::Read),
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
        Probe {
            method: Method::GET,
            path: "/api/v2.0/projects/{p}/repositories",
            body: |_| None,
            needs: (Resource::Repository, Action::List),
            success: 200,
        },
        Probe {
            method: Method::GET,
            path: "/api/v2.0/projects/{p}/repositories/app",
            body: |_| None,
            needs: (Resource::Repository, Action::Read),
            success: 200,
        },
        Probe {
            method: Method::PUT,
            path: "/api/v2.0/projects/{p}/repositories/app",
            body: |who| Some(json!({"description": format!("by {who}")})),
            needs: (Resource::Repository, Action::Update),
            success: 200,
        },
        Probe {
            method: Method::DELETE,
            path: "/api/v2.0/projects/{p}/repositories/del-{who}",
            body: |_| None,
            needs: (Resource::Repository, Action::Delete),
            success: 200,
        },
        Probe {
            method: Method::GET,
            path: "/api/v2.0/projects/{p}/repositories/app/artifacts",
            body: |_| None,
            needs: (Resource::Artifact, Action::List),
            success: 200,
        },
        Probe {
            method: Method::GET,
            path: "/api/v2.0/projects/{p}/repositories/app/artifacts/v1",
            body: |_| None,
            needs: (Resource::Artifact, Action::Read),
            success: 200,
        },
        Probe {
            method: Method::DELETE,
            path: "/api/v2.0/projects/{p}/repositories/app/artifacts/d-{who}",
            body: |_| None,
            needs: (Resource::Artifact, Action::Delete),
            success: 200,
        },
        Probe {
            method: Method::POST,
            path: "/api/v2.0/projects/{p}/repositories/copy-{who}/artifacts?from=team/app:v1",
            body: |_| None,
            needs: (Resource::Artifact, Action::Create),
            success: 201,
        },
        Probe {
            method: Method::GET,
            path: "/api/v2.0/projects/{p}/repositories/app/artifacts/v1/tags",
            body: |_| None,
            needs: (Resource::Tag, Action::List),
            success: 200,
        },
        Probe {
            method: Method::POST,
            path: "/api/v2.0/projects/{p}/repositories/app/artifacts/v1/tags",
            body: |who| Some(json!({"name": format!("n-{who}")})),
            needs: (Resource::Tag, Action::Create),
            success: 201,
        },
        Probe {
            method: Method::DELETE,
            path: "/api/v2.0/projects/{p}/repositories/app/artifacts/v1/tags/t-{who}",
            body: |_| None,
            needs: (Resource::Tag, Action::Delete),
            success: 200,
        },
        Probe {
            method: Method::GET,
            path: "/api/v2.0/projects/{p}/repositories/app/artifacts/v1/accessories",
            body: |_| None,
            needs: (Resource::Accessory, Action::List),
            success: 200,
        },
        Probe {
            method: Method::GET,
            path: "/api/v2.0/projects/{p}/repositories/app/artifacts/v1/additions/build_history",
            body: |_| None,
            needs: (Resource::ArtifactAddition, Action::Read),
            success: 200,
        },
        Probe {
            method: Method::POST,
            path: "/api/v2.0/projects/{p}/repositories/app/artifacts/lab-{who}/labels",
            body: |_| Some(json!({"id": "{label}"})),
            needs: (Resource::ArtifactLabel, Action::Create),
            success: 200,
        },
        Probe {
            method: Method::DELETE,
            path: "/api/v2.0/projects/{p}/repositories/app/artifacts/lab-{who}/labels/{label}",
            body: |_| None,
            needs: (Resource::ArtifactLabel, Action::Delete),
            success: 200,
        },
        Probe {
            method: Method::GET,
            path: "/api/v2.0/labels?scope=p&project_id={id}",
            body: |_| None,
            needs: (Resource::Label, Action::List),
            success: 200,
        },
        Probe {
            method: Method::POST,
            path: "/api/v2.0/labels",
            body: |who| {
                Some(json!({"name": format!("pl-{who}"), "scope": "p", "project_id": "{id}"}))
            },
            needs: (Resource::Label, Action::Create),
            success: 201,
        },
        Probe {
            method: Method::GET,
            path: "/api/v2.0/projects/{p}/logs",
            body: |_| None,
            needs: (Resource::Log, Action::List),
            success: 200,
        },
        Probe {
            method: Method::GET,
            path: "/api/v2.0/quotas/{id}",
            body: |_| None,
            needs: (Resource::Quota, Action::Read),
            success: 200,
        },
    ]
}

/// Fills a probe's path or body: the project, the caller, the label.
fn fill(template: &str, project: i64, who: &str, label: i64) -> String {
    template
        .replace("{p}", "team")
        .replace("\"{id}\"", &project.to_string())
        .replace("{id}", &project.to_string())
        .replace("{who}", who)
        .replace("\"{label}\"", &label.to_string())
        .replace("{label}", &label.to_string())
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
    let access: Vec<Value> = SYSTEM_ROBOT_GRANTS
        .iter()
        .map(|(resource, action)| json!({"resource": resource.as_str(), "action": action.as_str()}))
        .collect();
    let system_robot: Value = app
        .admin()
        .post_json(
            "/api/v2.0/robots",
            &json!({"name": "fleet", "level": "system", "duration": -1,
                "permissions": [{"kind": "project", "namespace": "team", "access": access}]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let system_caller = app.caller("robot$fleet", system_robot["secret"].as_str().unwrap());
    callers.push((
        "sysrobot".into(),
        Who::Robot(SYSTEM_ROBOT_GRANTS),
        system_caller,
    ));
    let (outsider, _) = app.new_user("outsider").await;
    callers.push(("outsider".into(), Who::Outsider, outsider));
    callers.push(("anonymous".into(), Who::Anonymous, app.anonymous()));
    callers.push(("admin".into(), Who::Admin, app.admin()));
    for (name, _, _) in &callers {
        app.new_user(&format!("target-{name}")).await;
    }
    // What the routes act on: an image to read, and for each caller their
    // own repository, artifacts and tag to delete or label.
    let admin = app.admin();
    admin.push_image("team/app", "v1", "shared").await;
    for (name, _, _) in &callers {
        admin
            .push_image(&format!("team/del-{name}"), "v1", name)
            .await;
        admin
            .push_image("team/app", &format!("d-{name}"), &format!("d-{name}"))
            .await;
        admin
            .push_image("team/app", &format!("lab-{name}"), &format!("lab-{name}"))
            .await;
        let tagged = admin
            .post_json(
                "/api/v2.0/projects/team/repositories/app/artifacts/v1/tags",
                &json!({"name": format!("t-{name}")}),
            )
            .await;
        assert_eq!(tagged.status(), 201);
    }
    let label = admin
        .post_json("/api/v2.0/labels", &json!({"name": "matrix"}))
        .await;
    assert_eq!(label.status(), 201);
    let label = berth_testkit::location_id(&label);

    let mut mismatches = Vec::new();
    for probe in probes() {
        for (name, who, caller) in &callers {
            let path = fill(probe.path, project, name, label);
            let mut request = caller.request(probe.method.clone(), &path);
            if let Some(body) = (probe.body)(name) {
                let body: Value =
                    serde_json::from_str(&fill(&body.to_string(), project, name, label)).unwrap();
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
