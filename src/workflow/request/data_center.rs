//! The data centers that host the API, for the `--dc` call wrapper.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// A MoEngage data center: the `DC` of `https://api-DC.moengage.com`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DataCenter(&'static str);

impl DataCenter {
    /// Every data center the platform documents.
    pub const NAMES: &'static [&'static str] =
        &["01", "02", "03", "04", "05", "06", "101"];

    /// The data center's name, as in the API host (`01`, ..., `101`).
    pub fn name(self) -> &'static str {
        self.0
    }

    /// The API's base URL in this data center, without a final `/`.
    pub fn api_base(self) -> String {
        format!("https://api-{}.moengage.com", self.0)
    }
}

impl FromStr for DataCenter {
    type Err = Error;

    /// Parses a data center name exactly as the platform writes it (`1`
    /// is not `01`).
    fn from_str(s: &str) -> Result<DataCenter, Error> {
        match DataCenter::NAMES.iter().find(|&&name| name == s) {
            Some(&name) => Ok(DataCenter(name)),
            None => Err(Error::config(format!(
                "`data_center` '{s}': unknown data center (expected one of: {})",
                DataCenter::NAMES.join(", ")
            ))),
        }
    }
}

impl fmt::Display for DataCenter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_centers() {
        // The spec's list, in its order.
        assert_eq!(
            DataCenter::NAMES,
            ["01", "02", "03", "04", "05", "06", "101"]
        );
        for name in DataCenter::NAMES {
            let dc = name.parse::<DataCenter>().unwrap();
            assert_eq!(dc.name(), *name);
            assert_eq!(dc.to_string(), *name);
            assert_eq!(
                dc.api_base(),
                format!("https://api-{name}.moengage.com")
            );
        }
        for bad in ["1", "07", "", "100", " 01"] {
            let err = bad.parse::<DataCenter>().unwrap_err().to_string();
            assert_eq!(
                err,
                format!(
                    "`data_center` '{bad}': unknown data center (expected one of: \
                     01, 02, 03, 04, 05, 06, 101)"
                ),
                "{bad:?}"
            );
        }
    }
}
