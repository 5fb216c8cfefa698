use crate::TestApp;

/// An HTTP client bound to one identity on a [`TestApp`].
#[derive(Clone)]
pub struct Caller<'a> {
    pub(crate) app: &'a TestApp,
    credentials: Option<(String, String)>,
}

impl<'a> Caller<'a> {
    pub(crate) fn new(app: &'a TestApp, credentials: Option<(String, String)>) -> Self {
        Self { app, credentials }
    }

    pub fn username(&self) -> Option<&str> {
        self.credentials.as_ref().map(|(u, _)| u.as_str())
    }

    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let builder = self.app.client.request(method, self.app.url(path));
        match &self.credentials {
            Some((user, password)) => builder.basic_auth(user, Some(password)),
            None => builder,
        }
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.request(reqwest::Method::GET, path)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn head(&self, path: &str) -> reqwest::Response {
        self.request(reqwest::Method::HEAD, path)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn delete(&self, path: &str) -> reqwest::Response {
        self.request(reqwest::Method::DELETE, path)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.request(reqwest::Method::POST, path)
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn put_json(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.request(reqwest::Method::PUT, path)
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    /// GETs and parses JSON, asserting the status.
    pub async fn get_json(&self, path: &str, status: u16) -> serde_json::Value {
        let response = self.get(path).await;
        assert_eq!(response.status(), status, "GET {path}");
        response.json().await.expect("JSON body")
    }

    /// A registry token for these scopes from `/service/token`.
    pub async fn registry_token(&self, scopes: &[&str]) -> String {
        let query: Vec<(&str, &str)> = std::iter::once(("service", "berth"))
            .chain(scopes.iter().map(|s| ("scope", *s)))
            .collect();
        let response = self
            .request(reqwest::Method::GET, "/service/token")
            .query(&query)
            .send()
            .await
            .expect("request sent");
        assert_eq!(response.status(), 200, "token for {scopes:?}");
        let body: serde_json::Value = response.json().await.expect("JSON body");
        body["token"].as_str().expect("token").to_owned()
    }
}
