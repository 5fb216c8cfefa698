//! `/service/token` for a robot with Basic credentials and a push+pull
//! scope: with the verified-credential cache warm (the same robot over and
//! over), and cold (every request is some robot's first, so its secret's
//! hash is really computed).

use futures::future::try_join_all;
use std::sync::Arc;
use std::time::Duration;

use super::{Ctx, push_pull};
use crate::client::Registry;
use crate::load::{closed_loop, each};
use crate::results::{Better, Measurement, Series, watched};

#[derive(clap::Args)]
pub struct Options {
    #[arg(long, default_value_t = 64)]
    pub connections: usize,
    #[arg(long, default_value_t = 10.0)]
    pub seconds: f64,
    #[arg(long, default_value_t = 64)]
    pub cold_robots: usize,
}

pub async fn run(ctx: &Ctx, options: &Options) -> anyhow::Result<Vec<Measurement>> {
    ctx.require_berth("token")?;
    ctx.registry.ensure_project(&ctx.project).await?;
    let scope = push_pull(&ctx.repository("token"));
    let token_url = ctx.registry.token_url(&scope).await?;

    let (name, secret) = ctx
        .registry
        .create_robot(&ctx.project, &format!("bench-warm-{:x}", ctx.seed))
        .await?;
    let robot = ctx.registry.as_user(&name, &secret);
    robot.fetch_token(token_url.clone()).await?;
    let mut warm = Series::new(
        "token",
        &format!("warm x{}", options.connections),
        "req/s",
        Better::Higher,
    );
    for _ in 0..ctx.rounds {
        let (robot, url) = (robot.clone(), token_url.clone());
        let load = closed_loop(
            options.connections,
            Duration::from_secs_f64(options.seconds),
            move |_, _| {
                let (robot, url) = (robot.clone(), url.clone());
                async move { robot.fetch_token(url).await.map(|token| token.len() as u64) }
            },
        );
        let (outcome, cost) = watched(ctx.server_pid, load).await?;
        warm.add(outcome.per_second(), outcome, cost);
    }

    let mut cold = Series::new(
        "token",
        &format!("cold x{}", options.connections.min(options.cold_robots)),
        "req/s",
        Better::Higher,
    );
    for round in 0..ctx.rounds {
        let robots = create_robots(ctx, round, options.cold_robots).await?;
        let url = token_url.clone();
        let load = each(options.connections, robots, move |robot: Registry| {
            let url = url.clone();
            async move { robot.fetch_token(url).await.map(|token| token.len() as u64) }
        });
        let (outcome, cost) = watched(ctx.server_pid, load).await?;
        cold.add(outcome.per_second(), outcome, cost);
    }
    Ok(vec![warm.finish(), cold.finish()])
}

/// Robots nobody has signed in as yet, made a few at a time (creating one
/// hashes its secret).
async fn create_robots(ctx: &Ctx, round: usize, count: usize) -> anyhow::Result<Vec<Registry>> {
    let registry = Arc::new(ctx.registry.clone());
    let mut robots = Vec::with_capacity(count);
    let names: Vec<String> = (0..count)
        .map(|i| format!("bench-cold-{:x}-{round}-{i}", ctx.seed))
        .collect();
    for batch in names.chunks(4) {
        let created = try_join_all(batch.iter().map(|name| {
            let registry = registry.clone();
            let project = ctx.project.clone();
            async move { registry.create_robot(&project, name).await }
        }))
        .await?;
        robots.extend(
            created
                .into_iter()
                .map(|(name, secret)| ctx.registry.as_user(&name, &secret)),
        );
    }
    Ok(robots)
}
