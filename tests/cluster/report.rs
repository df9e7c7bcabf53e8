//! The load's figures: answers by status inside and outside the two kill
//! windows, and the bounds they must keep.

use std::collections::BTreeMap;

use tokio::time::Instant;

use crate::load::{Op, Outcome};

type Window = (Instant, Instant);

/// The most failures the SIGTERM window may show (see
/// [`Figures::assert_bounded`]).
const DRAIN_RACE: usize = 4;

#[derive(Default, Debug)]
struct Tally {
    by_status: BTreeMap<u16, usize>,
    /// The operations that got no answer.
    failed_ops: BTreeMap<Op, usize>,
    cut_streams: usize,
}

impl Tally {
    fn add(&mut self, outcome: &Outcome) {
        *self.by_status.entry(outcome.status).or_default() += 1;
        if outcome.cut {
            self.cut_streams += 1;
        }
        if outcome.cut || outcome.status == 0 || outcome.status >= 500 {
            *self.failed_ops.entry(outcome.op).or_default() += 1;
        }
    }

    /// Requests that got no answer: 5xx, no HTTP answer (0), or a stream
    /// cut before its end.
    fn failed(&self) -> usize {
        let unanswered: usize = self
            .by_status
            .iter()
            .filter(|(status, _)| **status == 0 || **status >= 500)
            .map(|(_, n)| n)
            .sum();
        unanswered + self.cut_streams
    }

    fn line(&self) -> String {
        let statuses: Vec<String> = self
            .by_status
            .iter()
            .map(|(status, n)| match status {
                0 => format!("no answer: {n}"),
                _ => format!("{status}: {n}"),
            })
            .collect();
        format!(
            "{} (streams cut: {})",
            statuses.join(", "),
            self.cut_streams
        )
    }
}

pub struct Figures {
    seconds: f64,
    total: usize,
    by_op: BTreeMap<Op, usize>,
    outside: Tally,
    kill: Tally,
    term: Tally,
}

fn overlaps(outcome: &Outcome, (from, to): Window) -> bool {
    outcome.started <= to && outcome.ended >= from
}

impl Figures {
    pub fn new(outcomes: &[Outcome], began: Instant, kill: Window, term: Window) -> Self {
        let mut figures = Self {
            seconds: began.elapsed().as_secs_f64(),
            total: outcomes.len(),
            by_op: BTreeMap::new(),
            outside: Tally::default(),
            kill: Tally::default(),
            term: Tally::default(),
        };
        for outcome in outcomes {
            *figures.by_op.entry(outcome.op).or_default() += 1;
            if overlaps(outcome, kill) {
                figures.kill.add(outcome);
            } else if overlaps(outcome, term) {
                figures.term.add(outcome);
            } else {
                figures.outside.add(outcome);
            }
        }
        figures
    }

    pub fn print(&self) {
        println!(
            "cluster: {} requests through nginx in {:.1} s ({:.0}/s): {:?}",
            self.total,
            self.seconds,
            self.total as f64 / self.seconds,
            self.by_op
        );
        println!("cluster: outside the kill windows: {}", self.outside.line());
        println!("cluster: SIGKILL window: {}", self.kill.line());
        println!("cluster: SIGTERM window: {}", self.term.line());
    }

    /// No failure outside the windows; inside the SIGKILL window at most one
    /// per worker (the requests in flight on the killed instance, which
    /// nginx cannot replay: a POST already sent may have been applied);
    /// inside the SIGTERM window at most [`DRAIN_RACE`]: the instance
    /// drains, and only a connection nginx sent a request on in the instant
    /// the listener closed (one accepted by the kernel, never by the
    /// server, or an idle kept-alive one closed then) can be reset under
    /// its request. Runs here show 0 or 1.
    pub fn assert_bounded(&self, workers: usize) {
        assert_eq!(
            self.outside.failed(),
            0,
            "failures outside the kill windows"
        );
        assert!(
            self.kill.failed() <= workers,
            "{} failures in the SIGKILL window, more than the {workers} requests in flight",
            self.kill.failed()
        );
        assert!(
            self.term.failed() <= DRAIN_RACE,
            "{} failures while draining",
            self.term.failed()
        );
        assert!(self.total > 0 && self.outside.by_status.contains_key(&200));
    }
}
