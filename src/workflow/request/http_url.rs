//! URL checks for `--file-url` and `--callback-url`, so that a bad
//! address fails before a file operation is spent on it.

use std::fmt;

use crate::error::Error;

/// Why a text is not an absolute `http` or `https` URL with a host.
#[derive(Clone, Debug, PartialEq, Eq)]
enum UrlProblem {
    Empty,
    Space,
    NotAbsolute,
    Scheme(String),
    NoHost,
    BadHost,
    BadPort,
}

impl fmt::Display for UrlProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UrlProblem::Empty => f.write_str("empty"),
            UrlProblem::Space => {
                f.write_str("has a space or control character; encode it")
            }
            UrlProblem::NotAbsolute => f.write_str(
                "not an absolute URL; give the whole address, starting \
                 with https://",
            ),
            UrlProblem::Scheme(scheme) => {
                write!(f, "the scheme is {scheme}, not http or https")
            }
            UrlProblem::NoHost => f.write_str("no host after the scheme"),
            UrlProblem::BadHost => f.write_str("not a valid host name"),
            UrlProblem::BadPort => f.write_str("not a valid port"),
        }
    }
}

/// The URL, owned, when it is an absolute `http` or `https` URL with a
/// host; else an error naming the option.
pub(super) fn checked_url(flag: &str, url: &str) -> Result<String, Error> {
    match check_http_url(url) {
        Ok(()) => Ok(url.to_string()),
        Err(problem) => {
            Err(Error::config(format!("{flag} '{url}': {problem}")))
        }
    }
}

/// Checks `scheme://[userinfo@]host[:port][/path][?query][#fragment]`,
/// scheme `http` or `https` in any case (RFC 3986, section 3). Only the
/// parts before the path are looked at closely: the platform downloads
/// whatever path and query it is given.
fn check_http_url(url: &str) -> Result<(), UrlProblem> {
    if url.is_empty() {
        return Err(UrlProblem::Empty);
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(UrlProblem::Space);
    }
    let Some((scheme, rest)) = url.split_once(':') else {
        return Err(UrlProblem::NotAbsolute);
    };
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b));
    if !scheme_ok {
        return Err(UrlProblem::NotAbsolute);
    }
    if !scheme.eq_ignore_ascii_case("http")
        && !scheme.eq_ignore_ascii_case("https")
    {
        return Err(UrlProblem::Scheme(scheme.to_string()));
    }
    let Some(rest) = rest.strip_prefix("//") else {
        return Err(UrlProblem::NoHost);
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let host_port = match authority.rfind('@') {
        Some(at) => &authority[at + 1..],
        None => authority,
    };
    let (host, port) = if let Some(inner) = host_port.strip_prefix('[') {
        let Some((ip, after)) = inner.split_once(']') else {
            return Err(UrlProblem::BadHost);
        };
        let ip_ok = ip.contains(':')
            && ip.bytes().all(|b| b.is_ascii_hexdigit() || b":.".contains(&b));
        if !ip_ok {
            return Err(UrlProblem::BadHost);
        }
        match after {
            "" => (ip, None),
            _ => match after.strip_prefix(':') {
                Some(port) => (ip, Some(port)),
                None => return Err(UrlProblem::BadHost),
            },
        }
    } else {
        match host_port.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        }
    };
    if host.is_empty() {
        return Err(UrlProblem::NoHost);
    }
    if !host_port.starts_with('[') && !is_host_name(host) {
        return Err(UrlProblem::BadHost);
    }
    if let Some(port) = port {
        let digits =
            !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit());
        if !digits || port.parse::<u16>().is_err() {
            return Err(UrlProblem::BadPort);
        }
    }
    Ok(())
}

/// A registered name or IPv4 address: dot-separated labels, none empty
/// (one final dot allowed), of letters, digits, `-`, `_`, `~`,
/// percent-escapes and non-ASCII letters (internationalized names).
fn is_host_name(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    host.split('.').all(|label| {
        !label.is_empty()
            && label.chars().all(|c| {
                c.is_alphanumeric() || matches!(c, '-' | '_' | '~' | '%')
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let good = [
            "http://h",
            "https://h.example/f.csv",
            "HTTPS://H.EXAMPLE/F.CSV",
            "https://user:pw@h.example:443/a/b.csv?sig=x&y=1#frag",
            "http://127.0.0.1:8080",
            "http://[::1]:80/x",
            "https://h.example./x",
            "https://bücher.example/x",
            "https://h.example?x",
        ];
        for url in good {
            assert_eq!(check_http_url(url), Ok(()), "{url}");
        }
        let bad = [
            ("", UrlProblem::Empty),
            ("data.csv", UrlProblem::NotAbsolute),
            ("/abs/path.csv", UrlProblem::NotAbsolute),
            ("//h.example/x", UrlProblem::NotAbsolute),
            ("ftp://h.example/x", UrlProblem::Scheme("ftp".into())),
            ("s3://bucket/x", UrlProblem::Scheme("s3".into())),
            ("http:/h.example/x", UrlProblem::NoHost),
            ("http:h.example", UrlProblem::NoHost),
            ("http://", UrlProblem::NoHost),
            ("http:///x.csv", UrlProblem::NoHost),
            ("http://user@/x", UrlProblem::NoHost),
            ("http://:80/x", UrlProblem::NoHost),
            ("http://h..example/x", UrlProblem::BadHost),
            ("http://h_x^y/x", UrlProblem::BadHost),
            ("http://[::1/x", UrlProblem::BadHost),
            ("http://[zz]/x", UrlProblem::BadHost),
            ("http://h:/x", UrlProblem::BadPort),
            ("http://h:99999/x", UrlProblem::BadPort),
            ("http://h:8o/x", UrlProblem::BadPort),
            ("http://h.example/a b.csv", UrlProblem::Space),
        ];
        for (url, problem) in bad {
            assert_eq!(check_http_url(url), Err(problem), "{url}");
        }
    }
}
