//! Abandons a request body that stops arriving. Without this a client that
//! sends headers and then trickles (or never sends) its body holds a worker's
//! connection, and an upload session's staging file, for as long as it
//! likes. Handlers see the stall as a body error: a blob chunk cut short
//! appends nothing, so the upload resumes from where it was.

use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, body::MessageBody, web};
use futures::StreamExt;
use std::time::Duration;

/// How long a body may go without delivering a byte.
#[derive(Debug, Clone, Copy)]
pub struct BodyIdleTimeout(pub Duration);

pub async fn body_idle(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    if let Some(idle) = req.app_data::<web::Data<BodyIdleTimeout>>().map(|d| d.0) {
        let payload = req.take_payload();
        let guarded = futures::stream::unfold(Some(payload), move |state| async move {
            let mut payload = state?;
            match tokio::time::timeout(idle, payload.next()).await {
                Ok(Some(item)) => Some((item, Some(payload))),
                Ok(None) => None,
                Err(_) => Some((
                    Err(PayloadError::Io(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        format!("no request body received for {} s", idle.as_secs()),
                    ))),
                    None,
                )),
            }
        });
        let boxed: std::pin::Pin<Box<dyn futures::Stream<Item = Result<_, PayloadError>>>> =
            Box::pin(guarded);
        req.set_payload(Payload::from(boxed));
    }
    next.call(req).await
}
