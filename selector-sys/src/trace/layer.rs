//! [`Layer`]: which part of corium a trace event comes from, and the `CORIUM_TRACE` grammar.

use std::fmt;
use std::io;

/// The layer of corium a trace event comes from: the filter unit of `CORIUM_TRACE`, the
/// `[layer]` column of a line and the category of a Chrome event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Layer {
    /// `corium-selector-sys`: every syscall (they all go through [`syscall!`](crate::syscall!)),
    /// the events a poll returns.
    Selector,
    /// `corium-reactor`: readiness changes, I/O wake-ups, timer fires, registration release,
    /// shutdown.
    Reactor,
    /// `corium-executor`: schedules, steals, park/unpark, task wakes and polls.
    Executor,
    /// `corium-net`: connect/accept/read/write as the async API sees them.
    Net,
}

impl Layer {
    /// Every layer, bottom up.
    pub const ALL: [Layer; 4] = [Layer::Selector, Layer::Reactor, Layer::Executor, Layer::Net];

    /// The layer's name, as written in `CORIUM_TRACE` and in the `[layer]` column.
    pub const fn name(self) -> &'static str {
        match self {
            Layer::Selector => "selector",
            Layer::Reactor => "reactor",
            Layer::Executor => "executor",
            Layer::Net => "net",
        }
    }

    /// The layer called `name` (ASCII case-insensitive), if any.
    pub fn from_name(name: &str) -> Option<Layer> {
        Layer::ALL
            .into_iter()
            .find(|layer| layer.name().eq_ignore_ascii_case(name))
    }

    /// This layer's bit in a layer set (bit 0 = selector … bit 3 = net).
    pub(crate) const fn bit(self) -> u8 {
        1 << self as u8
    }
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The set of layers every bit of which is on.
pub(crate) const ALL_BITS: u8 = 0b1111;

/// Parses a `CORIUM_TRACE` value into a layer set, plus the names it did not know.
///
/// The grammar: a comma-separated list of layer names (spaces around names ignored, case
/// ignored); `all`, `*` or `1` mean every layer; an empty value, `0`, `off` or `none` means no
/// layer. Entries combine: `off,net` is `net`.
pub(crate) fn parse_spec(spec: &str) -> (u8, Vec<String>) {
    let mut bits = 0;
    let mut unknown = Vec::new();
    for word in spec.split(',').map(str::trim).filter(|w| !w.is_empty()) {
        if ["all", "*", "1"]
            .iter()
            .any(|w| w.eq_ignore_ascii_case(word))
        {
            bits = ALL_BITS;
        } else if ["off", "none", "0"]
            .iter()
            .any(|w| w.eq_ignore_ascii_case(word))
        {
            continue;
        } else if let Some(layer) = Layer::from_name(word) {
            bits |= layer.bit();
        } else {
            unknown.push(word.to_owned());
        }
    }
    (bits, unknown)
}

/// The error for a filter that names no layer corium has.
pub(crate) fn unknown_layers(unknown: &[String]) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "unknown trace layer {unknown:?}: use a comma-separated list of selector, reactor, executor, net, or all / off"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_grammar() {
        assert_eq!(parse_spec(""), (0, vec![]));
        assert_eq!(parse_spec("off"), (0, vec![]));
        assert_eq!(parse_spec("ALL"), (ALL_BITS, vec![]));
        assert_eq!(parse_spec("1").0, ALL_BITS);
        let (bits, unknown) = parse_spec(" selector , Reactor,bogus,");
        assert_eq!(bits, Layer::Selector.bit() | Layer::Reactor.bit());
        assert_eq!(unknown, vec!["bogus".to_owned()]);
        assert_eq!(parse_spec("off,net").0, Layer::Net.bit());
        let msg = unknown_layers(&unknown).to_string();
        assert!(msg.contains("bogus") && msg.contains("executor"), "{msg}");
    }

    #[test]
    fn names_round_trip() {
        for layer in Layer::ALL {
            assert_eq!(Layer::from_name(layer.name()), Some(layer));
            assert_eq!(layer.to_string(), layer.name());
        }
        assert_eq!(Layer::from_name("NET"), Some(Layer::Net));
        assert_eq!(Layer::from_name("time"), None);
    }
}
