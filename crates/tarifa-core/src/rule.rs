//! Rule identifiers of `RULES.md` (CON-1 … ABU-5) and the decisions that cite them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A family of rules, with how many rules RULES.md numbers in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RuleFamily {
    Con,
    Cat,
    Dev,
    Unl,
    Prm,
    Use,
    Bil,
    Dun,
    Cmp,
    Trm,
    Not,
    Abu,
}

impl RuleFamily {
    pub const ALL: [RuleFamily; 12] = [
        Self::Con,
        Self::Cat,
        Self::Dev,
        Self::Unl,
        Self::Prm,
        Self::Use,
        Self::Bil,
        Self::Dun,
        Self::Cmp,
        Self::Trm,
        Self::Not,
        Self::Abu,
    ];

    pub fn prefix(self) -> &'static str {
        match self {
            Self::Con => "CON",
            Self::Cat => "CAT",
            Self::Dev => "DEV",
            Self::Unl => "UNL",
            Self::Prm => "PRM",
            Self::Use => "USE",
            Self::Bil => "BIL",
            Self::Dun => "DUN",
            Self::Cmp => "CMP",
            Self::Trm => "TRM",
            Self::Not => "NOT",
            Self::Abu => "ABU",
        }
    }

    /// The highest number RULES.md gives in this family.
    pub fn count(self) -> u8 {
        match self {
            Self::Con => 15,
            Self::Cat => 5,
            Self::Dev => 4,
            Self::Unl => 12,
            Self::Prm => 7,
            Self::Use => 5,
            Self::Bil => 7,
            Self::Dun => 6,
            Self::Cmp => 6,
            Self::Trm => 6,
            Self::Not => 3,
            Self::Abu => 5,
        }
    }
}

/// One rule of RULES.md, such as `CON-3`. Only IDs the specification defines exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuleId {
    family: RuleFamily,
    number: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a rule of RULES.md (expected e.g. \"CON-3\", \"UNL-9\")")]
pub struct UnknownRule(pub String);

impl RuleId {
    /// For constants in code: panics on an ID RULES.md does not define, which
    /// the unit test `every_constant_is_a_rule` catches at test time.
    pub const fn new(family: RuleFamily, number: u8) -> Self {
        Self { family, number }
    }

    pub fn family(self) -> RuleFamily {
        self.family
    }

    pub fn number(self) -> u8 {
        self.number
    }

    /// Every rule of RULES.md, in order.
    pub fn all() -> impl Iterator<Item = RuleId> {
        RuleFamily::ALL
            .into_iter()
            .flat_map(|family| (1..=family.count()).map(move |number| RuleId { family, number }))
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.family.prefix(), self.number)
    }
}

impl FromStr for RuleId {
    type Err = UnknownRule;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let unknown = || UnknownRule(text.to_owned());
        let (prefix, number) = text.split_once('-').ok_or_else(unknown)?;
        let family = RuleFamily::ALL
            .into_iter()
            .find(|f| f.prefix() == prefix)
            .ok_or_else(unknown)?;
        let number: u8 = number.parse().map_err(|_| unknown())?;
        if number == 0 || number > family.count() || number.to_string() != text[prefix.len() + 1..]
        {
            return Err(unknown());
        }
        Ok(Self { family, number })
    }
}

impl Serialize for RuleId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for RuleId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Named constants for the rules the code cites.
#[allow(dead_code)]
pub mod rules {
    use super::{RuleFamily::*, RuleId};

    macro_rules! rule_constants {
        ($($name:ident = $family:ident $number:literal),* $(,)?) => {
            $(pub const $name: RuleId = RuleId::new($family, $number);)*
            /// Every constant above, for the test that checks them against RULES.md.
            pub const DEFINED: &[RuleId] = &[$($name),*];
        };
    }

    rule_constants! {
        CON_1 = Con 1, CON_2 = Con 2, CON_3 = Con 3, CON_4 = Con 4, CON_5 = Con 5,
        CON_6 = Con 6, CON_7 = Con 7, CON_8 = Con 8, CON_9 = Con 9, CON_10 = Con 10,
        CON_11 = Con 11, CON_12 = Con 12, CON_13 = Con 13, CON_14 = Con 14, CON_15 = Con 15,
        CAT_1 = Cat 1, CAT_2 = Cat 2, CAT_3 = Cat 3, CAT_4 = Cat 4, CAT_5 = Cat 5,
        DEV_1 = Dev 1, DEV_2 = Dev 2, DEV_3 = Dev 3, DEV_4 = Dev 4,
        UNL_1 = Unl 1, UNL_2 = Unl 2, UNL_3 = Unl 3, UNL_4 = Unl 4, UNL_5 = Unl 5, UNL_6 = Unl 6,
        UNL_7 = Unl 7, UNL_8 = Unl 8, UNL_9 = Unl 9, UNL_10 = Unl 10, UNL_11 = Unl 11, UNL_12 = Unl 12,
        PRM_1 = Prm 1, PRM_2 = Prm 2, PRM_3 = Prm 3, PRM_4 = Prm 4, PRM_5 = Prm 5, PRM_6 = Prm 6, PRM_7 = Prm 7,
        USE_1 = Use 1, USE_2 = Use 2, USE_3 = Use 3, USE_4 = Use 4, USE_5 = Use 5,
        BIL_1 = Bil 1, BIL_2 = Bil 2, BIL_3 = Bil 3, BIL_4 = Bil 4, BIL_5 = Bil 5, BIL_6 = Bil 6, BIL_7 = Bil 7,
        DUN_1 = Dun 1, DUN_2 = Dun 2, DUN_3 = Dun 3, DUN_4 = Dun 4, DUN_5 = Dun 5, DUN_6 = Dun 6,
        CMP_1 = Cmp 1, CMP_2 = Cmp 2, CMP_3 = Cmp 3, CMP_4 = Cmp 4, CMP_5 = Cmp 5, CMP_6 = Cmp 6,
        TRM_1 = Trm 1, TRM_2 = Trm 2, TRM_3 = Trm 3, TRM_4 = Trm 4, TRM_5 = Trm 5, TRM_6 = Trm 6,
        NOT_1 = Not 1, NOT_2 = Not 2, NOT_3 = Not 3,
        ABU_1 = Abu 1, ABU_2 = Abu 2, ABU_3 = Abu 3, ABU_4 = Abu 4, ABU_5 = Abu 5,
    }
}

/// What a decision came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Approved,
    Rejected,
    Pending,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Pending => "pending",
        }
    }
}

impl FromStr for Outcome {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "approved" => Ok(Self::Approved),
            "rejected" => Ok(Self::Rejected),
            "pending" => Ok(Self::Pending),
            other => Err(format!(
                "unknown outcome {other:?}: expected approved, rejected or pending"
            )),
        }
    }
}

/// A reason a person can read, with the rule behind it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    pub rule: Option<RuleId>,
    pub text: String,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.rule {
            Some(rule) => write!(f, "{rule}: {}", self.text),
            None => f.write_str(&self.text),
        }
    }
}

/// Every decision the system takes: the outcome, every rule that decided it,
/// and the reasons. A refusal lists every unmet condition at once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub outcome: Outcome,
    pub rules: Vec<RuleId>,
    pub reasons: Vec<Reason>,
}

impl Decision {
    pub fn new(outcome: Outcome) -> Self {
        Self {
            outcome,
            rules: Vec::new(),
            reasons: Vec::new(),
        }
    }

    pub fn approved() -> Self {
        Self::new(Outcome::Approved)
    }

    /// Adds a rule that decided this, without a separate reason.
    pub fn cite(&mut self, rule: RuleId) -> &mut Self {
        if !self.rules.contains(&rule) {
            self.rules.push(rule);
        }
        self
    }

    /// Adds a reason and cites its rule.
    pub fn because(&mut self, rule: RuleId, text: impl Into<String>) -> &mut Self {
        self.cite(rule);
        self.reasons.push(Reason {
            rule: Some(rule),
            text: text.into(),
        });
        self
    }

    /// Adds a reason that is not tied to one rule (e.g. an unknown package).
    pub fn note(&mut self, text: impl Into<String>) -> &mut Self {
        self.reasons.push(Reason {
            rule: None,
            text: text.into(),
        });
        self
    }

    /// Records an unmet condition: the decision becomes a refusal.
    pub fn refuse(&mut self, rule: RuleId, text: impl Into<String>) -> &mut Self {
        self.outcome = Outcome::Rejected;
        self.because(rule, text)
    }

    /// A refusal with no rule behind it (bad reference, unknown item).
    pub fn refuse_plainly(&mut self, text: impl Into<String>) -> &mut Self {
        self.outcome = Outcome::Rejected;
        self.note(text)
    }

    /// Takes in a decision taken as part of this one: its reasons and rules
    /// follow this one's, and its refusal refuses this one.
    pub fn absorb(&mut self, part: Decision) -> &mut Self {
        if part.outcome == Outcome::Rejected {
            self.outcome = Outcome::Rejected;
        }
        for rule in part.rules {
            self.cite(rule);
        }
        self.reasons.extend(part.reasons);
        self
    }

    pub fn is_approved(&self) -> bool {
        self.outcome == Outcome::Approved
    }

    pub fn is_rejected(&self) -> bool {
        self.outcome == Outcome::Rejected
    }

    /// The reasons as strings, each prefixed with its rule.
    pub fn reason_texts(&self) -> Vec<String> {
        self.reasons.iter().map(ToString::to_string).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_rule_ids() {
        let id: RuleId = "UNL-9".parse().expect("a rule");
        assert_eq!(id.to_string(), "UNL-9");
        assert_eq!(id, rules::UNL_9);
        for bad in [
            "UNL-13", "UNL-0", "XYZ-1", "CON1", "CON-01", "CON-", "con-1",
        ] {
            assert!(bad.parse::<RuleId>().is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn every_constant_is_a_rule() {
        let all: Vec<RuleId> = RuleId::all().collect();
        assert_eq!(all.len(), 81);
        for rule in rules::DEFINED {
            assert!(all.contains(rule), "{rule} is not in RULES.md");
        }
        assert_eq!(rules::DEFINED.len(), all.len());
    }

    #[test]
    fn refusal_collects_every_reason() {
        let mut d = Decision::approved();
        d.refuse(rules::UNL_4, "the IMEI is missing")
            .refuse(rules::UNL_4, "the device model is missing")
            .refuse(rules::UNL_1, "the commitment runs until 2027-01-10");
        assert!(d.is_rejected());
        assert_eq!(d.rules, vec![rules::UNL_4, rules::UNL_1]);
        assert_eq!(d.reasons.len(), 3);
        assert_eq!(d.reason_texts()[0], "UNL-4: the IMEI is missing");
    }
}
