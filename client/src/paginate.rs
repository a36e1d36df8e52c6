//! Following cursors: turn "fetch one page" into a stream of items.

use std::future::Future;

use futures::stream::{self, Stream, StreamExt};

/// `fetch(cursor)` returns one page's items and the next cursor (None at the
/// end). The stream yields every item of every page in order, and stops
/// after the first error.
pub fn paginate<T, E, F, Fut>(fetch: F) -> impl Stream<Item = Result<T, E>>
where
    F: Fn(Option<String>) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, Option<String>), E>>,
{
    enum State {
        Start,
        Next(String),
        Done,
    }
    stream::unfold((State::Start, fetch), |(state, fetch)| async move {
        let cursor = match state {
            State::Done => return None,
            State::Start => None,
            State::Next(c) => Some(c),
        };
        match fetch(cursor).await {
            Ok((items, next)) => {
                let state = match next {
                    Some(c) => State::Next(c),
                    None => State::Done,
                };
                let items: Vec<Result<T, E>> = items.into_iter().map(Ok).collect();
                Some((stream::iter(items), (state, fetch)))
            }
            Err(e) => Some((stream::iter(vec![Err(e)]), (State::Done, fetch))),
        }
    })
    .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn follows_cursors_to_the_end_and_stops_on_error() {
        let pages = |c: Option<String>| async move {
            match c.as_deref() {
                None => Ok::<_, String>((vec![1, 2], Some("a".into()))),
                Some("a") => Ok((vec![3], Some("b".into()))),
                Some("b") => Ok((vec![], None)),
                _ => Err("bad cursor".into()),
            }
        };
        let all: Vec<_> = paginate(pages).collect().await;
        assert_eq!(all, vec![Ok(1), Ok(2), Ok(3)]);
        let failing = |c: Option<String>| async move {
            match c {
                None => Ok((vec![1], Some("x".into()))),
                Some(_) => Err("boom".to_string()),
            }
        };
        let got: Vec<_> = paginate(failing).collect().await;
        assert_eq!(got, vec![Ok(1), Err("boom".into())]);
    }
}
